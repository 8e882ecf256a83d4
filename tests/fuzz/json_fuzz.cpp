// libFuzzer target for the JSON zats reads and writes on the client port. The first byte picks
// the side:
//  - even: the input is a CONNECT (and a client INFO) argument. Whatever parse_connect accepts,
//    written back as JSON with zats's own string escaping and parsed again, gives the same
//    options: the escaper and the parser agree on every string simdjson lets through.
//  - odd: the input is cut at NUL bytes into the strings of a server INFO. The encoded line is
//    "INFO <json> \r\n", the JSON is valid, and each string reads back as it was given, or, when
//    it was not valid UTF-8, as valid UTF-8 (Go replaces bad bytes by U+FFFD).
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "proto/connect.h"
#include "proto/control_args.h"
#include "proto/info.h"
#include "proto/json_string.h"

namespace {

using namespace zats::proto;

void add_bool(std::string& out, std::string_view key, bool value) {
  out.append(",\"").append(key).append("\":").append(value ? "true" : "false");
}

void add_string(std::string& out, std::string_view key, const std::string& value) {
  out.append(",\"").append(key).append("\":");
  append_json_string(out, value);
}

std::string to_json(const ConnectOptions& o) {
  std::string out = "{\"protocol\":" + std::to_string(o.protocol);
  add_bool(out, "verbose", o.verbose);
  add_bool(out, "pedantic", o.pedantic);
  add_bool(out, "echo", o.echo);
  add_bool(out, "tls_required", o.tls_required);
  add_bool(out, "headers", o.headers);
  add_bool(out, "no_responders", o.no_responders);
  add_string(out, "auth_token", o.auth_token);
  add_string(out, "user", o.user);
  add_string(out, "pass", o.pass);
  add_string(out, "name", o.name);
  add_string(out, "lang", o.lang);
  add_string(out, "version", o.version);
  add_string(out, "jwt", o.jwt);
  add_string(out, "nkey", o.nkey);
  add_string(out, "sig", o.sig);
  if (o.has_account) out += ",\"new_account\":true";
  return out + "}";
}

bool same(const ConnectOptions& a, const ConnectOptions& b) {
  return a.verbose == b.verbose && a.pedantic == b.pedantic && a.echo == b.echo &&
         a.tls_required == b.tls_required && a.headers == b.headers &&
         a.no_responders == b.no_responders && a.protocol == b.protocol &&
         a.auth_token == b.auth_token && a.user == b.user && a.pass == b.pass && a.name == b.name &&
         a.lang == b.lang && a.version == b.version && a.jwt == b.jwt && a.nkey == b.nkey &&
         a.sig == b.sig && a.has_account == b.has_account;
}

void check_connect(std::string_view json) {
  (void)is_acceptable_client_info(json);
  const std::optional<ConnectOptions> parsed = parse_connect(json);
  if (!parsed) return;
  const std::optional<ConnectOptions> again = parse_connect(to_json(*parsed));
  if (!again || !same(*parsed, *again)) std::abort();
}

// The string read back for `given`: equal when it was valid UTF-8, valid UTF-8 in any case.
void check_string(simdjson::dom::element doc, const char* key, const std::string& given) {
  std::string_view got;
  if (doc[key].get_string().get(got) != simdjson::SUCCESS) std::abort();
  if (!simdjson::validate_utf8(got.data(), got.size())) std::abort();
  if (simdjson::validate_utf8(given.data(), given.size()) && got != given) std::abort();
}

void check_info(std::string_view input) {
  std::vector<std::string> parts;
  for (size_t start = 0; parts.size() < 8;) {
    const size_t nul = input.find('\0', start);
    parts.emplace_back(input.substr(start, nul == std::string_view::npos ? nul : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  parts.resize(8);
  ServerInfo info;
  info.server_id = "NFUZZ";
  info.server_name = parts[0];
  info.host = parts[1];
  info.client_ip = parts[2];
  info.nonce = parts[3];
  info.cluster = parts[4];
  info.git_commit = parts[5];
  info.connect_urls = {parts[6], parts[7]};
  info.client_id = input.size();
  std::string line;
  append_info(line, info);
  if (line.size() < 8 || line.compare(0, 5, "INFO ") != 0 || line.compare(line.size() - 3, 3, " \r\n") != 0)
    std::abort();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data() + 5, line.size() - 8).get(doc) != simdjson::SUCCESS) std::abort();
  check_string(doc, "server_name", info.server_name);
  if (!info.host.empty()) check_string(doc, "host", info.host);
  if (!info.client_ip.empty()) check_string(doc, "client_ip", info.client_ip);
  if (!info.nonce.empty()) check_string(doc, "nonce", info.nonce);
  if (!info.cluster.empty()) check_string(doc, "cluster", info.cluster);
  if (!info.git_commit.empty()) check_string(doc, "git_commit", info.git_commit);
  simdjson::dom::array urls;
  if (doc["connect_urls"].get_array().get(urls) != simdjson::SUCCESS || urls.size() != 2) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    check_connect(input);
  } else {
    check_info(input);
  }
  return 0;
}
