// InterestChangeLog: the subscription subjects of the most recent changes of one InterestIndex,
// each stamped with the generation the change produced. A worker's InterestCache replays what
// it has not seen yet and drops only the cached results those subjects can match (as
// nats-server's sublist does with its cache), so a SUB or UNSUB on one subject leaves every
// other cached result in place.
//
// One writer at a time (the index's writer lock), any number of lock-free readers. Each entry
// is a seqlock holding the subject inline (no allocation, nothing to reclaim): a reader copies
// it out and keeps it only if the stamp did not move meanwhile. The log keeps the last
// kCapacity changes, and subjects up to kMaxSubject bytes; a reader that fell further behind,
// or meets a longer subject, is told so and must assume that everything changed.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zats::server {

class InterestChangeLog {
 public:
  static constexpr size_t kCapacity = 256;
  static constexpr size_t kMaxSubject = 128;

  // Writer: `subject` (a subscription subject, `wildcard` when it has a '*' or '>' token)
  // changed, producing `generation`, which is one above the previous record's. Call before
  // publishing the new generation, so a reader that sees it finds the record.
  void record(uint64_t generation, std::string_view subject, bool wildcard);

  // Reader: calls each(subject, wildcard) for every change with a generation in
  // (after, upto], oldest first. False when some were overwritten already, never recorded,
  // or too long to keep: the caller must then treat everything as changed.
  template <class Each>
  bool replay(uint64_t after, uint64_t upto, Each&& each) const;

 private:
  static constexpr size_t kWords = kMaxSubject / sizeof(uint64_t);
  static constexpr uint32_t kTooLong = UINT32_MAX;

  // `stamp` is the generation the rest describes, 0 while it is rewritten.
  struct Entry {
    std::atomic<uint64_t> stamp{0};
    std::atomic<uint32_t> size{0};
    std::atomic<bool> wildcard{false};
    std::array<std::atomic<uint64_t>, kWords> words{};
  };
  struct Copy {
    std::array<uint64_t, kWords> words;
    uint32_t size = 0;
    bool wildcard = false;
    std::string_view subject() const { return {reinterpret_cast<const char*>(words.data()), size}; }
  };
  bool read(uint64_t generation, Copy& out) const;

  std::array<Entry, kCapacity> entries_;
};

template <class Each>
bool InterestChangeLog::replay(uint64_t after, uint64_t upto, Each&& each) const {
  if (upto < after || upto - after > kCapacity) return false;
  Copy copy;
  for (uint64_t g = after + 1; g <= upto; ++g) {
    if (!read(g, copy)) return false;
    each(copy.subject(), copy.wildcard);
  }
  return true;
}

}  // namespace zats::server
