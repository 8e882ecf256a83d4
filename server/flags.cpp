#include "server/flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

#include "proto/encode.h"
#include "server/config/duration.h"

namespace zats::server {
namespace {

enum class Kind { Bool, String, Int };

struct Flag {
  std::vector<std::string_view> names;
  Kind kind;
  std::string_view option;  // canonical option name recorded in FlagResult::given
  // Applies the value; returns an error text or empty.
  std::function<std::string(std::string_view value, bool bool_value, FlagResult&)> apply;
};

bool parse_int(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_bool(std::string_view text, bool* out) {
  // Go's strconv.ParseBool.
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (auto t : kTrue) if (text == t) return *out = true, true;
  for (auto f : kFalse) if (text == f) return *out = false, true;
  return false;
}

std::string not_yet(std::string_view what) {
  return std::string(what) + " is not supported by this version of zats yet";
}

std::vector<Flag> flag_table(Options& o) {
  auto str = [](std::string& field) {
    return [&field](std::string_view v, bool, FlagResult&) { field = std::string(v); return std::string(); };
  };
  auto boolean = [](bool& field) {
    return [&field](std::string_view, bool b, FlagResult&) { field = b; return std::string(); };
  };
  auto action = [](FlagAction a) {
    return [a](std::string_view, bool b, FlagResult& r) { if (b) r.action = a; return std::string(); };
  };
  auto unsupported = [](std::string_view what) {
    return [what](std::string_view, bool, FlagResult&) { return not_yet(what); };
  };
  // An integer flag (already checked to parse) kept within [lo, hi], stored by `store`.
  auto integer = [](int64_t lo, int64_t hi, std::string range_error, auto store) {
    return [=](std::string_view v, bool, FlagResult&) {
      int64_t n = 0;
      parse_int(v, &n);
      if (n < lo || n > hi) return range_error;
      store(n);
      return std::string();
    };
  };
  // A Go duration ("2m", "500ms") for a lame duck setting: no 30s minimum, unlike the file.
  auto lame_duck = [](std::string flag, Nanos& field) {
    return [flag, &field](std::string_view v, bool, FlagResult&) {
      int64_t nanos = 0;
      std::string why;
      if (!config::parse_go_duration(v, &nanos, &why)) return "invalid value \"" + std::string(v) + "\" for flag -" + flag + ": " + why;
      if (nanos < 0) return "-" + flag + " must not be negative";
      field = Nanos(nanos);
      return std::string();
    };
  };
  constexpr int64_t kIntMin = INT32_MIN, kIntMax = INT32_MAX;
  return {
      {{"h", "help"}, Kind::Bool, "", action(FlagAction::ShowHelp)},
      {{"v", "version"}, Kind::Bool, "", action(FlagAction::ShowVersion)},
      {{"help_tls"}, Kind::Bool, "", action(FlagAction::ShowTlsHelp)},
      {{"t"}, Kind::Bool, "", action(FlagAction::CheckConfig)},
      {{"p", "port"}, Kind::Int, "port",
       integer(kIntMin, kIntMax, "--port is out of range", [&o](int64_t n) { o.port = static_cast<int>(n); })},
      {{"a", "addr", "net"}, Kind::String, "host", str(o.host)},
      {{"n", "name", "server_name"}, Kind::String, "server_name", str(o.server_name)},
      {{"client_advertise"}, Kind::String, "client_advertise", str(o.client_advertise)},
      {{"D", "debug"}, Kind::Bool, "debug", boolean(o.debug)},
      {{"V", "trace", "VV"}, Kind::Bool, "trace", boolean(o.trace)},
      {{"DV", "DVV"}, Kind::Bool, "debug",
       [&o](std::string_view, bool b, FlagResult& r) {
         o.debug = o.trace = b;
         r.given.insert("trace");
         return std::string();
       }},
      {{"T", "logtime"}, Kind::Bool, "logtime", boolean(o.log_time)},
      {{"l", "log"}, Kind::String, "log_file", str(o.log_file)},
      {{"P", "pid"}, Kind::String, "pid_file", str(o.pid_file)},
      {{"ports_file_dir"}, Kind::String, "ports_file_dir", str(o.ports_file_dir)},
      {{"c", "config"}, Kind::String, "", str(o.config_file)},
      {{"m", "http_port"}, Kind::Int, "http_port",
       integer(kIntMin, kIntMax, "--http_port is out of range", [&o](int64_t n) { o.http_port = static_cast<int>(n); })},
      {{"sl", "signal"}, Kind::String, "",
       [](std::string_view v, bool, FlagResult& r) {
         r.signal = std::string(v);
         r.action = FlagAction::Signal;
         return std::string();
       }},
      {{"cores"}, Kind::Int, "cores",
       integer(0, 1024, "--cores must be between 0 and 1024", [&o](int64_t n) { o.cores = static_cast<int>(n); })},
      {{"pin"}, Kind::Bool, "pin", boolean(o.pin_workers)},
      {{"placement"}, Kind::String, "placement",
       [&o](std::string_view v, bool, FlagResult&) {
         if (v == "kernel") o.placement = Placement::Kernel;
         else if (v == "round-robin" || v == "round_robin") o.placement = Placement::RoundRobin;
         else return std::string("--placement must be kernel or round-robin");
         return std::string();
       }},
      {{"move_connections"}, Kind::Bool, "move_connections", boolean(o.move_connections)},
      {{"idle_poll_us"}, Kind::Int, "idle_poll",
       integer(0, 1000000, "--idle_poll_us must be between 0 and 1000000",
               [&o](int64_t n) { o.idle_poll = std::chrono::microseconds(n); })},
      {{"io_uring_tier"}, Kind::String, "io_uring_tier",
       [&o](std::string_view v, bool, FlagResult&) {
         if (core::parse_tier(v, &o.io_uring_tier)) return std::string();
         return "--io_uring_tier must be 5.19, 6.0, 6.1 or newest, not \"" + std::string(v) + "\"";
       }},
      {{"recv_buffers"}, Kind::Int, "recv_buffers",
       [&o](std::string_view v, bool, FlagResult&) {
         int64_t n = 0;
         parse_int(v, &n);
         if (n < 1 || n > 32768 || (n & (n - 1)) != 0)
           return std::string("--recv_buffers must be a power of two between 1 and 32768");
         o.recv_buffers = static_cast<int>(n);
         return std::string();
       }},
      {{"registered_files"}, Kind::Int, "registered_files",
       integer(0, 65536, "--registered_files must be between 0 and 65536",
               [&o](int64_t n) { o.registered_files = static_cast<int>(n); })},
      // Clustering: --cluster and --routes are applied after the file is read
      // (config::apply_cluster_flags), as nats-server's overrideCluster.
      {{"routes"}, Kind::String, "routes",
       [](std::string_view v, bool, FlagResult& r) { r.routes = std::string(v); return std::string(); }},
      {{"cluster", "cluster_listen"}, Kind::String, "cluster_listen",
       [](std::string_view v, bool, FlagResult& r) { r.cluster_listen = std::string(v); return std::string(); }},
      {{"cluster_advertise"}, Kind::String, "cluster_advertise", str(o.cluster.advertise)},
      {{"no_advertise"}, Kind::Bool, "no_advertise", boolean(o.cluster.no_advertise)},
      {{"connect_retries"}, Kind::Int, "connect_retries",
       integer(INT64_MIN, INT64_MAX, "", [&o](int64_t n) {
         o.cluster.connect_retries = static_cast<int>(std::clamp<int64_t>(n, INT32_MIN, INT32_MAX));
       })},
      // Taken verbatim: quotes typed into a shell command line stay part of the name.
      {{"cluster_name"}, Kind::String, "cluster_name", str(o.cluster.name)},
      // Accepted by nats-server, not yet by zats: refuse clearly rather than run without them.
      {{"user"}, Kind::String, "username", str(o.username)},
      {{"pass"}, Kind::String, "password", str(o.password)},
      {{"auth"}, Kind::String, "token", str(o.token)},
      {{"ms", "https_port"}, Kind::Int, "https_port",
       integer(kIntMin, kIntMax, "--https_port is out of range", [&o](int64_t n) { o.https_port = static_cast<int>(n); })},
      {{"s", "syslog"}, Kind::Bool, "syslog", boolean(o.syslog)},
      {{"r", "remote_syslog"}, Kind::String, "remote_syslog", str(o.remote_syslog)},
      {{"log_json"}, Kind::Bool, "log_json", boolean(o.log_json)},
      {{"lame_duck_duration"}, Kind::String, "lame_duck_duration",
       lame_duck("lame_duck_duration", o.lame_duck_duration)},
      {{"lame_duck_grace_period"}, Kind::String, "lame_duck_grace_period",
       lame_duck("lame_duck_grace_period", o.lame_duck_grace_period)},
      {{"log_size_limit"}, Kind::Int, "log_size_limit",
       integer(INT64_MIN, INT64_MAX, "", [&o](int64_t n) { o.log_size_limit = n; })},
      {{"max_traced_msg_len"}, Kind::Int, "max_traced_msg_len",
       integer(0, INT64_MAX, "--max_traced_msg_len must not be negative", [&o](int64_t n) { o.max_traced_msg_len = n; })},
      {{"profile"}, Kind::Int, "", unsupported("--profile")},
      {{"tls"}, Kind::Bool, "tls", [](std::string_view, bool b, FlagResult& r) { r.tls.tls = b; return std::string(); }},
      {{"tlsverify"}, Kind::Bool, "tlsverify",
       [](std::string_view, bool b, FlagResult& r) { r.tls.verify = b; return std::string(); }},
      {{"tlscert"}, Kind::String, "tlscert",
       [](std::string_view v, bool, FlagResult& r) { r.tls.cert = std::string(v); return std::string(); }},
      {{"tlskey"}, Kind::String, "tlskey",
       [](std::string_view v, bool, FlagResult& r) { r.tls.key = std::string(v); return std::string(); }},
      {{"tlscacert"}, Kind::String, "tlscacert",
       [](std::string_view v, bool, FlagResult& r) { r.tls.ca = std::string(v); return std::string(); }},
      {{"js", "jetstream"}, Kind::Bool, "", unsupported("JetStream")},
      {{"sd", "store_dir"}, Kind::String, "", unsupported("JetStream")},
  };
}

const Flag* find_flag(const std::vector<Flag>& table, std::string_view name) {
  for (const Flag& f : table)
    for (auto n : f.names)
      if (n == name) return &f;
  return nullptr;
}

// Applies one flag occurrence; `next` is the following argv entry (may be consumed).
std::string apply_flag(const Flag& flag, std::string_view name, std::string_view inline_value,
                       bool has_inline, const char* next, int& i, FlagResult& result) {
  std::string_view value = inline_value;
  bool bool_value = true;
  if (flag.kind == Kind::Bool) {
    if (has_inline && !parse_bool(inline_value, &bool_value))
      return "invalid boolean value \"" + std::string(inline_value) + "\" for -" + std::string(name) + ": parse error";
  } else if (!has_inline) {
    if (next == nullptr) return "flag needs an argument: -" + std::string(name);
    value = next;
    ++i;
  }
  if (flag.kind == Kind::Int) {
    int64_t n = 0;
    if (!parse_int(value, &n))
      return "invalid value \"" + std::string(value) + "\" for flag -" + std::string(name) + ": parse error";
  }
  if (!flag.option.empty()) result.given.insert(std::string(flag.option));
  return flag.apply(value, bool_value, result);
}

// What follows the flags (server.go ProcessCommandLineArgs): `version` and `help` act as
// their flags; anything else is refused, naming it.
void command_argument(std::string_view arg, FlagResult& result) {
  std::string lower(arg);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "version") {
    result.action = FlagAction::ShowVersion;
  } else if (lower == "help") {
    result.action = FlagAction::ShowHelp;
  } else {
    result.error = "unrecognized command: " + proto::go_quoted(arg);
    result.error_with_usage = false;
  }
}

}  // namespace

FlagResult parse_flags(int argc, const char* const* argv, Options& options) {
  FlagResult result;
  const std::vector<Flag> table = flag_table(options);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--" || arg.size() < 2 || arg[0] != '-') {  // Go stops at the first non-flag
      int first = arg == "--" ? i + 1 : i;
      // -v/-h win over a stray argument, as in the reference (they act before it is looked at).
      bool shown = result.action == FlagAction::ShowHelp || result.action == FlagAction::ShowVersion ||
                   result.action == FlagAction::ShowTlsHelp;
      if (first < argc && !shown) command_argument(argv[first], result);
      break;
    }
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    size_t eq = arg.find('=');
    std::string_view name = arg.substr(0, eq);
    std::string_view inline_value = eq == std::string_view::npos ? "" : arg.substr(eq + 1);
    const Flag* flag = find_flag(table, name);
    if (flag == nullptr) {
      result.error = "flag provided but not defined: -" + std::string(name);
      return result;
    }
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    std::string err = apply_flag(*flag, name, inline_value, eq != std::string_view::npos, next, i, result);
    if (!err.empty()) {
      result.error = err;
      return result;
    }
  }
  return result;
}

