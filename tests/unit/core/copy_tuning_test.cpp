// The copy tunable: set exactly on AMD CPUs with FSRM under glibc 2.33..2.38, never twice,
// never over what the user set.
#include "core/copy_tuning.h"

#include <doctest/doctest.h>

using namespace zats::core;

namespace {
constexpr CopyCpu kZen{.amd = true, .fsrm = true};
}

TEST_CASE("an AMD CPU with FSRM under glibc 2.36 gets the threshold at its L2 size") {
  CHECK(vector_copy_tunables("2.36", kZen, nullptr, 1 << 20) ==
        std::optional<std::string>("glibc.cpu.x86_rep_movsb_threshold=1048576"));
  CHECK(vector_copy_tunables("2.33", kZen, "", 512 << 10) ==
        std::optional<std::string>("glibc.cpu.x86_rep_movsb_threshold=524288"));
  CHECK(vector_copy_tunables("2.38", kZen, nullptr, 0) ==
        std::optional<std::string>("glibc.cpu.x86_rep_movsb_threshold=1048576"));  // unknown L2
}

TEST_CASE("other tunables are kept, and one that sets the threshold already wins") {
  CHECK(vector_copy_tunables("2.36", kZen, "glibc.malloc.arena_max=2", 1 << 20) ==
        std::optional<std::string>("glibc.malloc.arena_max=2:glibc.cpu.x86_rep_movsb_threshold=1048576"));
  CHECK_FALSE(vector_copy_tunables("2.36", kZen, "glibc.cpu.x86_rep_movsb_threshold=4096", 1 << 20));
  CHECK_FALSE(vector_copy_tunables("2.36", kZen, "glibc.malloc.arena_max=2:glibc.cpu.x86_rep_movsb_threshold=9",
                                   1 << 20));
}

TEST_CASE("other CPUs and other glibc versions are left alone") {
  CHECK_FALSE(vector_copy_tunables("2.36", CopyCpu{.amd = false, .fsrm = true}, nullptr, 1 << 20));  // Intel
  CHECK_FALSE(vector_copy_tunables("2.36", CopyCpu{.amd = true, .fsrm = false}, nullptr, 1 << 20));  // Zen 2
  CHECK_FALSE(vector_copy_tunables("2.39", kZen, nullptr, 1 << 20));  // fixed upstream
  CHECK_FALSE(vector_copy_tunables("2.40", kZen, nullptr, 1 << 20));
  CHECK_FALSE(vector_copy_tunables("2.31", kZen, nullptr, 1 << 20));  // before the FSRM threshold
  CHECK_FALSE(vector_copy_tunables("3.1", kZen, nullptr, 1 << 20));
  CHECK_FALSE(vector_copy_tunables("", kZen, nullptr, 1 << 20));
  CHECK_FALSE(vector_copy_tunables("two", kZen, nullptr, 1 << 20));
}
