// Options: everything the server is configured with, read once at start (flags over the
// config file) and then immutable: a reload builds a new one and hands each worker a
// shared_ptr to it. Nothing reads a global. Defaults are nats-server 2.9.10's
// (docs/compatibility.md, Configuration keys).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/uring_features.h"
#include "server/auth/jwt.h"
#include "server/auth/user.h"
#include "server/permissions.h"
#include "server/tls/tls_context.h"

namespace zats::server {

using Nanos = std::chrono::nanoseconds;

// How new connections are spread over workers: by the kernel (SO_REUSEPORT, the default), or
// round-robin by worker 0 in accept order (deterministic; tests use it to place connections).
enum class Placement { Kernel, RoundRobin };

// Exports and imports of an account, as configured (docs/compatibility.md, Exports and imports;
// server/account_imports.h).
struct AccountExport {
  std::string account;               // the exporting account
  bool service = false;              // stream otherwise
  std::string subject;
  std::vector<std::string> to_accounts;  // empty: public
  std::string response_type = "Singleton";  // service: Singleton, Streamed or Chunked
  // service: how long after a request its responses are still taken back (0: nats-server's
  // default, 2 minutes).
  Nanos response_threshold{0};
  // An account JWT's token_req export: only imports with an activation token may take it.
  bool token_required = false;
  // account_token_position: when not 0, this token of the subject (from 1) is a `*` that an
  // importer must fill with its own account's name; no other account may import it.
  int64_t account_token_position = 0;
};

struct AccountImport {
  std::string account;      // the importing account
  bool service = false;
  std::string from_account;
  std::string subject;
  std::string prefix;  // stream: prepended (with a '.') to the subject
  std::string to;      // stream: the subject in the importing account; service: the local subject
  bool activated = false;  // an account JWT's import whose activation token holds (token_req exports)
  bool share = false;      // service: the requester's details go with its requests (Nats-Request-Info)
};

// Subject mappings (docs/compatibility.md, Subject mappings): what a client publishes in
// `account` on a subject `source` matches goes out on one of the destinations instead, chosen by
// weight (percent); a destination with a `cluster` applies only in the cluster of that name.
struct MapDestination {
  std::string subject;
  int weight = 100;
  std::string cluster;
  bool operator==(const MapDestination&) const = default;
};

struct SubjectMapping {
  std::string account;  // "$G" for the top-level `mappings`
  std::string source;
  std::vector<MapDestination> destinations;
  bool operator==(const SubjectMapping&) const = default;
};

// Operator (JWT) mode (docs/compatibility.md, Operator mode): the trusted operators, and the
// accounts the memory resolver holds (`resolver_preload`), decoded and verified at load. Users
// are not configured: each presents a user JWT its account issued, signing the nonce.
struct OperatorMode {
  std::vector<auth::OperatorJwt> operators;  // `operator`: files or inline JWTs
  // `trusted` / `trusted_keys`: operator public keys trusted without their JWTs.
  std::vector<std::string> configured_trusted_keys;
  bool memory_resolver = false;              // `resolver: MEMORY`
  std::vector<std::pair<std::string, std::string>> preload;  // public key -> account JWT, as configured
  // `resolver_pinned_accounts`: when given, only these accounts' users (and the system
  // account's) may log in.
  std::optional<std::vector<std::string>> pinned_accounts;
  // Filled by finish_options: the keys account JWTs may be signed with (operator identities
  // unless strict_signing_key_usage, and their signing keys), and the preloaded accounts.
  std::vector<std::string> trusted_keys;
  std::vector<auth::AccountJwt> accounts;
  // Preloads that are not in force, or in force with problems, for the start-up log.
  std::vector<std::string> warnings;
  bool loaded = false;  // finish_options has filled the above (and Options::accounts)
  // The lengths of Options' accounts, exports, imports and mappings before the preloads added
  // theirs, so that a claims update (config::update_account_claims) can make them again.
  struct ConfiguredLengths {
    size_t accounts = 0, exports = 0, imports = 0, mappings = 0;
  } configured;

