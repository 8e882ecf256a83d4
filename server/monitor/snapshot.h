// Snapshot: a plain copy of everything the monitoring endpoints show, taken on request from the
// running server through SnapshotSource. The endpoints only read it (sorting, paging and
// filtering happen on the copy), so the workers are asked once per HTTP request and never locked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/monitor/go_format.h"
#include "server/monitor/http_request_counts.h"

namespace zats::server::monitor {

// A trusted operator as /varz shows it: its JWT as configured, and the claims decoded from it
// (jwt's OperatorClaims: empty fields are left out, as there).
struct TrustedOperator {
  std::string jwt;
  std::string audience, id, issuer, name, subject;
  std::int64_t expires = 0, issued_at = 0, not_before = 0;
  std::vector<std::string> signing_keys;
  std::string account_server_url;
  std::vector<std::string> operator_service_urls;
  std::string system_account, assert_server_version;
  bool strict_signing_key_usage = false;
  std::vector<std::string> tags;
  std::int64_t version = 0;
};

// Identity and effective options, as /varz reports them.
struct ServerIdentity {
  std::string server_id;
  std::string server_name;
  std::string version = "2.9.10";
  int proto = 1;
  std::string go = "go1.19.8";
  std::string host = "0.0.0.0";
  int port = 4222;
  bool auth_required = false;
  bool tls_required = false;
  bool tls_verify = false;
  std::vector<std::string> connect_urls;
  int max_connections = 65536;
  int max_subscriptions = 0;  // 0 = unlimited (omitted from /varz)
  Nanos ping_interval = 120'000'000'000;
  int ping_max = 2;
  std::string http_host = "0.0.0.0";
  int http_port = 0;
  std::string http_base_path;
  int https_port = 0;
  double auth_timeout = 2;  // seconds
  std::int32_t max_control_line = 4096;
  int max_payload = 1048576;
  std::int64_t max_pending = 67108864;
  double tls_timeout = 2;  // seconds
  Nanos write_deadline = 10'000'000'000;
  UnixNanos start = 0;
  UnixNanos config_load_time = 0;
  std::vector<std::string> tags;  // server_tags
  std::string system_account;  // empty = none (omitted)
  std::vector<TrustedOperator> trusted_operators;  // operator mode
  std::uint64_t pinned_account_fails = 0;          // logins refused by resolver_pinned_accounts
  // The "cluster" object of /varz; all empty = "{}".
  std::string cluster_name;
  std::string cluster_host;
  int cluster_port = 0;
  double cluster_auth_timeout = 0;
  double cluster_tls_timeout = 0;
  bool cluster_tls_required = false;
  bool cluster_tls_verify = false;
  std::vector<std::string> cluster_urls;
  // zats: the io_uring layer (kernel release, tier in use, whether it was forced, features).
  std::string io_uring_kernel;
  std::string io_uring_tier;
  bool io_uring_tier_forced = false;
  std::vector<std::string> io_uring_features;
};

// Server-wide totals: per-worker counters already summed by the gatherer.
struct Totals {
  std::int64_t mem_rss = 0;  // bytes
  int cores = 0;
  int gomaxprocs = 0;  // zats: number of workers
  double cpu = 0;      // percent, like `ps`
  int connections = 0;
  std::uint64_t total_connections = 0;
  int routes = 0;
  int remotes = 0;
  std::int64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  std::int64_t slow_consumers = 0;
  std::uint32_t subscriptions = 0;
  std::uint64_t log_lines_dropped = 0;  // zats: log lines lost because the output fell behind
};

// zats-only per-worker statistics (shown under "zats" in /varz and in /metrics).
struct WorkerStats {
  int worker = 0;
  std::uint64_t loop_turns = 0;
  double utilisation = 0;  // busy fraction of the loop, 0..1
  std::uint64_t ring_backpressure = 0;  // times a full ring paused a publisher
  std::uint64_t match_cache_hits = 0;
  std::uint64_t match_cache_misses = 0;
  int connections = 0;
  std::uint64_t recv_buffers = 0;        // receive buffers in circulation
  std::uint64_t recv_out_of_buffers = 0;  // receives that found none free
  std::uint64_t registered_sockets = 0;  // sockets on a registered (direct) descriptor
  std::uint64_t recv_buffer_resident_bytes = 0;  // of the ring's memory, resident now
  std::uint64_t recv_buffer_releases = 0;  // times a lightly used ring's memory went back to the system
  std::uint64_t connections_moved_in = 0;   // clients moved here from another worker (--move_connections)
  std::uint64_t connections_moved_out = 0;
  std::uint64_t moves_given_up = 0;  // moves out of this worker given up (the client stayed)
};

struct SubscriptionInfo {
  std::string account;  // shown by /subsz only
  std::string subject;
  std::string queue;  // empty = not a queue subscription
  std::string sid;
  std::int64_t msgs = 0;
  std::int64_t max = 0;  // 0 = no auto-unsubscribe limit
  std::uint64_t cid = 0;
};

// A certificate the peer of a TLS connection presented, as /connz?auth=1 lists it.
struct PeerCertificate {
  std::string subject;      // as nats-server prints it
  std::string spki_sha256;  // hex SHA-256 of the DER SubjectPublicKeyInfo
  std::string cert_sha256;  // hex SHA-256 of the DER certificate
};

// One client connection, open (stop == 0) or closed.
struct ConnectionInfo {
  std::uint64_t cid = 0;
  std::string kind = "Client";
  std::string type = "nats";
  std::string ip;
  int port = 0;
  UnixNanos start = 0;
  UnixNanos last_activity = 0;
  UnixNanos stop = 0;  // closed connections only
  std::string reason;  // closed connections only (docs/compatibility.md, Close reasons)
  Nanos rtt = 0;
  std::int64_t pending_bytes = 0;
  std::int64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  std::uint32_t num_subs = 0;
  std::string name, lang, version;
  std::string tls_version, tls_cipher_suite;
  // Open connections, only when SnapshotRequest::auth_details is set: its own first.
  std::vector<PeerCertificate> tls_peer_certs;
  std::string authorized_user;
  std::string account;  // "$G" for the global account
  // Filled only when SnapshotRequest::subscriptions is set.
  std::vector<SubscriptionInfo> subs;
  // Open connections, only when SnapshotRequest::auth_details is set: a JWT user's JWT, the key
  // that issued it (or an nkey user's account), its name and tags.
  std::string jwt, issuer_key, name_tag;
  std::vector<std::string> tags;
};

// One route connection, for /routez (empty until clustering fills it).
struct RouteInfo {
  std::uint64_t rid = 0;
  std::string remote_id;
  std::string remote_name;  // the peer's server name (statsz only; /routez 2.9 has none)
  bool did_solicit = false;
  bool is_configured = false;
  std::string ip;
  int port = 0;
  UnixNanos start = 0;
  UnixNanos last_activity = 0;
  Nanos rtt = 0;
  std::int64_t pending_size = 0;
  std::int64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  std::uint32_t num_subs = 0;
  std::vector<SubscriptionInfo> subs;  // filled only when SnapshotRequest::subscriptions
};

// The local subscription index statistics (nats-server's SublistStats). The gatherer may sum
// workers with `+=`; avg_fanout is then recomputed from total_fanout / cache_count.
struct SublistStats {
  std::uint32_t num_subscriptions = 0;
  std::uint32_t num_cache = 0;
  std::uint64_t num_inserts = 0, num_removes = 0, num_matches = 0;
  double cache_hit_rate = 0;
  std::uint32_t max_fanout = 0;
  double avg_fanout = 0;
  std::uint64_t total_fanout = 0;  // not shown; lets sums keep a true average
  std::uint64_t cache_count = 0;   // not shown

