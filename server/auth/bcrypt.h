// bcrypt passwords and tokens: a stored secret that looks like `$2a$NN$...` (also 2b, 2x, 2y;
// auth.go isBcrypt) is checked with libcrypt's crypt_r, anything else compared as plain text.
// password_matches() is the one entry point authentication uses.
#pragma once

#include <string_view>

namespace zats::server::auth {

bool is_bcrypt(std::string_view stored);
// True when `given` matches `stored` (bcrypt or constant-time plain comparison).
bool password_matches(std::string_view stored, std::string_view given);

}  // namespace zats::server::auth
