// UringFeatures: tiers are feature sets; forcing a tier never adds what the kernel lacks.
#include "core/uring_features.h"

#include <doctest/doctest.h>

using namespace zats::core;

TEST_CASE("a feature set's tier is the newest whose every feature it has") {
  CHECK(tier_of(UringFeatures::all()) == UringTier::Linux6_1);
  UringFeatures f = UringFeatures::all();
  f.defer_taskrun = false;
  CHECK(tier_of(f) == UringTier::Linux6_0);
  f.multishot_recv = false;
  CHECK(tier_of(f) == UringTier::Linux5_19);
  CHECK(tier_of(UringFeatures{}) == UringTier::Linux5_19);
}

TEST_CASE("limit_to_tier keeps only what the tier allows and never adds") {
  UringFeatures f519 = limit_to_tier(UringFeatures::all(), UringTier::Linux5_19);
  CHECK_FALSE(f519.multishot_recv);
  CHECK_FALSE(f519.single_issuer);
  CHECK_FALSE(f519.defer_taskrun);
  CHECK_FALSE(f519.send_zc);
  CHECK(f519.registered_files);
  UringFeatures f60 = limit_to_tier(UringFeatures::all(), UringTier::Linux6_0);
  CHECK(f60.multishot_recv);
  CHECK(f60.single_issuer);
  CHECK_FALSE(f60.defer_taskrun);
  // FIXED_FD_INSTALL (6.8) is newer than every tier: any forced tier drops it.
  CHECK_FALSE(f60.fixed_fd_install);
  CHECK_FALSE(f519.fixed_fd_install);
  CHECK_FALSE(limit_to_tier(UringFeatures::all(), UringTier::Linux6_1).fixed_fd_install);
  CHECK(limit_to_tier(UringFeatures::all(), UringTier::Newest) == UringFeatures::all());
  // A 5.19 kernel asked for 6.1 stays 5.19: tier_of tells the caller it fell short.
  CHECK(tier_of(limit_to_tier(f519, UringTier::Linux6_1)) == UringTier::Linux5_19);
}

TEST_CASE("tiers parse from what they print, and nothing else") {
  UringTier t = UringTier::Newest;
  for (UringTier want : {UringTier::Newest, UringTier::Linux5_19, UringTier::Linux6_0, UringTier::Linux6_1}) {
    CHECK(parse_tier(tier_name(want), &t));
    CHECK(t == want);
  }
  CHECK(parse_tier("auto", &t));
  CHECK(t == UringTier::Newest);
  for (const char* bad : {"", "5.18", "5.19 ", "6", "7.0", "latest", "5_19"}) {
    INFO(bad);
    CHECK_FALSE(parse_tier(bad, &t));
  }
}

TEST_CASE("describe_features names each feature in use") {
  CHECK(describe_features(UringFeatures{}) == "none");
  CHECK(describe_features(UringFeatures::all()) ==
        "multishot-recv single-issuer defer-taskrun registered-files send-zc fixed-fd-install");
}
