// InterestChangeLog (see interest_change_log.h): a seqlock per entry. The writer clears the
// stamp, then writes the fields with release stores (so a reader that sees a new field also
// sees the cleared stamp), then sets the stamp. A reader loads the stamp, the fields (acquire:
// the second stamp load cannot move above them) and the stamp again; equal stamps mean the
// copy is whole.
#include "server/interest_change_log.h"

#include <algorithm>
#include <cstring>

namespace zats::server {

void InterestChangeLog::record(uint64_t generation, std::string_view subject, bool wildcard) {
  Entry& e = entries_[generation % kCapacity];
  e.stamp.store(0, std::memory_order_relaxed);
  const bool fits = subject.size() <= kMaxSubject;
  e.size.store(fits ? static_cast<uint32_t>(subject.size()) : kTooLong, std::memory_order_release);
  e.wildcard.store(wildcard, std::memory_order_release);
  if (fits) {
    for (size_t w = 0; w * sizeof(uint64_t) < subject.size(); ++w) {
      uint64_t word = 0;
      std::memcpy(&word, subject.data() + w * sizeof word, std::min(sizeof word, subject.size() - w * sizeof word));
      e.words[w].store(word, std::memory_order_release);
    }
  }
  e.stamp.store(generation, std::memory_order_release);
}

bool InterestChangeLog::read(uint64_t generation, Copy& out) const {
  const Entry& e = entries_[generation % kCapacity];
  if (e.stamp.load(std::memory_order_acquire) != generation) return false;
  out.size = e.size.load(std::memory_order_acquire);
  out.wildcard = e.wildcard.load(std::memory_order_acquire);
  if (out.size == kTooLong) return false;
  for (size_t w = 0; w * sizeof(uint64_t) < out.size; ++w) out.words[w] = e.words[w].load(std::memory_order_acquire);
  return e.stamp.load(std::memory_order_acquire) == generation;
}

}  // namespace zats::server
