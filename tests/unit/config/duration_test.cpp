// Go duration strings: parsing as time.ParseDuration does (with its error texts) and
// formatting as Duration.String() does.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "server/config/duration.h"

namespace zats::server::config {
namespace {

constexpr int64_t kUs = 1000;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kSec = 1000 * kMs;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;

TEST_CASE("parse_go_duration accepts Go's forms") {
  struct Case {
    const char* text;
    int64_t nanos;
  };
  const Case cases[] = {
      {"0", 0},
      {"-0", 0},
      {"0s", 0},
      {"1ns", 1},
      {"10us", 10 * kUs},
      {"10\xC2\xB5s", 10 * kUs},  // micro sign
      {"10\xCE\xBCs", 10 * kUs},  // Greek mu
      {"500ms", 500 * kMs},
      {"1.5s", 1500 * kMs},
      {".5s", 500 * kMs},
      {"1.s", kSec},
      {"2m", 2 * kMin},
      {"1h30m", kHour + 30 * kMin},
      {"1h30m15.25s", kHour + 30 * kMin + 15 * kSec + 250 * kMs},
      {"+5s", 5 * kSec},
      {"-1s", -kSec},
      {"-1.5h", -(kHour + 30 * kMin)},
      {"1m1m", 2 * kMin},
      {"9223372036854775807ns", INT64_MAX},
      {"-9223372036854775808ns", INT64_MIN},
      {"0.000000001s", 1},
      {"1.0000000000000000000001s", kSec},
  };
  for (const Case& c : cases) {
    INFO(std::string_view(c.text));
    int64_t nanos = -42;
    CHECK(parse_go_duration(c.text, &nanos));
    CHECK(nanos == c.nanos);
  }
}

TEST_CASE("parse_go_duration rejects what Go rejects, with Go's message") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "time: invalid duration \"\""},
      {"-", "time: invalid duration \"-\""},
      {"s", "time: invalid duration \"s\""},
      {".s", "time: invalid duration \".s\""},
      {"1", "time: missing unit in duration \"1\""},
      {"1s2", "time: missing unit in duration \"1s2\""},
      {"1d", "time: unknown unit \"d\" in duration \"1d\""},
      {"1 s", "time: unknown unit \" s\" in duration \"1 s\""},
      {"10S", "time: unknown unit \"S\" in duration \"10S\""},
      {"9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\""},
      {"3000000h", "time: invalid duration \"3000000h\""},
      {"99999999999999999999s", "time: invalid duration \"99999999999999999999s\""},
  };
  for (const Case& c : cases) {
    INFO(std::string_view(c.text));
    int64_t nanos = 0;
    std::string error;
    CHECK_FALSE(parse_go_duration(c.text, &nanos, &error));
    CHECK(error == c.error);
    CHECK_FALSE(parse_go_duration(c.text, &nanos));
  }
}

TEST_CASE("format_go_duration writes Duration.String()") {
  struct Case {
    int64_t nanos;
    const char* text;
  };
  const Case cases[] = {
      {0, "0s"},
      {1, "1ns"},
      {999, "999ns"},
      {1500, "1.5\xC2\xB5s"},
      {500 * kMs, "500ms"},
      {1500 * kMs, "1.5s"},
      {kSec, "1s"},
      {2 * kMin, "2m0s"},
      {10 * kSec, "10s"},
      {kHour + 30 * kMin, "1h30m0s"},
      {kHour + 2 * kSec + 3, "1h0m2.000000003s"},
      {-kSec, "-1s"},
      {-1500, "-1.5\xC2\xB5s"},
      {INT64_MAX, "2562047h47m16.854775807s"},
      {INT64_MIN, "-2562047h47m16.854775808s"},
  };
  for (const Case& c : cases) {
    INFO(std::string_view(c.text));
    CHECK(format_go_duration(c.nanos) == c.text);
  }
}

TEST_CASE("formatting then parsing gives the same duration") {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int64_t nanos = static_cast<int64_t>(x) >> (i % 60);
    int64_t back = 0;
    const std::string text = format_go_duration(nanos);
    INFO(text);
    REQUIRE(parse_go_duration(text, &back));
    CHECK(back == nanos);
  }
}

}  // namespace
}  // namespace zats::server::config
