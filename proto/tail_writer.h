// TailWriter: pieces of a frame whose total size is known up front, written straight into the
// end of a string: one resize instead of one append per piece (each append checks capacity,
// updates the length and writes a terminator), which showed in the per-delivery profile. The
// resize zero-fills the tail first, so it is for frames of small pieces, not big payloads.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace zats::proto {

class TailWriter {
 public:
  TailWriter(std::string& out, size_t size) : at_(grow(out, size)) {}

  void put(std::string_view s) {
    if (s.empty()) return;  // an empty view may have no data pointer, which memcpy must not get
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  void put(char c) { *at_++ = c; }

 private:
  static char* grow(std::string& out, size_t size) {
    const size_t old = out.size();
    out.resize(old + size);
    return out.data() + old;
  }

  char* at_;
};

// A number's decimal digits, for a TailWriter (whose size must count them first).
class Decimal {
 public:
  explicit Decimal(uint64_t value) : size_(static_cast<size_t>(std::to_chars(digits_, digits_ + sizeof(digits_), value).ptr - digits_)) {}
  std::string_view view() const { return {digits_, size_}; }
  size_t size() const { return size_; }

 private:
  char digits_[20];
  size_t size_;
};

}  // namespace zats::proto
