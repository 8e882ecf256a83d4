#include "server/subject_mapping.h"

#include <algorithm>
#include <set>

#include "proto/encode.h"
#include "proto/subject.h"

namespace zats::server {

// Weights become ranges of the roll, lightest first. Where they add up to less than 100 the
// source itself is a destination too, with the rest, unless the mapping lists it (then the rest
// of the rolls choose nothing).
std::optional<CompiledMapping::Choices> CompiledMapping::choices_of(
    const std::string& source, bool source_listed, std::vector<std::pair<SubjectTransform, int>> weighted,
    std::string* why) {
  int total = 0;
  for (const auto& [transform, weight] : weighted) total += weight;
  if (total != 100 && !source_listed) {
    std::optional<SubjectTransform> itself =
        SubjectTransform::make(source, SubjectTransform::number_wildcards(source), why);
    if (!itself) return std::nullopt;
    weighted.emplace_back(std::move(*itself), weighted.empty() ? 100 : 100 - total);
  }
  std::stable_sort(weighted.begin(), weighted.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  Choices choices;
  uint32_t upto = 0;
  for (auto& [transform, weight] : weighted) {
    upto += static_cast<uint32_t>(weight);
    choices.push_back(Choice{std::move(transform), upto});
  }
  return choices;
}

std::optional<CompiledMapping> CompiledMapping::make(const SubjectMapping& m, std::string* why) {
  if (!proto::is_valid_subject(m.source)) {
    *why = "invalid subject";
    return std::nullopt;
  }
  CompiledMapping c;
  c.source_ = m.source;
  c.literal_ = proto::is_literal(m.source);
  std::set<std::string> seen;
  std::vector<std::pair<SubjectTransform, int>> everywhere;
  std::vector<std::pair<std::string, std::vector<std::pair<SubjectTransform, int>>>> by_cluster;
  int total = 0;
  for (const MapDestination& d : m.destinations) {
    if (!seen.insert(d.subject).second) {
      *why = "duplicate entry for " + proto::go_quoted(d.subject);
      return std::nullopt;
    }
    if (d.weight < 0 || d.weight > 100) {
      *why = "individual weights need to be <= 100";
      return std::nullopt;
    }
    total += d.weight;
    if (total > 100) {
      *why = "total weight needs to be <= 100";
      return std::nullopt;
    }
    if (!SubjectTransform::valid_mapping_destination(d.subject, why)) return std::nullopt;
    std::optional<SubjectTransform> t = SubjectTransform::make(m.source, d.subject, why);
    if (!t) return std::nullopt;
    if (d.cluster.empty()) {
      everywhere.emplace_back(std::move(*t), d.weight);
      continue;
    }
    auto group = std::find_if(by_cluster.begin(), by_cluster.end(), [&](const auto& g) { return g.first == d.cluster; });
    if (group == by_cluster.end()) group = by_cluster.insert(by_cluster.end(), {d.cluster, {}});
    group->second.emplace_back(std::move(*t), d.weight);
  }
  const bool source_listed = seen.contains(m.source);
  std::optional<Choices> main = choices_of(m.source, source_listed, std::move(everywhere), why);
  if (!main) return std::nullopt;
  c.everywhere_ = std::move(*main);
  for (auto& [cluster, weighted] : by_cluster) {
    std::optional<Choices> scoped = choices_of(m.source, source_listed, std::move(weighted), why);
    if (!scoped) return std::nullopt;
    c.by_cluster_.emplace_back(cluster, std::move(*scoped));
  }
  return c;
}

bool CompiledMapping::matches(std::string_view subject) const {
  return literal_ ? subject == source_ : proto::subject_is_subset(subject, source_);
}

const CompiledMapping::Choices& CompiledMapping::for_cluster(std::string_view cluster) const {
  for (const auto& [name, choices] : by_cluster_)
    if (name == cluster) return choices;
  return everywhere_;
}

bool CompiledMapping::map(std::string_view subject, std::string_view cluster, uint32_t roll, std::string& out) const {
  for (const Choice& c : for_cluster(cluster)) {
    if (roll >= c.upto) continue;
    c.transform.apply(subject, out);
    return true;
  }
  return false;
}

SubjectMappingTable::SubjectMappingTable(const Options& options, const AccountTable& accounts)
    : by_account_(accounts.size()) {
  std::vector<std::vector<std::string>> sources(accounts.size());
  std::string why;
  for (const SubjectMapping& m : options.subject_mappings) {
    const AccountId account = accounts.find(m.account);
    if (account == kNoAccount) continue;
    std::optional<CompiledMapping> compiled = CompiledMapping::make(m, &why);
    if (!compiled) continue;
    // A later mapping of the same source replaces the earlier one in its place.
    std::vector<std::string>& seen = sources[account];
    auto at = std::find(seen.begin(), seen.end(), m.source);
    if (at != seen.end()) {
      by_account_[account][static_cast<size_t>(at - seen.begin())] = std::move(*compiled);
      continue;
    }
    seen.push_back(m.source);
    by_account_[account].push_back(std::move(*compiled));
  }
}

bool SubjectMappingTable::map(AccountId account, std::string_view subject, std::string_view cluster, uint64_t random,
                              std::string& out) const {
  for (const CompiledMapping& m : by_account_[account]) {
    if (!m.matches(subject)) continue;
    if (!m.map(subject, cluster, static_cast<uint32_t>(random % 100), out)) out.clear();
    return true;
  }
  return false;
}

}  // namespace zats::server
