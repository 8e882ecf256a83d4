// FrameCycle construction and slicing.
#include "perf/frame_cycle.h"

#include <algorithm>

namespace zats::perf {

// `before` (protocol lines) goes first, inside the frame: it is sent whenever the PUB is.
void FrameCycle::add(std::string_view subject, std::string_view reply, std::string_view before) {
  buf_ += before;
  buf_ += "PUB ";
  buf_ += subject;
  buf_ += ' ';
  if (!reply.empty()) {
    buf_ += reply;
    buf_ += ' ';
  }
  buf_ += std::to_string(size_);
  buf_ += "\r\n";
  // Printable filler: readable in a packet capture, never mistaken for framing.
  for (size_t k = 0; k < size_; ++k) buf_ += static_cast<char>('a' + k % 26);
  buf_ += "\r\n";
  offsets_.push_back(buf_.size());
}

FrameCycle FrameCycle::uniform(std::string_view subject, std::string_view reply, size_t size,
                               size_t bytes) {
  FrameCycle fc;
  fc.size_ = size;
  do fc.add(subject, reply);
  while (fc.buf_.size() + fc.offsets_[1] <= bytes);
  return fc;
}

FrameCycle FrameCycle::subjects(std::string_view prefix, size_t count, size_t size,
                                size_t interest_every) {
  FrameCycle fc;
  fc.size_ = size;
  fc.interest_every_ = std::max<size_t>(1, interest_every);
  fc.offsets_.reserve(count + 1);
  std::string subj(prefix);
  for (size_t n = 0; n < count; ++n) {
    subj.resize(prefix.size());
    subj += std::to_string(n);
    fc.add(subj, {});
  }
  return fc;
}

FrameCycle FrameCycle::old_style_requests(std::string_view subject, std::string_view inbox, size_t count,
                                          size_t size) {
  FrameCycle fc;
  fc.size_ = size;
  for (size_t n = 0; n < count; ++n) {
    const std::string reply = std::string(inbox) + "." + std::to_string(n);
    const std::string sid = std::to_string(n + 2);  // sid 1 is the requester's own
    fc.add(subject, reply, "SUB " + reply + " " + sid + "\r\nUNSUB " + sid + " 1\r\n");
  }
  return fc;
}

size_t FrameCycle::end_of_slice(size_t i, size_t max_frames, size_t max_bytes) const {
  const size_t last = i + std::clamp<size_t>(max_frames, 1, frames() - i);
  const size_t limit = offsets_[i] + max_bytes;
  // First boundary past the byte budget, then step back to stay within it.
  auto it = std::upper_bound(offsets_.begin() + static_cast<ptrdiff_t>(i) + 1,
                             offsets_.begin() + static_cast<ptrdiff_t>(last) + 1, limit);
  size_t j = static_cast<size_t>(it - offsets_.begin()) - 1;
  return std::max(j, i + 1);
}

uint64_t FrameCycle::hits(size_t i, size_t j) const {
  // Multiples of interest_every_ in [i, j).
  auto upto = [&](size_t n) { return n == 0 ? 0 : (n - 1) / interest_every_ + 1; };
  return upto(j) - upto(i);
}

}  // namespace zats::perf
