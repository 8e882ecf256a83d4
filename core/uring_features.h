// UringFeatures: the io_uring features the reactor can use beyond the Linux 5.19 baseline, the
// tier a set adds up to, and the set a forced tier allows. The baseline (provided buffer
// rings, multishot accept, MSG_RING, COOP_TASKRUN, cancel by user_data) is what every tier
// has; each feature here has an older equivalent the reactor falls back to when it is off.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zats::core {

enum class UringTier : unsigned char {
  Newest,    // whatever the kernel offers (not a tier of its own: the default)
  Linux5_19,
  Linux6_0,
  Linux6_1,
};

struct UringFeatures {
  bool multishot_recv = false;    // 6.0; else a single-shot recv re-armed per completion
  bool single_issuer = false;     // 6.0 IORING_SETUP_SINGLE_ISSUER
  bool defer_taskrun = false;     // 6.1 IORING_SETUP_DEFER_TASKRUN; else COOP_TASKRUN
  bool registered_files = false;  // 5.19 sparse file table; else plain descriptors
  bool send_zc = false;           // 6.0 IORING_OP_SEND_ZC (probed; see docs/architecture.md)
  // 6.8 IORING_OP_FIXED_FD_INSTALL: a registered descriptor becomes a plain one again, so a
  // socket can move to another worker's ring (Reactor::detach); else registered sockets stay put.
  bool fixed_fd_install = false;

  // Every feature on: what a ReactorOptions asks for unless told otherwise.
  static UringFeatures all();
  UringFeatures operator&(const UringFeatures& other) const;
  friend bool operator==(const UringFeatures&, const UringFeatures&) = default;
};

// The newest tier whose every feature is in `f` (Linux5_19 at least).
UringTier tier_of(const UringFeatures& f);
// The features of `f` that `tier` allows (Newest: all of them).
UringFeatures limit_to_tier(const UringFeatures& f, UringTier tier);
// "5.19", "6.0", "6.1" ("newest" for Newest).
const char* tier_name(UringTier tier);
// Accepts what tier_name prints ("newest" also as "auto"); false for anything else.
bool parse_tier(std::string_view text, UringTier* out);
// The names of the features that are on ("multishot-recv", "single-issuer", ...).
std::vector<std::string_view> feature_names(const UringFeatures& f);
// The same, space-separated, or "none".
std::string describe_features(const UringFeatures& f);

}  // namespace zats::core
