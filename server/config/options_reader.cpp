// OptionsReader: typed reads and the reference's error texts for the config → Options mapping.
#include "server/config/options_reader.h"

#include <climits>

#include "proto/encode.h"
#include "server/config/duration.h"
#include "server/config/host_port.h"

namespace zats::server::config {

int saturate_int(int64_t n) {
  if (n > INT_MAX) return INT_MAX;
  if (n < INT_MIN) return INT_MIN;
  return static_cast<int>(n);
}

std::string OptionsReader::where(const SourcePos& pos) {
  std::string lc = std::to_string(pos.line) + ":" + std::to_string(pos.reference_column());
  return pos.file.empty() ? lc : pos.file + ":" + lc;
}

void OptionsReader::error(const SourcePos& pos, std::string_view message) {
  diag_.errors.push_back(where(pos) + ": " + std::string(message));
}

void OptionsReader::warning(const SourcePos& pos, std::string_view message) {
  diag_.warnings.push_back(where(pos) + ": " + std::string(message));
}

void OptionsReader::unknown_field(const ConfigMapEntry& entry) {
  if (entry.used_as_variable) return;  // only read through `$name`: not a field
  error(entry.key_pos, "unknown field \"" + entry.key + "\"");
}

// Running without what the operator asked for (TLS, clustering, auth schemes) would be unsafe.
void OptionsReader::not_supported(const ConfigMapEntry& entry, std::string_view what) {
  if (entry.used_as_variable) return;
  error(entry.key_pos, std::string(what.empty() ? std::string_view(entry.key) : what) +
                           " is not supported by zats yet");
}

void OptionsReader::ignored(const ConfigMapEntry& entry) {
  diag_.ignored.push_back(where(entry.key_pos) + ": \"" + entry.key + "\" has no effect in zats, ignored");
}

void OptionsReader::type_error(const SourcePos& pos, const ConfigValue& v, std::string_view want) {
  error(pos, "interface conversion: interface {} is " + std::string(v.go_type_name()) + ", not " +
                 std::string(want));
}

bool OptionsReader::get_string(const ConfigMapEntry& e, std::string* out) {
  if (!e.value.is_string()) return type_error(e.key_pos, e.value, "string"), false;
  *out = e.value.as_string();
  return true;
}

bool OptionsReader::get_int(const ConfigMapEntry& e, int64_t* out) {
  if (!e.value.is_int()) return type_error(e.key_pos, e.value, "int64"), false;
  *out = e.value.as_int();
  return true;
}

bool OptionsReader::get_bool(const ConfigMapEntry& e, bool* out) {
  if (!e.value.is_bool()) return type_error(e.key_pos, e.value, "bool"), false;
  *out = e.value.as_bool();
  return true;
}

const ConfigMap* OptionsReader::get_map(const ConfigMapEntry& e) {
  if (!e.value.is_map()) return type_error(e.key_pos, e.value, "map[string]interface {}"), nullptr;
  return &e.value.as_map();
}

const ConfigArray* OptionsReader::get_array(const ConfigMapEntry& e) {
  if (!e.value.is_array()) return type_error(e.key_pos, e.value, "[]interface {}"), nullptr;
  return &e.value.as_array();
}

bool OptionsReader::get_listen(const ConfigMapEntry& e, std::string* host, int* port) {
  if (e.value.is_int()) {
    *port = saturate_int(e.value.as_int());
    return true;
  }
  if (!e.value.is_string()) {
    error(e.key_pos, "expected port or host:port, got " + std::string(e.value.go_type_name()));
    return false;
  }
  const std::string& text = e.value.as_string();
  std::string h, p;
  if (!split_host_port(text, &h, &p).empty()) {
    error(e.key_pos, "could not parse address string " + proto::go_quoted(text));
    return false;
  }
  int64_t n = 0;
  if (!go_atoi(p, &n).empty()) {
    error(e.key_pos, "could not parse port " + proto::go_quoted(p));
    return false;
  }
  *host = h;
  *port = saturate_int(n);
  return true;
}

bool OptionsReader::get_legacy_duration(const ConfigMapEntry& e, Nanos* out) {
  if (e.value.is_string()) return get_duration_string(e, out);
  int64_t seconds = 0;
  if (!get_int(e, &seconds)) return false;
  warning(e.key_pos, "invalid use of field \"" + e.lower_key + "\": " + e.lower_key +
                         " should be converted to a duration");
  *out = Nanos(go_seconds_to_nanos(seconds));
  return true;
}

bool OptionsReader::get_duration_string(const ConfigMapEntry& e, Nanos* out) {
  std::string text;
  if (!get_string(e, &text)) return false;
  int64_t nanos = 0;
  std::string why;
  if (!parse_go_duration(text, &nanos, &why)) {
    error(e.key_pos, "error parsing " + e.lower_key + ": " + why);
    return false;
  }
  *out = Nanos(nanos);
  return true;
}

bool OptionsReader::get_string_list(const ConfigMapEntry& e, std::string_view field,
                                    std::vector<std::string>* out) {
  if (e.value.is_string()) {
    out->push_back(e.value.as_string());
    return true;
  }
  if (!e.value.is_array()) {
    error(e.key_pos, "error parsing " + std::string(field) + ": unsupported type " +
                         std::string(e.value.go_type_name()));
    return false;
  }
  bool ok = true;
  for (const ConfigValue& v : e.value.as_array()) {
    if (v.is_string()) {
      out->push_back(v.as_string());
    } else {
      error(v.pos(), "error parsing " + std::string(field) + ": unsupported type in array " +
                         std::string(v.go_type_name()));
      ok = false;
    }
  }
  return ok;
}

}  // namespace zats::server::config