  bool enabled() const { return !operators.empty() || !configured_trusted_keys.empty(); }
  bool trusts(std::string_view key) const {
    for (const std::string& k : trusted_keys)
      if (k == key) return true;
    return false;
  }
  const auth::AccountJwt* account(std::string_view key) const {
    for (const auth::AccountJwt& a : accounts)
      if (a.claims.subject == key) return &a;
    return nullptr;
  }
};

// One route to dial (`cluster { routes: [...] }`, `--routes`): a nats-route:// or nats:// URL.
// Any scheme parses (nats-server takes it too); a URL without a port has port 0 and fails to
// connect, as there.
struct RouteUrl {
  std::string url;       // as configured; logs and monitoring show it with the password hidden
  std::string host;      // an IPv6 address without its brackets
  int port = 0;
  std::string username;  // from "user:password@" in the URL; empty: the cluster's own credentials
  std::string password;
  bool operator==(const RouteUrl&) const = default;
};

// Clustering (`cluster {}`, `--cluster`, `--routes`, ...): full-mesh routes to other servers
// (docs/compatibility.md, Clustering). Off while port is 0.
struct ClusterOptions {
  std::string name;              // empty: a generated ("dynamic") name that gives way to others
  // Where routes connect. Empty until configured, as in nats-server (a reload's refusal and the
  // --routes check tell "not set" apart); finish_options makes it 0.0.0.0 once port != 0.
  std::string host;
  int port = 0;                  // 0: clustering off; -1: a random port
  // Credentials a route must present (`authorization { user, password, timeout }`); the same
  // ones are sent on implicit (gossiped) routes when the peer requires them.
  std::string username;
  std::string password;
  Nanos auth_timeout{0};         // 0: the default, 2 s (with route TLS: its timeout + 1 s)
  std::vector<RouteUrl> routes;  // explicit routes: dialled for as long as they are configured
  std::string advertise;         // host[:port] told to peers instead of the listen address
  bool no_advertise = false;     // peers' client URLs are not passed on to clients (connect_urls)
  int connect_retries = 0;       // tries after the first for an implicit route
  // Route permissions: `import` bounds the subjects this server sends interest for (what it
  // may receive), `export` bounds the remote interest it accepts (what it may send).
  std::optional<SubjectPermission> import_permission;
  std::optional<SubjectPermission> export_permission;
  // Route TLS (`tls {}` in the block; docs/compatibility.md, TLS): every route starts with the
  // handshake, the dialler as the TLS client. Both sides present their certificate and verify
  // the peer's (verification is forced, as nats-server forces it); the dialler also checks the
  // name it dialled unless `insecure`. Null: routes in the clear.
  std::shared_ptr<const tls::TlsContext> tls;
  double tls_timeout = 0;               // seconds; 0: the default (2)
  bool tls_map = false;                 // verify_and_map: the certificate names the cluster user
  bool tls_check_known_urls = false;    // verify_cert_and_check_known_urls: a DNS name of a route
  std::set<std::string> tls_pinned_certs;
  uint64_t tls_timeout_ns() const {
    return static_cast<uint64_t>((tls_timeout > 0 ? tls_timeout : tls::kDefaultTlsTimeoutSeconds) * 1e9);
  }
  bool enabled() const { return port != 0; }
  bool operator==(const ClusterOptions&) const = default;  // a reload's "cluster changed"
};

struct Options {
  // Where clients connect.
  std::string host = "0.0.0.0";
  int port = 4222;                 // -1: random, 0: default (4222)
  std::string server_name;         // empty: the server id
  std::string client_advertise;

  // Limits (docs/compatibility.md, Limits and Slow consumers).
  int64_t max_payload = 1048576;
  int64_t max_pending = 64 * 1024 * 1024;
  int32_t max_control_line = 4096;
  int64_t max_connections = 65536;  // < 0: no limit
  int64_t max_subscriptions = 0;    // 0: unlimited
  Nanos ping_interval = std::chrono::minutes(2);
  int ping_max = 2;
  Nanos write_deadline = std::chrono::seconds(10);
  bool no_header_support = false;
  int max_sub_tokens = 0;  // 0: no limit

  // Logging.
  bool debug = false;
  bool trace = false;
  bool log_time = true;
  std::string log_file;
  std::string pid_file;
  std::string ports_file_dir;
  bool trace_verbose = false;
  int64_t log_size_limit = 0;
  int64_t max_traced_msg_len = 0;
  bool syslog = false;
  std::string remote_syslog;
  bool log_json = false;  // zats: JSON lines instead of nats-server's text lines

