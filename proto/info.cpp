// append_info: the INFO line with the fields of the reference's Info struct (server.go)
// in its declaration order, omitempty fields left out when false/empty/zero, and the
// single space before CRLF.
#include "proto/info.h"

#include <charconv>
#include <string_view>

#include "proto/json_fields.h"
#include "proto/json_string.h"

namespace zats::proto {

namespace {

// Writes the separator and "name": for the next field.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  void finish() { out_.push_back('}'); }

  void string_field(std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out_, value);
  }
  void bool_field(std::string_view name, bool value) {
    key(name);
    out_.append(value ? "true" : "false");
  }
  template <class Integer>
  void int_field(std::string_view name, Integer value) {
    key(name);
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof(digits), value);
    out_.append(digits, static_cast<size_t>(result.ptr - digits));
  }
  void string_array_field(std::string_view name, const std::vector<std::string>& values) {
    key(name);
    out_.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_.push_back(',');
      append_json_string(out_, values[i]);
    }
    out_.push_back(']');
  }
  // Go's SubjectPermission: {"allow":[...],"deny":[...]}, each omitempty.
  void permission_field(std::string_view name, const SubjectPermissionInfo& p) {
    key(name);
    JsonObjectWriter inner(out_);
    if (!p.allow.empty()) inner.string_array_field("allow", p.allow);
    if (!p.deny.empty()) inner.string_array_field("deny", p.deny);
    inner.finish();
  }

 private:
  void key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace

void append_info(std::string& out, const ServerInfo& info) {
  out.append("INFO ");
  append_info_json(out, info);
  out.append(" \r\n");
}

void append_info_json(std::string& out, const ServerInfo& info) {
  JsonObjectWriter json(out);
  json.string_field("server_id", info.server_id);
  json.string_field("server_name", info.server_name);
  json.string_field("version", info.version);
  json.int_field("proto", info.proto);
  if (!info.git_commit.empty()) json.string_field("git_commit", info.git_commit);
  json.string_field("go", info.go);
  json.string_field("host", info.host);
  json.int_field("port", info.port);
  json.bool_field("headers", info.headers);
  if (info.auth_required) json.bool_field("auth_required", true);
  if (info.tls_required) json.bool_field("tls_required", true);
  if (info.tls_verify) json.bool_field("tls_verify", true);
  if (info.tls_available) json.bool_field("tls_available", true);
  json.int_field("max_payload", info.max_payload);
  if (info.jetstream) json.bool_field("jetstream", true);
  if (!info.ip.empty()) json.string_field("ip", info.ip);
  if (info.client_id != 0) json.int_field("client_id", info.client_id);
  if (!info.client_ip.empty()) json.string_field("client_ip", info.client_ip);
  if (!info.nonce.empty()) json.string_field("nonce", info.nonce);
  if (!info.cluster.empty()) json.string_field("cluster", info.cluster);
  if (info.cluster_dynamic) json.bool_field("cluster_dynamic", true);
  if (!info.connect_urls.empty()) json.string_array_field("connect_urls", info.connect_urls);
  if (info.ldm) json.bool_field("ldm", true);
  if (info.import_permission) json.permission_field("import", *info.import_permission);
  if (info.export_permission) json.permission_field("export", *info.export_permission);
  if (info.lnoc) json.bool_field("lnoc", true);
  json.finish();
}

namespace {

using json_fields::assign_bool;
using json_fields::assign_int;
using json_fields::assign_string;
using json_fields::assign_string_array;
using json_fields::element;
using json_fields::element_type;
using json_fields::equals_ignoring_ascii_case;

bool assign_permission(element value, std::optional<SubjectPermissionInfo>& field) {
  if (value.type() == element_type::NULL_VALUE) return true;
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  SubjectPermissionInfo p;
  for (auto [key, item] : object) {
    if (equals_ignoring_ascii_case(key, "allow") && !assign_string_array(item, p.allow)) return false;
    if (equals_ignoring_ascii_case(key, "deny") && !assign_string_array(item, p.deny)) return false;
  }
  field = std::move(p);
  return true;
}

bool apply_info_field(std::string_view key, element value, ServerInfo& info) {
  struct StringField { std::string_view name; std::string ServerInfo::*member; };
  struct BoolField { std::string_view name; bool ServerInfo::*member; };
  static const StringField kStrings[] = {
      {"server_id", &ServerInfo::server_id}, {"server_name", &ServerInfo::server_name},
      {"version", &ServerInfo::version},     {"git_commit", &ServerInfo::git_commit},
      {"go", &ServerInfo::go},               {"host", &ServerInfo::host},
      {"ip", &ServerInfo::ip},               {"client_ip", &ServerInfo::client_ip},
      {"nonce", &ServerInfo::nonce},         {"cluster", &ServerInfo::cluster}};
  static constexpr BoolField kBools[] = {
      {"headers", &ServerInfo::headers},           {"auth_required", &ServerInfo::auth_required},
      {"tls_required", &ServerInfo::tls_required}, {"tls_verify", &ServerInfo::tls_verify},
      {"tls_available", &ServerInfo::tls_available}, {"jetstream", &ServerInfo::jetstream},
      {"cluster_dynamic", &ServerInfo::cluster_dynamic}, {"ldm", &ServerInfo::ldm},
      {"lnoc", &ServerInfo::lnoc}};
  for (const auto& f : kStrings)
    if (equals_ignoring_ascii_case(key, f.name)) return assign_string(value, info.*f.member);
  for (const auto& f : kBools)
    if (equals_ignoring_ascii_case(key, f.name)) return assign_bool(value, info.*f.member);
  int64_t number = 0;
  if (equals_ignoring_ascii_case(key, "proto")) return assign_int(value, number) && (info.proto = static_cast<int>(number), true);
  if (equals_ignoring_ascii_case(key, "port")) return assign_int(value, number) && (info.port = static_cast<int>(number), true);
  if (equals_ignoring_ascii_case(key, "max_payload")) return assign_int(value, info.max_payload);
  if (equals_ignoring_ascii_case(key, "client_id")) {
    if (!assign_int(value, number)) return false;
    info.client_id = static_cast<uint64_t>(number);
    return true;
  }
  if (equals_ignoring_ascii_case(key, "connect_urls")) return assign_string_array(value, info.connect_urls);
  if (equals_ignoring_ascii_case(key, "import")) return assign_permission(value, info.import_permission);
  if (equals_ignoring_ascii_case(key, "export")) return assign_permission(value, info.export_permission);
  return true;  // unknown fields are ignored
}

}  // namespace

std::optional<ServerInfo> parse_server_info(std::string_view json) {
  ServerInfo info;
  info.version.clear();
  info.go.clear();
  info.headers = false;
  info.port = 0;
  info.max_payload = 0;
  info.proto = 0;
  if (!json_fields::decode_object(json, info, apply_info_field)) return std::nullopt;
  return info;
}

}  // namespace zats::proto