// Go visits the flags that were set in lexical order ("tls" < "tlscacert" < ... < "tlsverify"),
// which is the order of the `given` set.
bool apply_tls_flags(const FlagResult& flags, Options& options, std::string* error) {
  bool disabled = false;
  bool override_tls = false;
  for (const std::string& name : flags.given) {
    if (name.rfind("tls", 0) != 0) continue;
    if (name == "tls" && !flags.tls.tls) {
      options.tls = nullptr;
      disabled = true;
      override_tls = false;
    } else if (!disabled) {
      override_tls = true;
    }
  }
  if (!override_tls) return true;
  if (flags.tls.cert.empty()) {
    *error = "TLS Server certificate must be present and valid";
    return false;
  }
  if (flags.tls.key.empty()) {
    *error = "TLS Server private key must be present and valid";
    return false;
  }
  tls::TlsOptions o;
  o.cert_file = flags.tls.cert;
  o.key_file = flags.tls.key;
  o.ca_file = flags.tls.ca;
  o.verify = flags.tls.verify;
  options.tls = tls::TlsContext::create(o, error);
  return options.tls != nullptr;
}

const char* usage_text() {
  return R"(
Usage: zats [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring
    -ms,--https_port <port>          Use port for https monitoring
    -c, --config <file>              Configuration file
    -t                               Test configuration and exit
    -sl,--signal <signal>[=<pid>]    Send signal to zats process (ldm, stop, quit, term, reopen, reload)
                                     pid> can be either a PID (e.g. 1) or the path to a PID file (e.g. /var/run/zats.pid)
        --client_advertise <string>  Client URL to advertise to other servers
        --ports_file_dir <dir>       Creates a ports file in the specified directory (<executable_name>_<pid>.ports).

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

TLS Options:
        --tls                        Enable TLS, do not verify clients (default: false)
        --tlscert <file>             Server certificate file
        --tlskey <file>              Private key for server certificate
        --tlsverify                  Enable TLS, verify client certificates
        --tlscacert <file>           Client certificate CA for verification

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
    -s, --syslog                     Log to syslog
    -r, --remote_syslog <addr>       Syslog server addr (udp://localhost:514)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -VV                              Verbose trace (same as -V: zats has no internal system clients)
    -DV                              Debug and trace
        --log_size_limit <limit>     Logfile size limit (default: auto)
        --max_traced_msg_len <len>   Maximum printable length for traced messages (default: unlimited)

Cluster Options:
        --routes <rurl-1, rurl-2>    Routes to solicit and connect
        --cluster <cluster-url>      Cluster URL for solicited routes
        --cluster_name <string>      Cluster Name, if not set one will be dynamically generated
        --no_advertise <bool>        Do not advertise known cluster information to clients
        --cluster_advertise <string> Cluster URL to advertise to other servers
        --connect_retries <number>   For implicit routes, number of connect retries
        --cluster_listen <url>       Cluster url from which members can solicit routes

zats Options:
        --cores <n>                  Worker threads, one per core (default: every CPU in the affinity mask)
        --pin=<bool>                 Pin each worker to its own CPU (default: false)
        --placement <how>            Spread connections over workers: kernel (SO_REUSEPORT, default)
                                     or round-robin (in accept order; deterministic, for tests)
        --move_connections=<bool>    Move a client to the worker most of its messages come from
                                     (default: true)
        --idle_poll_us <us>          With several workers, busy-poll up to this long before sleeping
                                     (adaptive; default: 20, 0 = never)
        --io_uring_tier <tier>       Use only the io_uring features of Linux 5.19, 6.0 or 6.1
                                     (default: newest, what the kernel offers)
        --recv_buffers <n>           Most 64 KiB receive buffers per worker (power of two; default:
                                     32); each worker starts with 16 and grows when they run out
        --registered_files <n>       Sockets per worker on registered io_uring descriptors (default:
                                     4096, 0 = none); the rest use plain descriptors
        --log_json                   Log JSON lines (time, level, msg, fields) instead of text
        --lame_duck_duration <dur>   Lame duck mode: close clients over this long (default: 2m; no 30s minimum)
        --lame_duck_grace_period <dur>
                                     Lame duck mode: wait this long before closing clients (default: 10s)

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version
        --help_tls                   TLS help
)";
}

}  // namespace zats::server
