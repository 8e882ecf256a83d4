// Go-compatible duration parsing and formatting (see duration.h). Arithmetic is done on the
// magnitude in uint64 so that the most negative duration (-2^63 ns) round-trips, as in Go.
#include "server/config/duration.h"

#include <array>
#include <utility>

namespace zats::server::config {
namespace {

constexpr uint64_t kLimit = uint64_t{1} << 63;  // magnitude of the most negative duration

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Nanoseconds per unit name; 0 when the unit is unknown.
uint64_t unit_nanos(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits{{
      {"ns", 1},
      {"us", 1000},
      {"\xC2\xB5s", 1000},  // U+00B5 micro sign
      {"\xCE\xBCs", 1000},  // U+03BC Greek mu
      {"ms", 1000000},
      {"s", 1000000000},
      {"m", 60000000000},
      {"h", 3600000000000},
  }};
  for (const auto& [name, nanos] : kUnits) {
    if (name == unit) return nanos;
  }
  return 0;
}

// Leading integer digits; false on overflow past 2^63.
bool leading_int(std::string_view* s, uint64_t* value) {
  uint64_t x = 0;
  size_t i = 0;
  for (; i < s->size() && is_digit((*s)[i]); ++i) {
    if (x > kLimit / 10) return false;
    x = x * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (x > kLimit) return false;
  }
  *value = x;
  s->remove_prefix(i);
  return true;
}

// Fraction digits after '.': keeps as many as fit, skips the rest (they cannot matter).
void leading_fraction(std::string_view* s, uint64_t* value, double* scale) {
  uint64_t x = 0;
  double sc = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s->size() && is_digit((*s)[i]); ++i) {
    if (overflow) continue;
    if (x > (kLimit - 1) / 10) {
      overflow = true;
      continue;
    }
    const uint64_t y = x * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (y > kLimit) {
      overflow = true;
      continue;
    }
    x = y;
    sc *= 10;
  }
  *value = x;
  *scale = sc;
  s->remove_prefix(i);
}

bool fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return false;
}

// One "<number><unit>" component, added to *total.
bool parse_component(std::string_view* s, std::string_view orig, uint64_t* total,
                     std::string* error) {
  const std::string invalid = "time: invalid duration " + quoted(orig);
  if (!(is_digit((*s)[0]) || (*s)[0] == '.')) return fail(error, invalid);
  const size_t before_int = s->size();
  uint64_t whole = 0;
  if (!leading_int(s, &whole)) return fail(error, invalid);
  const bool has_int = s->size() != before_int;
  uint64_t frac = 0;
  double scale = 1;
  bool has_frac = false;
  if (!s->empty() && (*s)[0] == '.') {
    s->remove_prefix(1);
    const size_t before_frac = s->size();
    leading_fraction(s, &frac, &scale);
    has_frac = s->size() != before_frac;
  }
  if (!has_int && !has_frac) return fail(error, invalid);
  size_t unit_len = 0;
  while (unit_len < s->size() && !is_digit((*s)[unit_len]) && (*s)[unit_len] != '.') ++unit_len;
  if (unit_len == 0) return fail(error, "time: missing unit in duration " + quoted(orig));
  const std::string_view unit_name = s->substr(0, unit_len);
  s->remove_prefix(unit_len);
  const uint64_t unit = unit_nanos(unit_name);
  if (unit == 0) {
    return fail(error, "time: unknown unit " + quoted(unit_name) + " in duration " + quoted(orig));
  }
  if (whole > kLimit / unit) return fail(error, invalid);
  uint64_t v = whole * unit;
  if (frac > 0) {
    // Go adds the fraction through float64, so tiny rounding matches the reference.
    v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
    if (v > kLimit) return fail(error, invalid);
  }
  *total += v;
  if (*total > kLimit) return fail(error, invalid);
  return true;
}

// Right-to-left text buffer, as Go builds Duration.String(): 32 bytes hold the longest result.
class Backwards {
 public:
  void put(char c) { buf_[--w_] = c; }
  void put(std::string_view text) {
    for (size_t i = text.size(); i > 0; --i) put(text[i - 1]);
  }
  void put_int(uint64_t v) {
    do {
      put(static_cast<char>('0' + v % 10));
      v /= 10;
    } while (v > 0);
  }
  // The low `prec` digits of v as a fraction, trailing zeros (and a bare '.') omitted;
  // returns v without them.
  uint64_t put_fraction(uint64_t v, int prec) {
    bool printed = false;
    for (int i = 0; i < prec; ++i) {
      const char digit = static_cast<char>('0' + v % 10);
      printed = printed || digit != '0';
      if (printed) put(digit);
      v /= 10;
    }
    if (printed) put('.');
    return v;
  }
  std::string str() const { return std::string(buf_.data() + w_, buf_.size() - w_); }

 private:
  std::array<char, 32> buf_{};
  size_t w_ = 32;
};

}  // namespace

bool parse_go_duration(std::string_view text, int64_t* nanos) {
  return parse_go_duration(text, nanos, nullptr);
}

bool parse_go_duration(std::string_view text, int64_t* nanos, std::string* error) {
  const std::string_view orig = text;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") {
    *nanos = 0;
    return true;
  }
  if (text.empty()) return fail(error, "time: invalid duration " + quoted(orig));
  uint64_t total = 0;
  while (!text.empty()) {
    if (!parse_component(&text, orig, &total, error)) return false;
  }
  if (negative) {
    *nanos = static_cast<int64_t>(~total + 1);  // two's complement; -2^63 stays representable
    return true;
  }
  if (total > kLimit - 1) return fail(error, "time: invalid duration " + quoted(orig));
  *nanos = static_cast<int64_t>(total);
  return true;
}

std::string format_go_duration(int64_t nanos) {
  const bool negative = nanos < 0;
  uint64_t u = static_cast<uint64_t>(nanos);
  if (negative) u = ~u + 1;
  if (u == 0) return "0s";
  Backwards out;
  if (u < 1000000000) {
    // Below a second the unit shrinks and the fraction carries the precision.
    int prec = 0;
    if (u < 1000) {
      out.put("ns");
    } else if (u < 1000000) {
      out.put("\xC2\xB5s");  // Go prints U+00B5
      prec = 3;
    } else {
      out.put("ms");
      prec = 6;
    }
    out.put_int(out.put_fraction(u, prec));
  } else {
    out.put('s');
    u = out.put_fraction(u, 9);
    out.put_int(u % 60);
    u /= 60;
    if (u > 0) {
      out.put('m');
      out.put_int(u % 60);
      u /= 60;
      if (u > 0) {
        out.put('h');
        out.put_int(u);
      }
    }
  }
  if (negative) out.put('-');
  return out.str();
}

}  // namespace zats::server::config
