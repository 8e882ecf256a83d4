// nkeys: NATS's ed25519 identities (PROTOCOL: nonce, CONNECT `nkey`/`sig`). A public nkey is 56
// letters of base32 (RFC 4648, no padding) over one prefix byte that names the kind of key
// (User 'U', Account 'A', Operator 'O', ...), the 32-byte ed25519 public key and a CRC-16/XMODEM
// of both (little endian). Verification uses OpenSSL's ed25519.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zats::server::auth {

// The prefix byte of each kind: the first base32 letter's value, shifted to the top five bits.
enum class NkeyKind : uint8_t {
  Account = 0 << 3,    // 'A'
  Cluster = 2 << 3,    // 'C'
  Server = 13 << 3,    // 'N'
  Operator = 14 << 3,  // 'O'
  User = 20 << 3,      // 'U'
};

using Ed25519PublicKey = std::array<uint8_t, 32>;

// The ed25519 key inside `text` when it is a well-formed public nkey of `kind`; else nullopt.
std::optional<Ed25519PublicKey> decode_public_nkey(std::string_view text, NkeyKind kind);
inline bool is_public_nkey(std::string_view text, NkeyKind kind) { return decode_public_nkey(text, kind).has_value(); }

// True when `signature` (64 raw bytes) signs `message` under `key`.
bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message, std::string_view signature);

// CONNECT's check (auth.go): `sig` is base64 (URL alphabet without padding, or standard padded) of
// the user's signature of the nonce its INFO carried, under the public user nkey `nkey`.
bool nkey_signature_valid(std::string_view nkey, std::string_view nonce, std::string_view sig);

}  // namespace zats::server::auth
