// FrameCycle: a read-only buffer of pre-formatted PUB frames that publishers
// send slices of, cycling, so the publish path never formats per message.
// Frame boundaries are kept so slices stay whole frames and payloads can be stamped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zats::perf {

class FrameCycle {
 public:
  // Identical frames "PUB <subject> [<reply>] <size>\r\n<payload>\r\n", enough of
  // them to fill about `bytes` (at least one).
  static FrameCycle uniform(std::string_view subject, std::string_view reply, size_t size,
                            size_t bytes = 256 * 1024);
  // One frame per subject "<prefix><n>" for n in [0, count); frames whose n is a
  // multiple of `interest_every` count as hits (subjects someone listens to).
  static FrameCycle subjects(std::string_view prefix, size_t count, size_t size,
                             size_t interest_every);
  // Old-style requests, one inbox each: "SUB <inbox>.<n> <sid>\r\nUNSUB <sid> 1\r\n"
  // before "PUB <subject> <inbox>.<n> <size>\r\n<payload>\r\n", for n in [0, count). An inbox
  // comes round again only after `count` more requests, so keep count above those in flight.
  static FrameCycle old_style_requests(std::string_view subject, std::string_view inbox, size_t count, size_t size);

  size_t frames() const { return offsets_.size() - 1; }
  size_t payload_size() const { return size_; }
  const char* data() const { return buf_.data(); }
  size_t offset(size_t i) const { return offsets_[i]; }
  // Frames [i, j) with j <= frames(), as many as fit in max_bytes (at least one).
  size_t end_of_slice(size_t i, size_t max_frames, size_t max_bytes) const;
  // Offset of the payload of frame i, relative to the frame's start.
  size_t payload_at(size_t i) const { return offsets_[i + 1] - 2 - size_ - offsets_[i]; }
  // How many frames in [i, j) have interest.
  uint64_t hits(size_t i, size_t j) const;

 private:
  void add(std::string_view subject, std::string_view reply, std::string_view before = {});

  std::string buf_;
  std::vector<size_t> offsets_{0};
  size_t size_ = 0;
  size_t interest_every_ = 1;
};

}  // namespace zats::perf
