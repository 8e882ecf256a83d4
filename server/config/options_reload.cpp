// Reload refusals, field by field, named as Go's Options fields are.
#include "server/config/options_reload.h"

#include "server/config/duration.h"

namespace zats::server::config {
namespace {

std::string text(const std::string& v) { return v; }
std::string text(int64_t v) { return std::to_string(v); }
std::string text(bool v) { return v ? "true" : "false"; }
std::string text(Nanos v) { return format_go_duration(v.count()); }
std::string text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
  return out + "]";
}

template <class T>
bool differs(std::string* why, const char* field, const T& old_value, const T& new_value) {
  if (old_value == new_value || !why->empty()) return false;
  *why = std::string("config reload not supported for ") + field + ": old=" + text(old_value) +
         ", new=" + text(new_value);
  return true;
}

}  // namespace

std::string reload_refusal(const Options& o, const Options& n) {
  std::string why;
  differs(&why, "Host", o.host, n.host);
  if (n.port != 0) differs<int64_t>(&why, "Port", o.port, n.port);  // 0: keep the port (as Go's RANDOM)
  differs(&why, "ServerName", o.server_name, n.server_name);
  differs(&why, "MaxPending", o.max_pending, n.max_pending);
  differs(&why, "MaxSubs", o.max_subscriptions, n.max_subscriptions);
  differs<int64_t>(&why, "MaxSubTokens", o.max_sub_tokens, n.max_sub_tokens);
  differs(&why, "NoHeaderSupport", o.no_header_support, n.no_header_support);
  differs(&why, "HTTPHost", o.http_host, n.http_host);
  differs<int64_t>(&why, "HTTPPort", o.http_port, n.http_port);
  differs(&why, "HTTPBasePath", o.http_base_path, n.http_base_path);
  differs(&why, "LameDuckDuration", o.lame_duck_duration, n.lame_duck_duration);
  differs(&why, "LameDuckGracePeriod", o.lame_duck_grace_period, n.lame_duck_grace_period);
  differs(&why, "NoAuthUser", o.no_auth_user, n.no_auth_user);
  differs(&why, "SystemAccount", o.system_account, n.system_account);
  differs(&why, "NoSystemAccount", o.no_system_account, n.no_system_account);
  differs(&why, "NoSublistCache", o.no_sublist_cache, n.no_sublist_cache);
  // zats builds its per-account indexes at start: the set of accounts is fixed for now.
  differs(&why, "Accounts", o.accounts, n.accounts);
  differs<int64_t>(&why, "Cores", o.cores, n.cores);
  return why;
}

}  // namespace zats::server::config
