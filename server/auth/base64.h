// Base64 as NATS credentials use it (RFC 4648): nonces and CONNECT signatures in the URL alphabet
// without padding, with the standard padded alphabet accepted for signatures too, as Go's
// decoders do (line breaks inside the text are skipped, trailing bits are not checked).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zats::server::auth {

enum class Base64Alphabet { UrlRaw, StandardPadded };

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet);
// nullopt when `text` is not base64 of that alphabet.
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet);

}  // namespace zats::server::auth
