// LastMatch: the last subject a match cache answered and where that answer lives. A publisher
// mostly repeats its subject, and one compare is cheaper than a hash and a probe. The owner
// forgets it whenever the answer may move or go stale (an insert that can rehash, an eviction,
// a change of interest). Owner's thread only.
#pragma once

#include <string>
#include <string_view>

#include "proto/subject.h"

namespace zats::server {

template <class Answer>
class LastMatch {
 public:
  // The answer remembered for `subject`, or null.
  Answer* find(std::string_view subject) const {
    return answer_ != nullptr && proto::same_subject(subject, subject_) ? answer_ : nullptr;
  }
  void remember(std::string_view subject, Answer* answer) {
    subject_.assign(subject.data(), subject.size());
    answer_ = answer;
  }
  void forget() { answer_ = nullptr; }

 private:
  std::string subject_;
  Answer* answer_ = nullptr;
};

}  // namespace zats::server
