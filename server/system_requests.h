// SystemRequest: one request to the monitoring services a server offers in its system account,
// as nats-server 2.9.10 answers them (docs/compatibility.md, System account services):
//
//   $SYS.REQ.SERVER.PING                      this server's statistics (statsz), from every server
//   $SYS.REQ.SERVER.PING.<ENDPOINT>           the endpoint, from every server
//   $SYS.REQ.SERVER.<server id>.<ENDPOINT>    the endpoint, from that server only
//     ENDPOINT: STATSZ VARZ SUBSZ CONNZ ROUTEZ GATEWAYZ LEAFZ ACCOUNTZ JSZ HEALTHZ
//   $SYS.REQ.ACCOUNT.<account>.<WHAT>         WHAT: SUBSZ CONNZ LEAFZ JSZ INFO STATZ, for that account
//   $SYS.REQ.ACCOUNT.PING.STATZ               every account's statistics (with a client, or all)
//   $SYS.REQ.ACCOUNT.<account>.CONNS          the account's connection event, if it has clients
//
// The request's payload, when there is one, is JSON: the endpoint's options under the names
// nats-server's JSON gives them ({"subscriptions": true, "acc": "A"} for CONNZ) and a filter that
// picks servers by name, cluster, host, tags or JetStream domain (substrings for the first three).
// A server the filter leaves out does not answer. The answer is compact JSON published on the
// request's reply: {"server": {...}, "data": <the endpoint's JSON>} ("statsz" instead of "data"
// for the statistics), or {"server": ..., "error": {"code": 400 or 500, "description": ...}}.
// Pure: the caller (server/system_services.h) takes the snapshot and publishes the answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/monitor/account_statz.h"
#include "server/monitor/connz.h"
#include "server/monitor/simple_endpoints.h"
#include "server/monitor/snapshot.h"
#include "server/monitor/subsz.h"
#include "server/system_events.h"

namespace zats::server {

enum class SystemService : uint8_t {
  Statsz, Varz, Subsz, Connz, Routez, Gatewayz, Leafz, Accountz, Jsz, Healthz,
  AccountSubsz, AccountConnz, AccountLeafz, AccountJsz, AccountInfo, AccountStatz, AccountsStatz, AccountConns,
  ClaimsUpdate,  // an account's new JWT (the payload), not a monitoring request: SystemServices applies it
};

// The subjects a server's system account must route to its services (what it subscribes to).
std::vector<std::string> system_service_subjects(std::string_view server_id);

// Which servers a request is for (nats-server's EventFilterOptions).
struct ServerFilter {
  std::string name, cluster, host, domain;
  std::vector<std::string> tags;
  // True when `server` (tags: as configured, lower case) is not one the filter picks.
  bool leaves_out(const EventServer& server) const;
};

// The answer to a claims update (ClaimsUpdate), as nats-server's respondToUpdate writes it: `data`
// with the account, 200 and `message` when `error` is empty, else `error` with the account, 500
// and "message - error".
std::string claims_update_answer(const EventServer& server, std::string_view account, std::string_view message,
                                 std::string_view error);

class SystemRequest {
 public:
  // The service `subject` asks of the server `server_id`, or nullopt (another server's, or none).
  static std::optional<SystemRequest> parse(std::string_view subject, std::string_view server_id);

  SystemService service() const { return service_; }
  const std::string& account() const { return account_; }

  // Reads the JSON options of the payload (none when empty). False when they are not JSON or
  // a field has the wrong type: the answer is then an error (400).
  bool read_options(std::string_view payload);
  bool leaves_out(const EventServer& server) const { return filter_.leaves_out(server); }
  monitor::SnapshotRequest snapshot_request() const;
  // The answer's payload, or nullopt when nats-server would not answer (an account with no
  // client asked for its statistics or connections, a JetStream request for the leader only).
  // `event_id`: the id a connection event (CONNS) carries.
  std::optional<std::string> answer(const monitor::Snapshot& snap, const EventServer& server,
                                    std::string_view event_id) const;

 private:
  SystemRequest(SystemService service, std::string account);
  void scope_to_account();
  monitor::Rendered render(const monitor::Snapshot& snap) const;
  bool asks_statistics_of(const std::string& account) const;
  std::optional<std::string> conns_event(const monitor::Snapshot& snap, const EventServer& server,
                                         std::string_view event_id) const;

  SystemService service_;
  std::string account_;  // the account a $SYS.REQ.ACCOUNT.<account> request names
  std::optional<std::string> conns_account_;  // the account a CONNS request's JSON names
  std::string options_error_;
  ServerFilter filter_;
  monitor::ConnzOptions connz_;
  monitor::SubszOptions subsz_;
  monitor::RoutezOptions routez_;
  std::string accountz_account_;
  std::vector<std::string> statz_accounts_;
  bool include_unused_ = false;
  bool leader_only_ = false;
};

}  // namespace zats::server
