// Client events of the system account, as nats-server 2.9.10 publishes them there: a client that
// logs into an account other than the global one is announced on `$SYS.ACCOUNT.<account>.CONNECT`
// and, when it leaves, on `$SYS.ACCOUNT.<account>.DISCONNECT`; a refused login on
// `$SYS.SERVER.<server id>.CLIENT.AUTH.ERR`. The payload is compact JSON in nats-server's field
// order: the event's type, id and time, this server (name, host, id, cluster, version, tags, a
// sequence number and the time), the client (RequestInfo, server/request_info.h), and for the
// last two what the client sent and received and why it closed. A subscriber in the system
// account (`SUB $SYS.ACCOUNT.*.CONNECT`) receives them like any message, on any server of the
// cluster.
#pragma once

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "proto/info.h"
#include "server/monitor/json_writer.h"
#include "server/monitor/snapshot.h"

namespace zats::server {

enum class ClientEvent : uint8_t { Connect, Disconnect, AuthError };

// This server as the events describe it (nats-server's ServerInfo).
struct EventServer {
  std::string_view name, host, id, cluster, version;
  const std::vector<std::string>* tags = nullptr;
  uint64_t seq = 0;     // counts the server's events, from 1
  int64_t time_ns = 0;  // wall clock, when the event was made
};

// The server as `info` (INFO's template) shows it; views into `info`, `cluster` and `tags`. The
// cluster's name is given apart, since a made-up one gives way to its peers' after start.
EventServer describe_event_server(const proto::ServerInfo& info, std::string_view cluster,
                                  const std::vector<std::string>& tags);

// Gives a message the server sends in the system account its own sequence number (counted in
// `sequence`, shared by the whole server) and time.
void stamp_event_server(EventServer& server, std::atomic<uint64_t>& sequence);

// `"server": {...}` into an open object: the server as every system account message names it
// (the system services' answers too, server/system_requests.h).
void write_event_server(monitor::JsonWriter& w, const EventServer& server);

// What a disconnect or a refusal adds: the client's traffic (`in`: what it sent, `out`: what it
// was sent), and why it closed.
struct EventClosing {
  monitor::Traffic traffic;
  std::string_view reason;
};

// Event ids in the form nats-server gives them: 22 letters and digits, a random prefix of 12
// and a sequence of 10 that steps by a random amount, a new prefix when it runs out.
class EventIds {
 public:
  explicit EventIds(std::mt19937_64& rng) : rng_(rng) { renew(); }
  std::string next();

 private:
  void renew();

  std::mt19937_64& rng_;
  char prefix_[12] = {};
  uint64_t sequence_ = 0;
  uint64_t step_ = 0;
};

std::string client_event_subject(ClientEvent kind, std::string_view account, std::string_view server_id);

// An account's connections on this server (nats-server's AccountNumConns,
// io.nats.server.advisory.v1.account_connections): its count and traffic as /accstatz shows them.
// Sent on both account_conns_subjects() when the count changes and every 30 s while it is not 0,
// and to the reply of a `$SYS.REQ.ACCOUNT.<account>.CONNS` request (server/system_services.h).
std::string account_conns_json(std::string_view id, const EventServer& server, const monitor::AccountInfo& account);
// `$SYS.ACCOUNT.<account>.SERVER.CONNS`, and the older `$SYS.SERVER.ACCOUNT.<account>.CONNS`.
std::vector<std::string> account_conns_subjects(std::string_view account);

// `client`: the client's ClientInfo JSON (request_info_json); `closing` is used for Disconnect
// and AuthError.
std::string client_event_json(ClientEvent kind, std::string_view id, const EventServer& server,
                              std::string_view client, const EventClosing& closing);

}  // namespace zats::server
