// ConfigValue: one value read from a nats-server configuration file — a bool, an int64, a
// double, a string, a Zulu datetime, a map or an array — with the position it came from.
// Maps keep their entries in file order; a key keeps its spelling (that is its identity, as in
// the reference) plus a lowercased form for lookups, and a flag set when a `$name` used it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/config/source_pos.h"

namespace zats::server::config {

class ConfigValue;
struct ConfigMapEntry;

using ConfigArray = std::vector<ConfigValue>;

// An ISO-8601 Zulu datetime ("2023-01-02T03:04:05Z"), as seconds since the Unix epoch.
struct ConfigDatetime {
  int64_t unix_seconds = 0;
  bool operator==(const ConfigDatetime&) const = default;
};

class ConfigMap {
 public:
  // Case-insensitive lookup (keys are matched lowercased, as the server does); first match.
  const ConfigMapEntry* find(std::string_view key) const;
  ConfigMapEntry* find(std::string_view key);
  // Lookup by exact spelling, as `$name` variables do.
  const ConfigMapEntry* find_exact(std::string_view key) const;
  ConfigMapEntry* find_exact(std::string_view key);

  // Adds the key, or replaces the value of an entry with the same spelling in place (the
  // reference's map semantics: a later definition wins). Clears the used-as-variable flag.
  void set(std::string key, SourcePos key_pos, ConfigValue value);

  // These and ConfigValue's constructors are defined below ConfigMapEntry: with clang, the
  // C++20 library needs the element type complete where they are.
  const std::vector<ConfigMapEntry>& entries() const { return entries_; }
  std::vector<ConfigMapEntry>& entries() { return entries_; }
  size_t size() const;
  bool empty() const;
  std::vector<ConfigMapEntry>::const_iterator begin() const;
  std::vector<ConfigMapEntry>::const_iterator end() const;

 private:
  std::vector<ConfigMapEntry> entries_;
};

class ConfigValue {
 public:
  using Storage =
      std::variant<bool, int64_t, double, std::string, ConfigDatetime, ConfigMap, ConfigArray>;

  ConfigValue();  // an empty map
  ConfigValue(Storage storage, SourcePos pos);

  bool is_bool() const { return std::holds_alternative<bool>(storage_); }
  bool is_int() const { return std::holds_alternative<int64_t>(storage_); }
  bool is_float() const { return std::holds_alternative<double>(storage_); }
  bool is_string() const { return std::holds_alternative<std::string>(storage_); }
  bool is_datetime() const { return std::holds_alternative<ConfigDatetime>(storage_); }
  bool is_map() const { return std::holds_alternative<ConfigMap>(storage_); }
  bool is_array() const { return std::holds_alternative<ConfigArray>(storage_); }

  // Accessors require the matching is_*() to hold; callers test first (a config value's type
  // is user input). No exceptions: a wrong type is a programming error, not a thrown one.
  bool as_bool() const { return *std::get_if<bool>(&storage_); }
  int64_t as_int() const { return *std::get_if<int64_t>(&storage_); }
  double as_float() const { return *std::get_if<double>(&storage_); }
  const std::string& as_string() const { return *std::get_if<std::string>(&storage_); }
  const ConfigDatetime& as_datetime() const { return *std::get_if<ConfigDatetime>(&storage_); }
  const ConfigMap& as_map() const { return *std::get_if<ConfigMap>(&storage_); }
  ConfigMap& as_map() { return *std::get_if<ConfigMap>(&storage_); }
  const ConfigArray& as_array() const { return *std::get_if<ConfigArray>(&storage_); }
  ConfigArray& as_array() { return *std::get_if<ConfigArray>(&storage_); }

  // Replaces the value in place. Preferred over assigning a temporary ConfigValue: GCC 12
  // (with sanitizers or -O3) mistakes a temporary variant's inactive members for
  // uninitialised reads and -Werror turns that into a build failure.
  template <class T>
  void assign(T value, SourcePos pos) {
    storage_.template emplace<T>(std::move(value));
    pos_ = std::move(pos);
  }

  const Storage& storage() const { return storage_; }
  Storage& storage() { return storage_; }
  const SourcePos& pos() const { return pos_; }
  void set_pos(SourcePos pos) { pos_ = std::move(pos); }

  // The Go type the reference would hold ("int64", "string", "map[string]interface {}", ...),
  // for messages such as "interface conversion: interface {} is string, not int64".
  std::string_view go_type_name() const;

 private:
  Storage storage_;
  SourcePos pos_;
};

struct ConfigMapEntry {
  std::string key;        // as written (quotes removed)
  std::string lower_key;  // ASCII-lowercased, what option lookups use
  SourcePos key_pos;      // where the key starts; the reference reports errors here
  ConfigValue value;
  bool used_as_variable = false;  // some `$key` read it: an unknown-key check should skip it
};

inline size_t ConfigMap::size() const { return entries_.size(); }
inline bool ConfigMap::empty() const { return entries_.empty(); }
inline std::vector<ConfigMapEntry>::const_iterator ConfigMap::begin() const { return entries_.begin(); }
inline std::vector<ConfigMapEntry>::const_iterator ConfigMap::end() const { return entries_.end(); }
inline ConfigValue::ConfigValue() : storage_(ConfigMap{}) {}
inline ConfigValue::ConfigValue(Storage storage, SourcePos pos)
    : storage_(std::move(storage)), pos_(std::move(pos)) {}

std::string ascii_lower(std::string_view text);

}  // namespace zats::server::config
