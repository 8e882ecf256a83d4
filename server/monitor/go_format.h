// Go-compatible text formats used by the monitoring endpoints: RFC 3339 times, uptime strings,
// time.Duration strings, JSON floats and strconv parsing with Go's exact error texts. Pure
// functions, so the output matches nats-server byte for byte for the same values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zats::server::monitor {

// Nanoseconds since the Unix epoch, UTC; the snapshot's one time type.
using UnixNanos = std::int64_t;
// A span of time in nanoseconds (Go's time.Duration).
using Nanos = std::int64_t;

// Go's time.RFC3339Nano in UTC: "2026-11-28T01:51:50.39461521Z" (trailing zeros dropped).
std::string format_rfc3339_nano(UnixNanos t);
// HTTP Date header (RFC 1123, GMT): "Sat, 28 Nov 2026 01:51:50 GMT".
std::string format_http_date(UnixNanos t);
// nats-server's uptime form: "1y2d3h4m5s" down to "5s", largest non-zero unit first.
std::string format_uptime(Nanos d);
// Go's time.Duration.String(): "0s", "365ns", "618µs", "1.5ms", "2h0m3.25s".
std::string format_go_duration(Nanos d);
// The rtt field as nats-server prints it: truncated to whole µs between 1µs and 1ms.
std::string format_rtt(Nanos rtt);
// A float64 as Go's encoding/json writes it ("2", "0.75", "1e-7").
std::string format_json_float(double v);

// strconv parsing with Go's semantics. On failure the string holds Go's error text, e.g.
// `strconv.Atoi: parsing "x": invalid syntax`.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};
Parsed<bool> go_parse_bool(std::string_view s);
Parsed<std::int64_t> go_atoi(std::string_view s);
Parsed<std::uint64_t> go_parse_uint(std::string_view s);

}  // namespace zats::server::monitor
