// Top-level keys of the configuration file (opts.go processConfigFileLine, core subset).
#include "server/config/options_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string>
#include <string_view>

#include "server/account.h"
#include "server/config/config_parser.h"
#include "server/config/duration.h"
#include "server/config/host_port.h"
#include "server/config/options_cluster.h"
#include "server/config/options_reader.h"

namespace zats::server::config {
namespace {

using Handler = std::function<void(OptionsReader&, const ConfigMapEntry&, Options&)>;

Handler str(std::string Options::*field) {
  return [field](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_string(e, &(o.*field)); };
}

Handler boolean(bool Options::*field) {
  return [field](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_bool(e, &(o.*field)); };
}

template <class T>
Handler integer(T Options::*field) {
  return [field](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
    int64_t n = 0;
    if (r.get_int(e, &n)) o.*field = static_cast<T>(n);
  };
}

// Sizes that nats-server keeps in an int32.
Handler int32_limit(int64_t Options::*field) {
  return [field](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
    int64_t n = 0;
    if (!r.get_int(e, &n)) return;
    if (n > INT32_MAX) return r.error(e.key_pos, e.key + " value is too big");
    o.*field = n;
  };
}

Handler unsupported(std::string_view what = {}) {
  return [what](OptionsReader& r, const ConfigMapEntry& e, Options&) { r.not_supported(e, what); };
}

void read_lame_duck(OptionsReader& r, const ConfigMapEntry& e, Nanos* out, bool duration) {
  std::string text;
  if (!r.get_string(e, &text)) return;
  int64_t nanos = 0;
  std::string why;
  if (!parse_go_duration(text, &nanos, &why)) return r.error(e.key_pos, "error parsing " + e.lower_key + ": " + why);
  if (duration && nanos < 30'000'000'000LL)
    return r.error(e.key_pos, "invalid lame_duck_duration of " + format_go_duration(nanos) + ", minimum is 30 seconds");
  if (!duration && nanos < 0) return r.error(e.key_pos, "invalid lame_duck_grace_period, needs to be positive");
  *out = Nanos(nanos);
}

// zats's own: the io_uring tier, as a string ("5.19") or a bare number (5.19, 6.0).
void read_io_uring_tier(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  std::string text;
  if (e.value.is_float()) {
    for (core::UringTier t : {core::UringTier::Linux5_19, core::UringTier::Linux6_0, core::UringTier::Linux6_1})
      if (std::abs(e.value.as_float() - std::stod(core::tier_name(t))) < 1e-9) text = core::tier_name(t);
  } else if (!r.get_string(e, &text)) {
    return;
  }
  if (!core::parse_tier(text, &o.io_uring_tier))
    r.error(e.key_pos, "io_uring_tier must be 5.19, 6.0, 6.1 or newest");
}

const std::vector<std::pair<std::vector<std::string_view>, Handler>>& handlers() {
  static const std::vector<std::pair<std::vector<std::string_view>, Handler>> table = {
      {{"listen"}, [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_listen(e, &o.host, &o.port); }},
      {{"port"}, integer(&Options::port)},
      {{"host", "net"}, str(&Options::host)},
      {{"server_name"}, str(&Options::server_name)},
      {{"client_advertise"}, str(&Options::client_advertise)},
      {{"debug"}, boolean(&Options::debug)},
      {{"trace"}, boolean(&Options::trace)},
      {{"trace_verbose"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
         if (r.get_bool(e, &o.trace_verbose)) o.trace = o.trace_verbose;
       }},
      {{"logtime"}, boolean(&Options::log_time)},
      {{"logfile", "log_file"}, str(&Options::log_file)},
      {{"logfile_size_limit", "log_size_limit"}, integer(&Options::log_size_limit)},
      {{"syslog"}, boolean(&Options::syslog)},
      {{"remote_syslog"}, str(&Options::remote_syslog)},
      {{"log_json"}, boolean(&Options::log_json)},
      {{"pidfile", "pid_file"}, str(&Options::pid_file)},
      {{"ports_file_dir"}, str(&Options::ports_file_dir)},
      {{"http"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_listen(e, &o.http_host, &o.http_port); }},
      {{"http_port", "monitor_port"}, integer(&Options::http_port)},
      {{"http_base_path"}, str(&Options::http_base_path)},
      {{"https"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_listen(e, &o.http_host, &o.https_port); }},
      {{"https_port"}, integer(&Options::https_port)},
      {{"max_control_line"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
         int64_t n = 0;
         if (!r.get_int(e, &n)) return;
         if (n > INT32_MAX) return r.error(e.key_pos, e.key + " value is too big");
         o.max_control_line = static_cast<int32_t>(n);
       }},
      {{"max_payload"}, int32_limit(&Options::max_payload)},
      {{"max_pending"}, integer(&Options::max_pending)},
      {{"max_connections", "max_conn"}, integer(&Options::max_connections)},
      {{"max_subscriptions", "max_subs"}, integer(&Options::max_subscriptions)},
      {{"max_sub_tokens", "max_subscription_tokens"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
         int64_t n = 0;
         if (!r.get_int(e, &n)) return;
         if (n > 255) return r.error(e.key_pos, e.key + " value is too big");
         if (n <= 0) return r.error(e.key_pos, e.key + " value can not be negative");
         o.max_sub_tokens = static_cast<int>(n);
       }},
      {{"max_traced_msg_len"}, integer(&Options::max_traced_msg_len)},
      {{"ping_interval"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_legacy_duration(e, &o.ping_interval); }},
      {{"ping_max"}, integer(&Options::ping_max)},
      {{"write_deadline"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { r.get_legacy_duration(e, &o.write_deadline); }},
      {{"lame_duck_duration"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { read_lame_duck(r, e, &o.lame_duck_duration, true); }},
      {{"lame_duck_grace_period"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
         read_lame_duck(r, e, &o.lame_duck_grace_period, false);
       }},
      {{"no_header_support"}, boolean(&Options::no_header_support)},
      {{"authorization"}, read_authorization},
      {{"accounts"}, read_accounts},
      {{"cluster"}, read_cluster},
      {{"no_auth_user"}, str(&Options::no_auth_user)},
      {{"system_account", "system"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
         o.system_account_given = r.get_string(e, &o.system_account);
       }},
      {{"no_system_account", "no_system", "no_sys_acc"}, boolean(&Options::no_system_account)},
      {{"connect_error_reports"}, integer(&Options::connect_error_reports)},
      {{"reconnect_error_reports"}, integer(&Options::reconnect_error_reports)},
      {{"server_tags"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) {
         // jwt TagList.Add: lower case, trimmed, each once, empty ones left out. A value that is
         // not a string stops the list with opts.go's own text, at the key.
         std::vector<std::string> given;
         if (e.value.is_string()) {
           given.push_back(e.value.as_string());
         } else if (!e.value.is_array()) {
           return r.error(e.key_pos, "error parsing tags: unsupported type " + std::string(e.value.go_type_name()));
         } else {
           for (const ConfigValue& v : e.value.as_array()) {
             if (!v.is_string())
               return r.error(e.key_pos, "error parsing tags: unsupported type *conf.token where string is expected");
             given.push_back(v.as_string());
           }
         }
         for (std::string& t : given) {
           t = std::string(trim_space(t));
           for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
           if (!t.empty() && std::find(o.server_tags.begin(), o.server_tags.end(), t) == o.server_tags.end())
             o.server_tags.push_back(std::move(t));
         }
       }},
      {{"disable_sublist_cache", "no_sublist_cache"}, boolean(&Options::no_sublist_cache)},
      {{"prof_port"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options&) {
         int64_t n = 0;
         if (r.get_int(e, &n) && n != 0) r.not_supported(e, "prof_port (profiling)");
       }},
      {{"tls"}, read_tls},
      {{"allow_non_tls"}, boolean(&Options::allow_non_tls)},
      {{"mappings", "maps"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options& o) { read_mappings(r, e, std::string(server::kGlobalAccountName), o); }},
      // Only meaningful with JetStream (refused below), but its form is checked as nats-server does.
      {{"default_js_domain"},
       [](OptionsReader& r, const ConfigMapEntry& e, Options&) {
         if (!e.value.is_map())
           return r.error(e.key_pos, "error default_js_domain config: unsupported type " + std::string(e.value.go_type_name()));
         r.ignored(e);
       }},
      {{"io_uring_tier"}, read_io_uring_tier},
      // Features zats does not have yet: refuse rather than run without them.
      {{"leafnodes", "leaf"}, unsupported()},
      {{"gateway"}, unsupported()},
      {{"websocket", "ws"}, unsupported()},
      {{"mqtt"}, unsupported()},
      {{"jetstream", "store_dir", "storedir"}, unsupported()},
      {{"operator", "operators", "roots", "root", "root_operators", "root_operator"}, read_operator},
      {{"resolver", "account_resolver", "accounts_resolver", "resolver_preload", "resolver_pinned_accounts", "trusted",
        "trusted_keys"},
       read_operator_mode_key},
      {{"resolver_tls"}, unsupported("resolver_tls (for URL resolvers)")},
      {{"ocsp"}, unsupported()},
  };
  return table;
}

const Handler* find_handler(std::string_view lower_key) {
  for (const auto& [names, handler] : handlers())
    for (std::string_view n : names)
      if (n == lower_key) return &handler;
  return nullptr;
}

}  // namespace

void apply_config(const ConfigValue& root, Options& options, OptionsDiagnostics& diag) {
  OptionsReader reader(diag);
  if (!root.is_map()) return;
  for (const ConfigMapEntry& entry : root.as_map()) {
    const Handler* handler = find_handler(entry.lower_key);
    if (handler == nullptr) {
      reader.unknown_field(entry);
      continue;
    }
    (*handler)(reader, entry, options);
  }
}

bool apply_config_file(const std::string& path, Options& options, OptionsDiagnostics& diag) {
  options.config_file = path;
  ConfigValue root;
  std::string error;
  if (!parse_config_file(path, &root, &error)) {
    diag.errors.push_back(error);
    return false;
  }
  apply_config(root, options, diag);
  return diag.ok();
}

bool finish_options(Options& o, std::string* error) {
  if (o.host.empty()) o.host = "0.0.0.0";
  if (o.max_connections == 0) o.max_connections = 65536;
  if (o.ping_interval.count() == 0) o.ping_interval = std::chrono::minutes(2);
  if (o.ping_max == 0) o.ping_max = 2;
  if (o.tls_timeout == 0) o.tls_timeout = tls::kDefaultTlsTimeoutSeconds;
  // With TLS the CONNECT may come only after the handshake: one second more than its timeout.
  if (o.auth_timeout.count() == 0)
    o.auth_timeout = o.tls ? Nanos(go_float_seconds_to_nanos(o.tls_timeout + 1.0)) : std::chrono::seconds(2);
  if (o.max_payload == 0) o.max_payload = 1048576;
  if (!finish_operator_mode(o, error)) return false;
  if (o.max_control_line == 0) o.max_control_line = 4096;
  if (o.max_pending == 0) o.max_pending = 64 * 1024 * 1024;
  if (o.write_deadline.count() == 0) o.write_deadline = std::chrono::seconds(10);
  if (o.lame_duck_duration.count() > 0 && o.lame_duck_grace_period >= o.lame_duck_duration) {
    *error = "lame duck grace period (" + format_go_duration(o.lame_duck_grace_period.count()) +
             ") should be strictly lower than lame duck duration (" +
             format_go_duration(o.lame_duck_duration.count()) + ")";
    return false;
  }
  if (o.max_payload > o.max_pending) {
    *error = "max_payload (" + std::to_string(o.max_payload) + ") cannot be higher than max_pending (" +
             std::to_string(o.max_pending) + ")";
    return false;
  }
  if (!o.no_auth_user.empty()) {
    bool password_users = false;
    for (const auth::User& u : o.users) password_users = password_users || !u.is_nkey();
    if (!password_users) {
      *error = "no_auth_user: \"" + o.no_auth_user + "\" present, but users are not defined";
      return false;
    }
    bool found = false;
    for (const auth::User& u : o.users) found = found || u.name == o.no_auth_user;
    if (!found) {
      *error = "no_auth_user: \"" + o.no_auth_user +
               "\" not present as user in authorization block or account configuration";
      return false;
    }
  }
  // Last: nats-server checks cluster_advertise only when it starts routing.
  return finish_cluster_options(o.cluster, error);
}

}  // namespace zats::server::config
