// Constant-time comparison of secrets: the time taken depends on the lengths only, never on
// where the first difference is, so a client cannot guess a password byte by byte.
#pragma once

#include <cstddef>
#include <string_view>

namespace zats::server::auth {

inline bool constant_time_equals(std::string_view a, std::string_view b) {
  // Walk the longer input whole so a length mismatch costs the same as a late difference.
  size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace zats::server::auth
