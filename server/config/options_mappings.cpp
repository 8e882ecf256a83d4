// Subject mappings (opts.go parseAccountMappings): `mappings` (or `maps`) at the top level for the
// global account and inside an account. A source maps to a destination subject, or to one or
// several weighted destinations `{destination: "x", weight: 50%, cluster: "c"}`; each mapping is
// checked as the server will make it (server/subject_mapping.h).
#include <charconv>

#include "proto/encode.h"
#include "proto/subject.h"
#include "server/config/host_port.h"
#include "server/config/options_reader.h"
#include "server/subject_mapping.h"

namespace zats::server::config {
namespace {

// Go's %v of a weight of another type.
std::string shown(const ConfigValue& v) {
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (!v.is_float()) return std::string(v.go_type_name());
  char text[32];
  auto end = std::to_chars(text, text + sizeof text, v.as_float()).ptr;
  return std::string(text, end);
}

// A weight: a percentage as a number or a string ("50%"), 0 to 100.
bool read_weight(OptionsReader& r, const ConfigMapEntry& k, int* weight) {
  int64_t n = 0;
  if (k.value.is_string()) {
    std::string text = k.value.as_string();
    if (text.ends_with('%')) text.pop_back();
    if (!go_atoi(text, &n).empty())
      return r.error(k.key_pos, "Invalid weight " + proto::go_quoted(text) + " for mapping destination"), false;
  } else if (k.value.is_int()) {
    n = k.value.as_int();
  } else {
    return r.error(k.key_pos, "Unknown entry type for weight of " + shown(k.value)), false;
  }
  if (n > 100 || n < 0)
    return r.error(k.key_pos, "Invalid weight " + std::to_string(n) + " for mapping destination"), false;
  *weight = static_cast<int>(n);
  return true;
}

// A destination's subject or cluster: a string.
bool read_text(OptionsReader& r, const ConfigMapEntry& k, const SourcePos& at, std::string* out) {
  if (!k.value.is_string())
    return r.error(at, "interface conversion: interface {} is " + std::string(k.value.go_type_name()) + ", not string"),
           false;
  *out = k.value.as_string();
  return true;
}

// One weighted destination (opts.go parseAccountMapDest); false when it has errors (recorded).
// nats-server reports a missing weight and a value of the wrong type at the destination as a
// whole (`at`), the other errors at the field.
bool read_destination(OptionsReader& r, const ConfigValue& v, const SourcePos& at, MapDestination* out) {
  if (!v.is_map()) return r.error(at, "Expected an entry for the mapping destination"), false;
  bool weighted = false;
  for (const ConfigMapEntry& k : v.as_map()) {
    const std::string& key = k.lower_key;
    if (key == "dest" || key == "destination") {
      if (!read_text(r, k, at, &out->subject)) return false;
    } else if (key == "weight") {
      if (!read_weight(r, k, &out->weight)) return false;
      weighted = true;
    } else if (key == "cluster") {
      if (!read_text(r, k, at, &out->cluster)) return false;
    } else {
      return r.error(k.key_pos, "Unknown field " + proto::go_quoted(k.key) + " for mapping destination"), false;
    }
  }
  if (!weighted) return r.error(at, "Missing weight for mapping destination " + proto::go_quoted(out->subject)), false;
  return true;
}

// The destinations of one source: a subject (weight 100), a weighted destination, or a list of
// them; false when any has errors (recorded).
bool read_destinations(OptionsReader& r, const ConfigMapEntry& m, std::vector<MapDestination>* out) {
  if (m.value.is_string()) {
    out->push_back(MapDestination{m.value.as_string(), 100, {}});
    return true;
  }
  if (!m.value.is_array()) {
    MapDestination d;
    if (!read_destination(r, m.value, m.key_pos, &d)) return false;
    out->push_back(std::move(d));
    return true;
  }
  bool ok = true;
  for (const ConfigValue& v : m.value.as_array()) {
    MapDestination d;
    if (read_destination(r, v, v.pos(), &d)) out->push_back(std::move(d));
    else ok = false;
  }
  return ok;
}

}  // namespace

void read_mappings(OptionsReader& r, const ConfigMapEntry& entry, const std::string& account, Options& o) {
  const ConfigMap* block = r.get_map(entry);
  if (block == nullptr) return;
  for (const ConfigMapEntry& m : *block) {
    if (m.used_as_variable) continue;
    if (!proto::is_valid_subject(m.key)) {
      r.error(entry.key_pos, "Subject " + proto::go_quoted(m.key) + " is not a valid subject");
      continue;
    }
    SubjectMapping mapping{account, m.key, {}};
    if (!read_destinations(r, m, &mapping.destinations)) continue;
    std::string why;
    if (!CompiledMapping::make(mapping, &why)) {
      std::string to = m.value.is_string() ? " to " + proto::go_quoted(m.value.as_string()) : std::string();
      r.error(m.key_pos, "Error adding mapping for " + proto::go_quoted(m.key) + to + " : " + why);
      continue;
    }
    o.subject_mappings.push_back(std::move(mapping));
  }
}

}  // namespace zats::server::config
