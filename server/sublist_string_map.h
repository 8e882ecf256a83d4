// StringMap: an absl::flat_hash_map keyed by std::string that finds by std::string_view without
// building a std::string. Debian's abseil has its own absl::string_view (not std's), so the
// default hasher takes no std::string_view; this transparent hasher bridges the two.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace zats::server {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return absl::Hash<absl::string_view>{}(absl::string_view(s.data(), s.size()));
  }
};

struct StringViewEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

template <typename Key, typename Value>
using StringKeyedMap = absl::flat_hash_map<Key, Value, StringViewHash, StringViewEq>;

// Owns its keys.
template <typename Value>
using StringMap = StringKeyedMap<std::string, Value>;

}  // namespace zats::server