  // Authentication (docs/compatibility.md, Authentication): a token, a single user, or a users list
  // (with accounts) of name/password and nkey users.
  std::string username;
  std::string password;
  std::string token;
  std::vector<auth::User> users;
  std::string no_auth_user;
  Nanos auth_timeout{0};  // 0: the default, 2 s (with TLS: the TLS timeout + 1 s)
  bool auth_required() const {
    return !users.empty() || !username.empty() || !token.empty() || operator_mode.enabled();
  }
  // nkey and JWT users sign the nonce each INFO then carries (nkey.go nonceRequired).
  bool nonce_required() const {
    if (operator_mode.enabled()) return true;
    for (const auth::User& u : users)
      if (u.is_nkey()) return true;
    return false;
  }

  // TLS for client connections (docs/compatibility.md, TLS), as nats-server keeps it: the context built
  // from the `tls {}` block or the --tls* flags (null: no TLS), and beside it the block's keys
  // that the flags do not override.
  std::shared_ptr<const tls::TlsContext> tls;
  double tls_timeout = 0;              // seconds; 0: the default (2)
  bool tls_map = false;                // verify_and_map: the client certificate names the user
  std::set<std::string> tls_pinned_certs;
  int64_t tls_rate_limit = 0;          // connection_rate_limit (new TLS connections per second)
  bool allow_non_tls = false;          // plaintext clients too, on the same port
  // Nanoseconds of the TLS handshake timeout in force.
  uint64_t tls_timeout_ns() const {
    return static_cast<uint64_t>((tls_timeout > 0 ? tls_timeout : tls::kDefaultTlsTimeoutSeconds) * 1e9);
  }

  // Operation and accepted-but-inert keys (kept so a reload can tell what changed).
  Nanos lame_duck_duration = std::chrono::minutes(2);
  Nanos lame_duck_grace_period = std::chrono::seconds(10);
  std::string system_account = "$SYS";
  bool system_account_given = false;  // configured (else operator mode takes the operator's)
  bool no_system_account = false;
  int64_t connect_error_reports = 3600;
  int64_t reconnect_error_reports = 1;
  std::vector<std::string> server_tags;
  bool no_sublist_cache = false;

  ClusterOptions cluster;

  // Monitoring (served by a later step; parsed now so command lines keep working).
  std::string http_host;
  int http_port = 0;
  int https_port = 0;
  std::string http_base_path;

  // zats's own: worker threads (0: one per CPU in the affinity mask).
  int cores = 0;
  Placement placement = Placement::Kernel;
  // Move a client connection to the worker most of its messages come from, so that talking
  // peers share a worker and a request/reply needs no wake-up across CPUs (worker_handover.cpp).
  bool move_connections = true;
  // Pin each worker to its own CPU. Off by default, as nats-server never pins: a pinned worker
  // whose CPU is busy with another process waits while other CPUs idle, and on a box shared
  // with clients, benchmarks or a second server (two zats nodes pin their workers to the same
  // CPUs) that costs up to half the throughput (perf/RESULTS.md, Pinning). On a machine whose
  // CPUs are the server's alone, --pin keeps each worker's cache warm.
  bool pin_workers = false;
  // Busy-poll at most this long before sleeping in the kernel, as IdlePollPolicy decides from
  // recent cross-worker traffic, so a request/reply across workers need not pay a full
  // wake-up each time. Only with several workers: a single worker has no peer to wait for.
  std::chrono::microseconds idle_poll{20};
  // The io_uring tier (--io_uring_tier, config io_uring_tier): Newest uses what the kernel
  // offers; an older tier forces its feature set (Server::start refuses one the kernel lacks).
  core::UringTier io_uring_tier = core::UringTier::Newest;
  // The most receive buffers (64 KiB each) a worker's provided buffer ring grows to; it starts
  // with 16 (--recv_buffers, a power of two).
  int recv_buffers = 32;
  // Sockets per worker on registered (direct) io_uring descriptors (--registered_files; 0 =
  // none); the sockets beyond them use their plain descriptors.
  int registered_files = 4096;

  // Accounts configured besides the global one ($G); filled from the config file.
  std::vector<std::string> accounts;
  std::vector<AccountExport> account_exports;
  std::vector<AccountImport> account_imports;
  // In the order configured; a later mapping of the same source in one account replaces the
  // earlier. Valid ones only: the config check refuses the others.
  std::vector<SubjectMapping> subject_mappings;
  OperatorMode operator_mode;

  std::string config_file;
};

}  // namespace zats::server
