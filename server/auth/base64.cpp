// One encoder and one decoder, parameterized by the alphabet's two last letters and padding.
#include "server/auth/base64.h"

#include <array>
#include <cstdint>

namespace zats::server::auth {
namespace {

struct Alphabet {
  char letter62;
  char letter63;
  bool padded;
};

Alphabet alphabet_of(Base64Alphabet a) {
  return a == Base64Alphabet::UrlRaw ? Alphabet{'-', '_', false} : Alphabet{'+', '/', true};
}

char letter(unsigned v, const Alphabet& a) {
  if (v < 26) return static_cast<char>('A' + v);
  if (v < 52) return static_cast<char>('a' + (v - 26));
  if (v < 62) return static_cast<char>('0' + (v - 52));
  return v == 62 ? a.letter62 : a.letter63;
}

int value_of(char c, const Alphabet& a) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == a.letter62) return 62;
  if (c == a.letter63) return 63;
  return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes, Base64Alphabet which) {
  const Alphabet a = alphabet_of(which);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t bits = 0;
  int held = 0;
  for (unsigned char b : bytes) {
    bits = (bits << 8) | b;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out.push_back(letter((bits >> held) & 63u, a));
    }
  }
  if (held > 0) out.push_back(letter((bits << (6 - held)) & 63u, a));
  if (a.padded)
    while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet which) {
  const Alphabet a = alphabet_of(which);
  std::string out;
  uint32_t bits = 0;
  int held = 0;
  size_t letters = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=' && a.padded) {
      ++padding;
      continue;
    }
    int v = value_of(c, a);
    if (v < 0 || padding > 0) return std::nullopt;  // a letter after padding, or not a letter
    ++letters;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xffu));
    }
  }
  if (letters % 4 == 1) return std::nullopt;  // six bits cannot end a byte
  if (a.padded && (letters + padding) % 4 != 0) return std::nullopt;
  if (a.padded && padding > 2) return std::nullopt;
  if (a.padded && padding > 0 && (letters % 4) + padding != 4) return std::nullopt;
  return out;
}

}  // namespace zats::server::auth
