// Helpers shared by the InterestIndex tests: an RCU registration scope that drains deferred
// frees on exit, and a brute-force reference index to compare match() against.
#pragma once

#include <map>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/rcu.h"
#include "server/interest_index.h"

namespace mesh_test {

// Registers the test thread; on exit waits for every retired record so none outlives the test.
struct RcuScope {
  zats::core::RcuThread thread;
  ~RcuScope() { zats::core::rcu_barrier_wait(); }
};

inline std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// Token by token (docs/compatibility.md, Subjects and wildcards): '*' one token, '>' one or more
// trailing tokens.
inline bool matches(std::string_view pattern, std::string_view subject) {
  auto p = split(pattern), s = split(subject);
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == ">") return s.size() > i;
    if (i >= s.size()) return false;
    if (p[i] != "*" && p[i] != s[i]) return false;
  }
  return p.size() == s.size();
}

// A result in a comparable shape: plain mask plus group -> worker -> members.
struct Canonical {
  uint64_t plain = 0;
  std::map<std::string, std::map<uint32_t, uint32_t>> queues;
  bool operator==(const Canonical&) const = default;
};

inline Canonical canonical(const zats::server::InterestResult& r) {
  Canonical c;
  c.plain = r.plain;
  for (const auto& q : r.queues) {
    uint32_t total = 0;
    for (const auto& w : q.weights) {
      c.queues[q.name][w.destination] += w.members;
      total += w.members;
    }
    if (total != q.total) c.queues["!bad-total:" + q.name][0] = q.total;
  }
  return c;
}

class Reference {
 public:
  void add(unsigned w, const std::string& subj, const std::string& q) { ++subs_[{w, subj, q}]; }
  bool remove(unsigned w, const std::string& subj, const std::string& q) {
    auto it = subs_.find({w, subj, q});
    if (it == subs_.end()) return false;
    if (--it->second == 0) subs_.erase(it);
    return true;
  }
  Canonical match(std::string_view subject) const {
    Canonical c;
    for (const auto& [key, count] : subs_) {
      const auto& [w, subj, q] = key;
      if (!matches(subj, subject)) continue;
      if (q.empty()) {
        c.plain |= uint64_t{1} << w;
      } else {
        c.queues[q][w] += count;
      }
    }
    return c;
  }
  const std::map<std::tuple<unsigned, std::string, std::string>, int>& subs() const { return subs_; }

 private:
  std::map<std::tuple<unsigned, std::string, std::string>, int> subs_;
};

}  // namespace mesh_test
