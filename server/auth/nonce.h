// The nonce a server puts in INFO when clients may sign in with nkeys (nkey.go): 11 random bytes
// from OpenSSL's generator, base64 URL alphabet without padding (15 letters). Each connection
// gets its own; CONNECT's `sig` must sign it.
#pragma once

#include <string>

namespace zats::server::auth {

std::string make_nonce();

}  // namespace zats::server::auth
