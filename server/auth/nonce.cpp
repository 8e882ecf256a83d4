#include "server/auth/nonce.h"

#include <openssl/rand.h>

#include <array>
#include <random>

#include "server/auth/base64.h"

namespace zats::server::auth {

std::string make_nonce() {
  std::array<unsigned char, 11> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // The generator failed to seed: fall back to the OS's entropy rather than a predictable nonce.
    std::random_device rd;
    for (unsigned char& b : raw) b = static_cast<unsigned char>(rd());
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()), Base64Alphabet::UrlRaw);
}

}  // namespace zats::server::auth
