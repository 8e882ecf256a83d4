// Go-compatible text formats for the monitoring endpoints (see go_format.h).
// Each function follows the Go standard library's algorithm so that edge cases (zero, sub-second,
// trailing zeros) print exactly as nats-server prints them.
#include "server/monitor/go_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "proto/encode.h"

namespace zats::server::monitor {
namespace {

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second, weekday;
  std::int64_t nanos;
};

// Howard Hinnant's days-to-civil; floor division keeps pre-1970 times right.
Civil to_civil(UnixNanos t) {
  constexpr std::int64_t kNs = 1'000'000'000;
  std::int64_t secs = t / kNs, ns = t % kNs;
  if (ns < 0) { ns += kNs; --secs; }
  std::int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) { sod += 86400; --days; }
  Civil c{};
  c.nanos = ns;
  c.hour = static_cast<unsigned>(sod / 3600);
  c.minute = static_cast<unsigned>(sod / 60 % 60);
  c.second = static_cast<unsigned>(sod % 60);
  c.weekday = static_cast<unsigned>((days % 7 + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2);
  return c;
}

std::string syntax_error(std::string_view fn, std::string_view s) {
  return std::string(fn) + ": parsing " + proto::go_quoted(s) + ": invalid syntax";
}

std::string range_error(std::string_view fn, std::string_view s) {
  return std::string(fn) + ": parsing " + proto::go_quoted(s) + ": value out of range";
}

// Base-10 digits only; returns false on a bad byte, sets overflow when past max.
bool parse_digits(std::string_view s, std::uint64_t max, std::uint64_t& out, bool& overflow) {
  out = 0;
  overflow = false;
  if (s.empty()) return false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    auto d = static_cast<std::uint64_t>(ch - '0');
    if (out > (max - d) / 10) { overflow = true; return true; }
    out = out * 10 + d;
  }
  return true;
}

// Appends the fraction v / 10^prec without trailing zeros (Go's fmtFrac), returning v's
// integer part. Digits are produced backwards, as in Go.
std::uint64_t frac_reversed(std::string& rev, std::uint64_t v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    auto digit = static_cast<char>(v % 10);
    print = print || digit != 0;
    if (print) rev += static_cast<char>('0' + digit);
    v /= 10;
  }
  if (print) rev += '.';
  return v;
}

void int_reversed(std::string& rev, std::uint64_t v) {
  do {
    rev += static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
}

}  // namespace

std::string format_rfc3339_nano(UnixNanos t) {
  Civil c = to_civil(t);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u",
                        static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  std::string out(buf, static_cast<std::size_t>(n));
  if (c.nanos != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(c.nanos));
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  return out + "Z";
}

std::string format_http_date(UnixNanos t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Civil c = to_civil(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02u:%02u:%02u GMT", kDays[c.weekday], c.day,
                kMonths[c.month - 1], static_cast<long long>(c.year), c.hour, c.minute, c.second);
  return buf;
}

std::string format_uptime(Nanos d) {
  long long tsecs = d / 1'000'000'000, tmins = tsecs / 60, thrs = tmins / 60, tdays = thrs / 24,
            tyrs = tdays / 365;
  char buf[96];
  if (tyrs > 0) {
    std::snprintf(buf, sizeof buf, "%lldy%lldd%lldh%lldm%llds", tyrs, tdays % 365, thrs % 24,
                  tmins % 60, tsecs % 60);
  } else if (tdays > 0) {
    std::snprintf(buf, sizeof buf, "%lldd%lldh%lldm%llds", tdays, thrs % 24, tmins % 60, tsecs % 60);
  } else if (thrs > 0) {
    std::snprintf(buf, sizeof buf, "%lldh%lldm%llds", thrs, tmins % 60, tsecs % 60);
  } else if (tmins > 0) {
    std::snprintf(buf, sizeof buf, "%lldm%llds", tmins, tsecs % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", tsecs);
  }
  return buf;
}

std::string format_go_duration(Nanos d) {
  bool neg = d < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  if (u == 0) return "0s";
  std::string rev = "s";
  if (u < 1'000'000'000ULL) {
    int prec;
    if (u < 1'000ULL) {
      prec = 0;
      rev += 'n';
    } else if (u < 1'000'000ULL) {
      prec = 3;
      rev += "\xb5\xc2";  // "µ" (U+00B5) reversed
    } else {
      prec = 6;
      rev += 'm';
    }
    u = frac_reversed(rev, u, prec);
    int_reversed(rev, u);
  } else {
    u = frac_reversed(rev, u, 9);
    int_reversed(rev, u % 60);
    u /= 60;
    if (u > 0) {
      rev += 'm';
      int_reversed(rev, u % 60);
      u /= 60;
      if (u > 0) {
        rev += 'h';
        int_reversed(rev, u);
      }
    }
  }
  if (neg) rev += '-';
  std::reverse(rev.begin(), rev.end());
  return rev;
}

std::string format_rtt(Nanos rtt) {
  // nats-server keeps whole microseconds for sub-millisecond round trips.
  if (rtt > 1'000 && rtt < 1'000'000) rtt -= rtt % 1'000;
  return format_go_duration(rtt);
}

std::string format_json_float(double v) {
  if (!std::isfinite(v)) return "0";  // Go refuses to marshal these; print something valid.
  double a = std::fabs(v);
  bool sci = a != 0 && (a < 1e-6 || a >= 1e21);
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v,
                           sci ? std::chars_format::scientific : std::chars_format::fixed);
  std::string out(buf, res.ptr);
  // Go turns "e-07" into "e-7".
  std::size_t n = out.size();
  if (sci && n >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' && out[n - 2] == '0') {
    out.erase(n - 2, 1);
  }
  return out;
}

Parsed<bool> go_parse_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return {true, {}};
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return {false, {}};
  }
  return {std::nullopt, syntax_error("strconv.ParseBool", s)};
}

Parsed<std::int64_t> go_atoi(std::string_view s) {
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t v = 0;
  bool overflow = false;
  if (!parse_digits(digits, kMax + (neg ? 1 : 0), v, overflow)) {
    return {std::nullopt, syntax_error("strconv.Atoi", s)};
  }
  if (overflow) return {std::nullopt, range_error("strconv.Atoi", s)};
  if (neg) return {static_cast<std::int64_t>(0 - v), {}};
  return {static_cast<std::int64_t>(v), {}};
}

Parsed<std::uint64_t> go_parse_uint(std::string_view s) {
  std::uint64_t v = 0;
  bool overflow = false;
  if (!parse_digits(s, std::numeric_limits<std::uint64_t>::max(), v, overflow)) {
    return {std::nullopt, syntax_error("strconv.ParseUint", s)};
  }
  if (overflow) return {std::nullopt, range_error("strconv.ParseUint", s)};
  return {v, {}};
}

}  // namespace zats::server::monitor
