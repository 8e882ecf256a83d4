// ConfigValue and ConfigMap: lookups and insertion for the parsed configuration tree.
#include "server/config/config_value.h"

#include <algorithm>

namespace zats::server::config {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const ConfigMapEntry* ConfigMap::find(std::string_view key) const {
  const std::string lower = ascii_lower(key);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const ConfigMapEntry& e) { return e.lower_key == lower; });
  return it == entries_.end() ? nullptr : &*it;
}

ConfigMapEntry* ConfigMap::find(std::string_view key) {
  return const_cast<ConfigMapEntry*>(static_cast<const ConfigMap*>(this)->find(key));
}

const ConfigMapEntry* ConfigMap::find_exact(std::string_view key) const {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const ConfigMapEntry& e) { return e.key == key; });
  return it == entries_.end() ? nullptr : &*it;
}

ConfigMapEntry* ConfigMap::find_exact(std::string_view key) {
  return const_cast<ConfigMapEntry*>(static_cast<const ConfigMap*>(this)->find_exact(key));
}

void ConfigMap::set(std::string key, SourcePos key_pos, ConfigValue value) {
  if (ConfigMapEntry* existing = find_exact(key)) {
    existing->key_pos = std::move(key_pos);
    existing->value = std::move(value);
    existing->used_as_variable = false;
    return;
  }
  std::string lower = ascii_lower(key);
  entries_.push_back(ConfigMapEntry{std::move(key), std::move(lower), std::move(key_pos),
                                    std::move(value), false});
}

std::string_view ConfigValue::go_type_name() const {
  switch (storage_.index()) {
    case 0: return "bool";
    case 1: return "int64";
    case 2: return "float64";
    case 3: return "string";
    case 4: return "time.Time";
    case 5: return "map[string]interface {}";
    default: return "[]interface {}";
  }
}

}  // namespace zats::server::config
