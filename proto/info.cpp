// append_info: the INFO line with the fields of the reference's Info struct (server.go)
// in its declaration order, omitempty fields left out when false/empty/zero, and the
// single space before CRLF.
#include "proto/info.h"

#include <charconv>
#include <string_view>

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
  if (info.client_id != 0) json.int_field("client_id", info.client_id);
  if (!info.client_ip.empty()) json.string_field("client_ip", info.client_ip);
  if (!info.nonce.empty()) json.string_field("nonce", info.nonce);
  if (!info.cluster.empty()) json.string_field("cluster", info.cluster);
  if (!info.connect_urls.empty()) json.string_array_field("connect_urls", info.connect_urls);
  if (info.ldm) json.bool_field("ldm", true);
  json.finish();
  out.append(" \r\n");
}

}  // namespace zats::proto