  SublistStats& operator+=(const SublistStats& o);
};

// /accountz?acc=: an export or an import in force, as nats-server's ExtExport / ExtImport.
struct AccountExportInfo {
  std::string subject;
  bool service = false;
  std::string response_type;  // services
  std::vector<std::string> approved_accounts;
};
struct AccountImportInfo {
  std::string subject;        // stream: as the exporter names it; service: as the importer does
  std::string account;        // the exporter
  std::string local_subject;  // stream: as the importer sees it
  std::string to;             // service: the exporter's subject
  bool service = false;
  bool share = false;         // service: the requester's details go with its requests
};

// A subject mapping as /accountz?acc= shows it (server/subject_mapping.h).
struct AccountMappingInfo {
  struct Destination {
    std::string subject;
    std::uint32_t weight = 0;  // accumulated, lightest destination first
    std::string cluster;
  };
  std::string source;
  std::vector<Destination> destinations;
};

// What a set of client connections published and was sent (messages, payload bytes), and how many
// of them were cut as slow consumers: an account's /accstatz figures.
struct Traffic {
  std::int64_t in_msgs = 0, in_bytes = 0, out_msgs = 0, out_bytes = 0;
  std::int64_t slow_consumers = 0;

  Traffic& operator+=(const Traffic& o);
};

struct AccountInfo {
  std::string name;
  std::vector<AccountExportInfo> exports;  // services first, then streams
  std::vector<AccountImportInfo> imports;  // stream imports, then service imports
  std::vector<AccountMappingInfo> mappings;  // by source
  bool is_system = false;
  UnixNanos update_time = 0;
  int client_connections = 0;
  int leafnode_connections = 0;
  std::uint32_t subscriptions = 0;
  SublistStats sublist;
  Traffic traffic;  // its clients' since the server started, open and closed ones
};

struct Snapshot {
  UnixNanos now = 0;
  ServerIdentity server;
  Totals totals;
  std::vector<WorkerStats> workers;
  std::vector<ConnectionInfo> open;
  std::vector<ConnectionInfo> closed;  // oldest first
  std::vector<RouteInfo> routes;
  SublistStats sublist;
  std::vector<AccountInfo> accounts;
  bool ready = true;  // false: /healthz answers 503 with ready_error
  std::string ready_error;
  HttpRequestStats http_requests;  // the monitoring port's, filled by whoever renders /varz
};

// What an endpoint needs, so the gatherer collects only that. Identity, totals and worker
// statistics are always filled (they are cheap).
struct SnapshotRequest {
  bool open_connections = false;
  bool closed_connections = false;
  bool subscriptions = false;  // ConnectionInfo::subs for the connections requested
  // What /connz?auth=1 adds for open connections: ConnectionInfo::tls_peer_certs, jwt,
  // issuer_key, name_tag and tags.
  bool auth_details = false;
  bool sublist_stats = false;
  bool accounts = false;  // AccountInfo::traffic included
  bool routes = false;
};

// Implemented by the server assembly: gathers a snapshot from the workers.
// Called from the monitoring thread, one call at a time.
class SnapshotSource {
 public:
  virtual ~SnapshotSource();
  virtual Snapshot take(const SnapshotRequest& what) = 0;
};

}  // namespace zats::server::monitor
