#include "server/auth/nkey.h"

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "server/auth/base64.h"

namespace zats::server::auth {
namespace {

constexpr size_t kPublicNkeyLetters = 56;
constexpr size_t kPublicNkeyBytes = 35;  // prefix + key + CRC

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// CRC-16/XMODEM (polynomial 0x1021, initial 0), as nkeys checks it.
uint16_t crc16(const uint8_t* data, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; ++i) {
    crc ^= static_cast<uint16_t>(data[i]) << 8;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
  }
  return crc;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::optional<Ed25519PublicKey> decode_public_nkey(std::string_view text, NkeyKind kind) {
  if (text.size() != kPublicNkeyLetters) return std::nullopt;
  std::array<uint8_t, kPublicNkeyBytes> raw{};
  uint32_t bits = 0;
  int held = 0;
  size_t n = 0;
  for (char c : text) {
    int v = base32_value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 5) | static_cast<uint32_t>(v);
    held += 5;
    if (held >= 8) {
      held -= 8;
      raw[n++] = static_cast<uint8_t>((bits >> held) & 0xffu);
    }
  }
  if (raw[0] != static_cast<uint8_t>(kind)) return std::nullopt;
  uint16_t stored = static_cast<uint16_t>(raw[33] | (raw[34] << 8));
  if (crc16(raw.data(), 33) != stored) return std::nullopt;
  Ed25519PublicKey key;
  std::copy(raw.begin() + 1, raw.begin() + 33, key.begin());
  return key;
}

bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message, std::string_view signature) {
  if (signature.size() != 64) return false;
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

bool nkey_signature_valid(std::string_view nkey, std::string_view nonce, std::string_view sig) {
  if (sig.empty()) return false;
  std::optional<std::string> raw = base64_decode(sig, Base64Alphabet::UrlRaw);
  if (!raw) raw = base64_decode(sig, Base64Alphabet::StandardPadded);
  if (!raw) return false;
  std::optional<Ed25519PublicKey> key = decode_public_nkey(nkey, NkeyKind::User);
  return key && ed25519_verify(*key, nonce, *raw);
}

}  // namespace zats::server::auth
