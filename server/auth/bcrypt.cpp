// bcrypt checks through crypt_rn (libxcrypt); the result is compared in constant time.
#include "server/auth/bcrypt.h"

#include <crypt.h>

#include <memory>
#include <string>

#include "server/auth/constant_time.h"

namespace zats::server::auth {

// ^\$2[abxy]\$\d{2}\$.*
bool is_bcrypt(std::string_view s) {
  if (s.size() < 7 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$') return false;
  char v = s[2];
  if (v != 'a' && v != 'b' && v != 'x' && v != 'y') return false;
  return s[4] >= '0' && s[4] <= '9' && s[5] >= '0' && s[5] <= '9';
}

bool password_matches(std::string_view stored, std::string_view given) {
  if (!is_bcrypt(stored)) return constant_time_equals(stored, given);
  // Authentication happens once per connection, so one heap-allocated crypt_data is fine.
  // crypt_rn rather than crypt_r: it reports failure as nullptr, and sanitizer runtimes
  // intercept crypt_r without finding libxcrypt's versioned symbol (a call through null).
  auto data = std::make_unique<crypt_data>();
  std::string setting(stored);
  std::string phrase(given);
  const char* hashed = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
  if (hashed == nullptr || hashed[0] == '*') return false;
  return constant_time_equals(stored, hashed);
}

}  // namespace zats::server::auth
