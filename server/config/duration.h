// Go time.Duration text: parse_go_duration() reads what Go's time.ParseDuration reads
// ("1h30m", "500ms", "1.5s", "10us"/"10µs", "-1s", "0") with its error texts, and
// format_go_duration() writes what Duration.String() writes ("2m0s", "1.5s", "500ms", "0s").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zats::server::config {

bool parse_go_duration(std::string_view text, int64_t* nanos);
// Same, and on failure sets *error to Go's message, e.g. `time: invalid duration "x"`,
// `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`.
bool parse_go_duration(std::string_view text, int64_t* nanos, std::string* error);

std::string format_go_duration(int64_t nanos);

// time.Duration(n) * time.Second: Go's int64 multiplication wraps on overflow (no error), and so
// does this, where C++'s signed overflow would be undefined ("write_deadline: 10t").
constexpr int64_t go_seconds_to_nanos(int64_t seconds) {
  return static_cast<int64_t>(static_cast<uint64_t>(seconds) * 1'000'000'000u);
}

// time.Duration(seconds * float64(time.Second)): Go on x86-64 turns a float that no int64 holds
// (too large, NaN) into the smallest int64, where C++'s conversion would be undefined.
constexpr int64_t go_float_seconds_to_nanos(double seconds) {
  const double nanos = seconds * 1e9;
  if (!(nanos >= -9223372036854775808.0 && nanos < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(nanos);
}

}  // namespace zats::server::config
