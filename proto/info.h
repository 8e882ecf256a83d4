// ServerInfo: the fields of the INFO line, in the reference's order, with its omitempty rules
// (docs/compatibility.md, INFO), the encoder "INFO {json} \r\n", and the decoder
// for the INFO a route peer sends (the same struct: clients and routes share it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zats::proto {

// A route's import or export permission as INFO carries it: {"allow":[...],"deny":[...]}.
struct SubjectPermissionInfo {
  std::vector<std::string> allow;  // omitempty
  std::vector<std::string> deny;   // omitempty
  bool operator==(const SubjectPermissionInfo&) const = default;
};

struct ServerInfo {
  std::string server_id;
  std::string server_name;
  std::string version = "2.9.10";
  int proto = 1;
  std::string git_commit;          // omitempty
  std::string go = "go1.19.8";     // clients ignore it; zats reports the Go version it mimics
  std::string host;
  int port = 4222;
  bool headers = true;             // always sent
  bool auth_required = false;      // omitempty
  bool tls_required = false;       // omitempty
  bool tls_verify = false;         // omitempty
  bool tls_available = false;      // omitempty
  int64_t max_payload = 1048576;
  bool jetstream = false;          // omitempty; read from peers, never set by zats
  std::string ip;                  // omitempty; routes: "nats-route://host:port/" to dial
  uint64_t client_id = 0;          // omitempty when 0
  std::string client_ip;           // omitempty
  std::string nonce;               // omitempty
  std::string cluster;             // omitempty
  bool cluster_dynamic = false;    // omitempty; the cluster name was made up, it gives way
  std::vector<std::string> connect_urls;  // omitempty
  bool ldm = false;                // omitempty
  // Route specific.
  std::optional<SubjectPermissionInfo> import_permission;  // "import", omitempty
  std::optional<SubjectPermissionInfo> export_permission;  // "export", omitempty
  bool lnoc = false;               // omitempty; leafnode origin (LS+/LMSG) understood
};

// Appends "INFO {json} \r\n".
void append_info(std::string& out, const ServerInfo& info);
// Just the JSON object, as a route forwards it to the others in gossip.
void append_info_json(std::string& out, const ServerInfo& info);

// A peer's INFO (route dialect): the known fields, as Go's encoding/json fills them (keys
// case-insensitive, unknown fields ignored); nullopt when the JSON is invalid or a known
// field has the wrong type.
std::optional<ServerInfo> parse_server_info(std::string_view json);

}  // namespace zats::proto
