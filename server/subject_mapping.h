// Subject mappings (docs/compatibility.md, Subject mappings): a client's publish on a mapped
// subject goes out on another, computed by a SubjectTransform, and, with several destinations,
// chosen at random by weight, as nats-server 2.9.10 does it. Where the weights of a mapping add
// up to less than 100 the source itself takes the rest, unless it is listed itself: then the
// rest of the messages go nowhere. Destinations scoped to a cluster apply only on servers of
// that cluster, the others everywhere else.
//
// SubjectMappingTable is what a worker's publish path reads: per account, its mappings in the
// order configured (the first whose source matches applies), immutable, one per worker and
// options generation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/account.h"
#include "server/options.h"
#include "server/subject_transform.h"

namespace zats::server {

class CompiledMapping {
 public:
  // nullopt with nats-server's reason ("duplicate entry for \"x\"", "total weight needs to be <=
  // 100", a destination's transform error) when `m` cannot be a mapping.
  static std::optional<CompiledMapping> make(const SubjectMapping& m, std::string* why);

  bool matches(std::string_view subject) const;
  // The subject a publish on `subject` (which matches) goes out on, for a server in `cluster`;
  // `roll` is uniform in [0, 100). False when the roll lands on no destination (the message is
  // dropped).
  bool map(std::string_view subject, std::string_view cluster, uint32_t roll, std::string& out) const;

  const std::string& source() const { return source_; }
  // Each destination as /accountz shows it: the destination subject as written (the source's
  // own with its wildcards numbered where it takes the rest), its accumulated weight, and its
  // cluster (empty: everywhere).
  template <class Fn>
  void for_each_destination(Fn&& fn) const {
    for (const Choice& c : everywhere_) fn(c.transform.destination(), c.upto, std::string_view());
    for (const auto& [cluster, choices] : by_cluster_)
      for (const Choice& c : choices) fn(c.transform.destination(), c.upto, std::string_view(cluster));
  }

 private:
  struct Choice {
    SubjectTransform transform;
    uint32_t upto = 0;  // this choice takes rolls below it (weights accumulated, lightest first)
  };
  using Choices = std::vector<Choice>;

  static std::optional<Choices> choices_of(const std::string& source, bool source_listed,
                                           std::vector<std::pair<SubjectTransform, int>> weighted, std::string* why);
  const Choices& for_cluster(std::string_view cluster) const;

  std::string source_;
  bool literal_ = true;
  Choices everywhere_;
  std::vector<std::pair<std::string, Choices>> by_cluster_;
};

class SubjectMappingTable {
 public:
  SubjectMappingTable() = default;
  // The mappings of `options` whose accounts `accounts` knows (the config check has refused
  // invalid ones; any left are skipped).
  SubjectMappingTable(const Options& options, const AccountTable& accounts);

  bool maps(AccountId account) const { return account < by_account_.size() && !by_account_[account].empty(); }
  // Whether a mapping of `account` takes `subject`; if so the subject it goes out on is in `out`,
  // empty when the message goes nowhere.
  bool map(AccountId account, std::string_view subject, std::string_view cluster, uint64_t random,
           std::string& out) const;
  const std::vector<CompiledMapping>& of(AccountId account) const { return by_account_[account]; }

 private:
  std::vector<std::vector<CompiledMapping>> by_account_;
};

}  // namespace zats::server
