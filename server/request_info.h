// The header a request gets when it crosses a service import, as nats-server 2.9.10 sets it:
// `Nats-Request-Info: {"acc":"B","rtt":226206}` names the account the requester is in (and,
// where the request went on through a second import, the account it came through as "svc") and
// the requester's round trip in nanoseconds, so that a service in the exporting account knows
// who asked; an import with `share: true` adds the requester's connection and server. A
// subscriber that does not take headers gets the message without them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server {

inline constexpr std::string_view kRequestInfoHeader = "Nats-Request-Info";

// What the header tells (nats-server's ClientInfo). The account and round trip always; with an
// import that shares them (`share: true`), the requester's connection as well, and the server
// and cluster it is on. The system account's client events (server/system_events.h) describe a
// connection with it too.
struct RequestInfo {
  std::string_view account;
  std::string_view service;  // the account a chained request came through
  uint64_t rtt_ns = 0;
  // The requester's connection, for a sharing import.
  bool details = false;
  std::string start;  // RFC 3339, as /connz shows it
  std::string user;   // as /connz?auth=1 shows it
  std::string_view host, name, lang, version, jwt;
  uint64_t id = 0;
  // Who vouches for the requester: the key that issued its JWT (or its nkey user's account), and
  // its JWT's name and tags.
  std::string_view issuer_key, name_tag;
  const std::vector<std::string>* tags = nullptr;
  // The server, for a sharing import.
  bool server_info = false;
  std::string_view server, cluster;
  std::string stop;  // RFC 3339: when it left (the system account's disconnect events)
};

// The header's value, written to `out`: JSON in nats-server's field order, empty fields (and a
// zero round trip) left out.
void request_info_json(const RequestInfo& info, std::string& out);

// `payload` (a header block of `header_size` bytes, when it has one, then the body) with the
// header set to `value`, written to `out`: an earlier Nats-Request-Info line is taken out and the
// new one goes last in the block. Returns the new header block's size.
uint32_t set_request_info(std::string_view payload, uint32_t header_size, std::string_view value, std::string& out);

}  // namespace zats::server
