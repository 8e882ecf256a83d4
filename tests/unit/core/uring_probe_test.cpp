// io_uring probe: works here, and each failure cause gets its own explanation.
#include "core/uring_probe.h"

#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "core/reactor.h"

using zats::core::describe_setup_failure;

TEST_CASE("Reactor::probe succeeds on this machine") {
  std::string why;
  bool ok = zats::core::Reactor::probe(&why);
  INFO(why);
  CHECK(ok);
}

TEST_CASE("the probe names the kernel, and a tier the kernel lacks is refused with both named") {
  const zats::core::UringSupport& s = zats::core::uring_support();
  REQUIRE(s.ok);
  CHECK_FALSE(s.kernel.empty());
  zats::core::UringFeatures used;
  std::string why;
  CHECK(zats::core::select_uring_features(zats::core::UringTier::Linux5_19, &used, &why));
  CHECK(zats::core::tier_of(used) == zats::core::UringTier::Linux5_19);
  CHECK(zats::core::describe_uring(zats::core::UringTier::Linux5_19, used).find("tier 5.19 (forced)") !=
        std::string::npos);
  CHECK(zats::core::select_uring_features(zats::core::UringTier::Newest, &used, &why));
  CHECK(used == s.features);
  if (zats::core::tier_of(s.features) != zats::core::UringTier::Linux6_1) {
    CHECK_FALSE(zats::core::select_uring_features(zats::core::UringTier::Linux6_1, &used, &why));
    CHECK(why.find(s.kernel) != std::string::npos);
  }
}

TEST_CASE("probe explains a disabled io_uring by its sysctl") {
  std::string all = describe_setup_failure(EPERM, 2, 0);
  CHECK(all.find("kernel.io_uring_disabled=2") != std::string::npos);
  CHECK(all.find("Linux >= 5.19") != std::string::npos);
  std::string group = describe_setup_failure(EPERM, 1, 0);
  CHECK(group.find("kernel.io_uring_disabled=1") != std::string::npos);
}

TEST_CASE("probe explains seccomp, ENOSYS and EPERM") {
  CHECK(describe_setup_failure(EPERM, 0, 2).find("seccomp") != std::string::npos);
  CHECK(describe_setup_failure(ENOSYS, 0, 2).find("seccomp") != std::string::npos);
  std::string nosys = describe_setup_failure(ENOSYS, -1, 0);
  CHECK(nosys.find("without io_uring") != std::string::npos);
  CHECK(nosys.find("io_uring_setup: Function not implemented") == 0);
  CHECK(describe_setup_failure(EPERM, 0, 0).find("forbidden") != std::string::npos);
}
