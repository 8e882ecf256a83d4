// ServerInfo: the fields of the INFO line (docs/compatibility.md, INFO), in the reference's order,
// with its omitempty rules, and the encoder "INFO {json} \r\n".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zats::proto {

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
  uint64_t client_id = 0;          // omitempty when 0
  std::string client_ip;           // omitempty
  std::string nonce;               // omitempty
  std::string cluster;             // omitempty
  std::vector<std::string> connect_urls;  // omitempty
  bool ldm = false;                // omitempty
};

// Appends "INFO {json} \r\n".
void append_info(std::string& out, const ServerInfo& info);

}  // namespace zats::proto
