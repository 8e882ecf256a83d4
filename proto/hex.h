// Hexadecimal digits, read and written: one place for what the escapes of JSON (\uXXXX), Go's
// quoting (\xHH, \uXXXX), URLs and distinguished names (%HH, \HH), the configuration format
// (\xHH) and certificate fingerprints all spell the same way.
#pragma once

#include <cstdint>
#include <string>

namespace zats::proto {

// The value of the hexadecimal digit c (either case), or -1 when c is none.
constexpr int hex_digit_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the low `digits` hexadecimal digits of value, most significant first, in lower case.
inline void append_hex(std::string& out, uint32_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xF]);
}

}  // namespace zats::proto
