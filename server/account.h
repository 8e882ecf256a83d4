// Accounts: every connection belongs to one, and each is an isolated subject space
// (docs/architecture.md, Accounts). AccountTable names the accounts known at start-up, with the
// global account $G always id 0; ids index the per-account indexes of workers and the server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server {

using AccountId = uint32_t;
inline constexpr AccountId kGlobalAccount = 0;
inline constexpr AccountId kNoAccount = UINT32_MAX;
inline constexpr std::string_view kGlobalAccountName = "$G";

class AccountTable {
 public:
  // $G first, then `names` in order (a repeated name or "$G" is kept once).
  explicit AccountTable(const std::vector<std::string>& names = {}) {
    names_.emplace_back(kGlobalAccountName);
    for (const std::string& n : names)
      if (find(n) == kNoAccount) names_.push_back(n);
  }

  AccountId find(std::string_view name) const {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return static_cast<AccountId>(i);
    return kNoAccount;
  }
  const std::string& name(AccountId id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
};

}  // namespace zats::server
