// UringFeatures: tiers as feature sets (6.0 adds multishot receive, SINGLE_ISSUER and SEND_ZC;
// 6.1 adds DEFER_TASKRUN). Registered files exist from 5.19 on, so every tier keeps them.
// FIXED_FD_INSTALL (6.8) is newer than every tier: used where present, dropped by any forced tier.
#include "core/uring_features.h"

#include <utility>

namespace zats::core {
namespace {

UringFeatures tier_set(UringTier tier) {
  UringFeatures f;
  f.registered_files = true;
  if (tier == UringTier::Linux5_19) return f;
  f.multishot_recv = f.single_issuer = f.send_zc = true;
  if (tier == UringTier::Linux6_0) return f;
  f.defer_taskrun = true;
  return f;
}

bool covers(const UringFeatures& have, const UringFeatures& need) { return (have & need) == need; }

}  // namespace

UringFeatures UringFeatures::all() {
  UringFeatures f = tier_set(UringTier::Linux6_1);
  f.fixed_fd_install = true;
  return f;
}

UringFeatures UringFeatures::operator&(const UringFeatures& o) const {
  UringFeatures f;
  f.multishot_recv = multishot_recv && o.multishot_recv;
  f.single_issuer = single_issuer && o.single_issuer;
  f.defer_taskrun = defer_taskrun && o.defer_taskrun;
  f.registered_files = registered_files && o.registered_files;
  f.send_zc = send_zc && o.send_zc;
  f.fixed_fd_install = fixed_fd_install && o.fixed_fd_install;
  return f;
}

UringTier tier_of(const UringFeatures& f) {
  if (covers(f, tier_set(UringTier::Linux6_1))) return UringTier::Linux6_1;
  if (covers(f, tier_set(UringTier::Linux6_0))) return UringTier::Linux6_0;
  return UringTier::Linux5_19;
}

UringFeatures limit_to_tier(const UringFeatures& f, UringTier tier) {
  return tier == UringTier::Newest ? f : f & tier_set(tier);
}

const char* tier_name(UringTier tier) {
  switch (tier) {
    case UringTier::Newest: return "newest";
    case UringTier::Linux5_19: return "5.19";
    case UringTier::Linux6_0: return "6.0";
    case UringTier::Linux6_1: return "6.1";
  }
  return "?";
}

bool parse_tier(std::string_view text, UringTier* out) {
  for (UringTier t : {UringTier::Newest, UringTier::Linux5_19, UringTier::Linux6_0, UringTier::Linux6_1}) {
    if (text == tier_name(t)) return *out = t, true;
  }
  if (text == "auto") return *out = UringTier::Newest, true;
  return false;
}

std::vector<std::string_view> feature_names(const UringFeatures& f) {
  std::vector<std::string_view> names;
  for (auto [on, name] : {std::pair{f.multishot_recv, "multishot-recv"}, {f.single_issuer, "single-issuer"},
                          {f.defer_taskrun, "defer-taskrun"}, {f.registered_files, "registered-files"},
                          {f.send_zc, "send-zc"}, {f.fixed_fd_install, "fixed-fd-install"}})
    if (on) names.emplace_back(name);
  return names;
}

std::string describe_features(const UringFeatures& f) {
  std::string out;
  for (std::string_view name : feature_names(f)) {
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace zats::core
