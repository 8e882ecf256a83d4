// Token-to-value conversions for the config reader (see config_literals.h).
#include "server/config/config_literals.h"

#include <array>
#include <charconv>
#include <utility>

#include "server/config/config_value.h"

namespace zats::server::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Multiplier for a lowercased size suffix; 0 when the suffix is not one the server knows.
int64_t suffix_multiplier(std::string_view suffix) {
  if (suffix.empty()) return 1;
  static constexpr std::string_view kLetters = "kmgtpe";
  const size_t power = kLetters.find(suffix[0]);
  if (power == std::string_view::npos) return 0;
  const std::string_view rest = suffix.substr(1);
  int64_t base = 1000;
  if (rest == "b" || rest == "i" || rest == "ib") {
    base = 1024;
  } else if (!rest.empty()) {
    return 0;
  }
  int64_t multiplier = 1;
  for (size_t i = 0; i <= power; ++i) multiplier *= base;  // at most 1024^6 = 2^60: fits
  return multiplier;
}

int days_in_month(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<size_t>(month - 1)];
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool fixed_number(std::string_view text, size_t at, size_t len, int64_t* out) {
  if (at + len > text.size()) return false;
  int64_t v = 0;
  for (size_t i = at; i < at + len; ++i) {
    if (!is_digit(text[i])) return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool convert_integer(std::string_view token, int64_t* out, std::string* error) {
  size_t digits_end = 0;
  while (digits_end < token.size() && (is_digit(token[digits_end]) || token[digits_end] == '-')) {
    ++digits_end;
  }
  const std::string_view digits = token.substr(0, digits_end);
  int64_t number = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec == std::errc::result_out_of_range) {
    *error = "integer '" + std::string(token) + "' is out of the range";
    return false;
  }
  const int64_t multiplier = suffix_multiplier(ascii_lower(token.substr(digits_end)));
  if (ec != std::errc() || ptr != digits.data() + digits.size() || multiplier == 0) {
    *error = "expected integer, but got '" + std::string(token) + "'";
    return false;
  }
  if (__builtin_mul_overflow(number, multiplier, out)) {
    *error = "integer '" + std::string(token) + "' is out of the range";
    return false;
  }
  return true;
}

bool convert_float(std::string_view token, double* out, std::string* error) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  // Tokens have no exponent, so a range error is an overflow exactly when the integer part is
  // not zero; otherwise the value underflowed.
  const std::string_view whole = token.substr(0, token.find('.'));
  const bool overflow = whole.find_first_of("123456789") != std::string_view::npos;
  if (ec == std::errc::result_out_of_range && overflow) {
    *error = "float '" + std::string(token) + "' is out of the range";
    return false;
  }
  if ((ec != std::errc() && ec != std::errc::result_out_of_range) ||
      ptr != token.data() + token.size()) {
    *error = "expected float, but got '" + std::string(token) + "'";
    return false;
  }
  *out = ec == std::errc() ? value : 0.0;  // Go rounds an underflow to zero without error
  return true;
}

bool convert_datetime(std::string_view token, int64_t* unix_seconds, std::string* error) {
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool shaped = token.size() == 20 && token[4] == '-' && token[7] == '-' &&
                      token[10] == 'T' && token[13] == ':' && token[16] == ':' &&
                      token[19] == 'Z' && fixed_number(token, 0, 4, &year) &&
                      fixed_number(token, 5, 2, &month) && fixed_number(token, 8, 2, &day) &&
                      fixed_number(token, 11, 2, &hour) && fixed_number(token, 14, 2, &minute) &&
                      fixed_number(token, 17, 2, &second);
  const bool valid = shaped && month >= 1 && month <= 12 && day >= 1 &&
                     day <= days_in_month(year, static_cast<int>(month)) && hour < 24 &&
                     minute < 60 && second < 60;
  if (!valid) {
    *error = "expected Zulu formatted DateTime, but got '" + std::string(token) + "'";
    return false;
  }
  *unix_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

std::optional<bool> bool_word(std::string_view word) {
  const std::string lower = ascii_lower(word);
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

}  // namespace zats::server::config
