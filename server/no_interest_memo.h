// NoInterestMemo: the last subject a worker published in one account that reached no one — no
// subscriber of its own, no other worker, no remote server — and the generations of the two
// views of interest that said so (the worker's Sublist and the account's shared InterestIndex).
// A publisher usually repeats its subject, and a stream nobody listens to (telemetry before
// anyone watches it) is then answered by one compare, not two lookups and a delivery plan. A
// SUB or UNSUB anywhere moves one of the generations, and the memo no longer holds.
// Worker-local, not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "proto/subject.h"

namespace zats::server {

class NoInterestMemo {
 public:
  // The interest as of a publish: Sublist::generation() and InterestIndex::generation() (0 for
  // a server with one worker, which has no shared index).
  struct Generations {
    uint64_t local = 0;
    uint64_t shared = 0;
    bool operator==(const Generations&) const = default;
  };

  // Longer subjects are not remembered: a fixed buffer keeps remember() a plain copy, which a
  // stream over ever-new subjects pays on every message.
  static constexpr size_t kMaxSubject = 128;

  // True when `subject` reached no one the last time and neither view changed since.
  bool holds(std::string_view subject, Generations now) const {
    return valid_ && now == seen_ && proto::same_subject(subject, std::string_view(subject_.data(), size_));
  }
  // `subject` reached no one with interest as of `seen` (read before the lookups that said so:
  // a change racing with them has a later generation, so the memo does not outlive it).
  void remember(std::string_view subject, Generations seen) {
    valid_ = subject.size() <= kMaxSubject;
    if (!valid_) return;
    std::memcpy(subject_.data(), subject.data(), subject.size());
    size_ = subject.size();
    seen_ = seen;
  }

 private:
  std::array<char, kMaxSubject> subject_;
  size_t size_ = 0;
  Generations seen_;
  bool valid_ = false;
};

}  // namespace zats::server
