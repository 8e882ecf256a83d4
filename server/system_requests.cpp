// SystemRequest (see system_requests.h). The endpoints' own renderers make the data, as the
// monitoring port shows it; it is made compact here, as nats-server's messages carry it.
#include "server/system_requests.h"

#include <simdjson.h>

#include <algorithm>
#include <array>

#include "proto/json_fields.h"
#include "proto/subject.h"
#include "server/monitor/absent_subsystems.h"
#include "server/monitor/go_format.h"
#include "server/monitor/json_writer.h"
#include "server/monitor/varz.h"

namespace zats::server {
namespace {

namespace jf = proto::json_fields;
using monitor::JsonWriter;
using monitor::Rendered;

struct Named {
  std::string_view name;
  SystemService service;
};

constexpr std::array<Named, 10> kServerServices{{
    {"STATSZ", SystemService::Statsz}, {"VARZ", SystemService::Varz}, {"SUBSZ", SystemService::Subsz},
    {"CONNZ", SystemService::Connz}, {"ROUTEZ", SystemService::Routez}, {"GATEWAYZ", SystemService::Gatewayz},
    {"LEAFZ", SystemService::Leafz}, {"ACCOUNTZ", SystemService::Accountz}, {"JSZ", SystemService::Jsz},
    {"HEALTHZ", SystemService::Healthz},
}};

constexpr std::array<Named, 7> kAccountServices{{
    {"SUBSZ", SystemService::AccountSubsz}, {"CONNZ", SystemService::AccountConnz},
    {"LEAFZ", SystemService::AccountLeafz}, {"JSZ", SystemService::AccountJsz},
    {"INFO", SystemService::AccountInfo}, {"STATZ", SystemService::AccountStatz},
    {"CONNS", SystemService::AccountConns},
}};

template <size_t N>
std::optional<SystemService> find_service(const std::array<Named, N>& services, std::string_view name) {
  for (const Named& s : services)
    if (s.name == name) return s.service;
  return std::nullopt;
}

// The subject's tokens after `prefix`, when it starts with it and has no empty token (such a
// subject names no service).
std::optional<std::vector<std::string_view>> tokens_after(std::string_view subject, std::string_view prefix) {
  std::vector<std::string_view> tokens;
  if (!subject.starts_with(prefix) || !proto::split_tokens(subject.substr(prefix.size()), tokens)) return std::nullopt;
  return tokens;
}

bool contains_ignoring_case(const std::vector<std::string>& tags, std::string_view tag) {
  return std::any_of(tags.begin(), tags.end(), [tag](const std::string& t) { return jf::equals_ignoring_ascii_case(t, tag); });
}

bool assign_uint(jf::element value, std::uint64_t& field) {
  if (value.type() == jf::element_type::NULL_VALUE) return true;
  if (value.type() == jf::element_type::UINT64) return value.get_uint64().get(field) == simdjson::SUCCESS;
  std::int64_t v = 0;
  if (!jf::assign_int(value, v) || v < 0) return false;
  field = static_cast<std::uint64_t>(v);
  return true;
}

// nats-server's ConnState: 0 open, 1 closed, 2 any.
bool assign_state(jf::element value, monitor::ConnState& state) {
  std::int64_t v = static_cast<std::int64_t>(state);
  if (!jf::assign_int(value, v)) return false;
  if (v == 1) state = monitor::ConnState::kClosed;
  else if (v == 2) state = monitor::ConnState::kAll;
  else state = monitor::ConnState::kOpen;
  return true;
}

// Compact JSON of the renderers' indented text (whitespace outside strings removed).
std::string compact(const std::string& pretty) {
  std::string out(pretty.size(), '\0');
  size_t length = 0;
  if (simdjson::minify(pretty.data(), pretty.size(), out.data(), length) != simdjson::SUCCESS) return pretty;
  out.resize(length);
  return out;
}

std::string error_answer(const EventServer& server, int code, std::string_view description, bool data_null) {
  JsonWriter w(/*pretty=*/false);
  w.begin_object();
  write_event_server(w, server);
  // A failing endpoint leaves a typed nil in nats-server's data (null); a request that could not
  // be read has none.
  if (data_null) w.key("data").null();
  w.key("error").begin_object().field("code", code).field("description", description).end_object();
  w.end_object();
  return w.take();
}

void write_statsz(JsonWriter& w, const monitor::Snapshot& snap) {
  const monitor::Totals& t = snap.totals;
  int active_accounts = 0;
  for (const monitor::AccountInfo& a : snap.accounts) active_accounts += a.client_connections > 0 ? 1 : 0;
  w.key("statsz").begin_object();
  w.field("start", monitor::format_rfc3339_nano(snap.server.start)).field("mem", t.mem_rss).field("cores", t.cores);
  w.field("cpu", t.cpu).field("connections", t.connections).field("total_connections", t.total_connections);
  w.field("active_accounts", active_accounts).field("subscriptions", t.subscriptions);
  monitor::write_data_stats(w, "sent", t.out_msgs, t.out_bytes);
  monitor::write_data_stats(w, "received", t.in_msgs, t.in_bytes);
  w.field("slow_consumers", t.slow_consumers);
  if (!snap.routes.empty()) {
    w.key("routes").begin_array();
    for (const monitor::RouteInfo& r : snap.routes) {
      w.begin_object().field("rid", r.rid);
      if (!r.remote_name.empty()) w.field("name", r.remote_name);
      monitor::write_data_stats(w, "sent", r.out_msgs, r.out_bytes);
      monitor::write_data_stats(w, "received", r.in_msgs, r.in_bytes);
      w.field("pending", r.pending_size).end_object();
    }
    w.end_array();
  }
  // This server and those its routes reach (nats-server counts the servers it has heard from).
  w.field("active_servers", 1 + static_cast<int>(snap.routes.size()));
  w.end_object();
}

}  // namespace

std::vector<std::string> system_service_subjects(std::string_view server_id) {
  return {"$SYS.REQ.SERVER.PING", "$SYS.REQ.SERVER.PING.*", "$SYS.REQ.SERVER." + std::string(server_id) + ".*",
          "$SYS.REQ.ACCOUNT.*.*", "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE", "$SYS.ACCOUNT.*.CLAIMS.UPDATE"};
}

std::string claims_update_answer(const EventServer& server, std::string_view account, std::string_view message,
                                 std::string_view error) {
  JsonWriter w(/*pretty=*/false);
  w.begin_object();
  // Go writes a map's keys in order: data or error, then server.
  if (error.empty()) {
    w.key("data").begin_object().field("account", account).field("code", 200).field("message", message).end_object();
  } else {
    const std::string description = std::string(message) + " - " + std::string(error);
    w.key("error").begin_object().field("account", account).field("code", 500).field("description", description);
    w.end_object();
  }
  write_event_server(w, server);
  w.end_object();
  return w.take();
}

bool ServerFilter::leaves_out(const EventServer& server) const {
  if (!name.empty() && server.name.find(name) == std::string_view::npos) return true;
  if (!host.empty() && server.host.find(host) == std::string_view::npos) return true;
  if (!cluster.empty() && server.cluster.find(cluster) == std::string_view::npos) return true;
  for (const std::string& tag : tags)
    if (server.tags == nullptr || !contains_ignoring_case(*server.tags, tag)) return true;
  return !domain.empty();  // zats has no JetStream domain
}

std::optional<SystemRequest> SystemRequest::parse(std::string_view subject, std::string_view server_id) {
  if (subject == "$SYS.REQ.SERVER.PING") return SystemRequest(SystemService::Statsz, {});
  if (auto t = tokens_after(subject, "$SYS.REQ.SERVER."); t && t->size() == 2) {
    if ((*t)[0] != "PING" && (*t)[0] != server_id) return std::nullopt;
    if (auto s = find_service(kServerServices, (*t)[1])) return SystemRequest(*s, {});
    return std::nullopt;
  }
  if (auto t = tokens_after(subject, "$SYS.REQ.ACCOUNT."); t && t->size() == 2) {
    if ((*t)[0] == "PING" && (*t)[1] == "STATZ") return SystemRequest(SystemService::AccountsStatz, {});
    if (auto s = find_service(kAccountServices, (*t)[1])) return SystemRequest(*s, std::string((*t)[0]));
  }
  // The claims update, on the subject of today's tools and on the older one.
  for (std::string_view prefix : {"$SYS.REQ.ACCOUNT.", "$SYS.ACCOUNT."}) {
    if (auto t = tokens_after(subject, prefix); t && t->size() == 3 && (*t)[1] == "CLAIMS" && (*t)[2] == "UPDATE")
      return SystemRequest(SystemService::ClaimsUpdate, std::string((*t)[0]));
  }
  return std::nullopt;
}

SystemRequest::SystemRequest(SystemService service, std::string account)
    : service_(service), account_(std::move(account)) {
  scope_to_account();
}

// An account's CONNZ and SUBSZ are the server's, narrowed to the account the subject names
// (whatever the options say), and SUBSZ then lists the subscriptions.
void SystemRequest::scope_to_account() {
  if (service_ == SystemService::AccountConnz) connz_.account = account_;
  if (service_ == SystemService::AccountSubsz) {
    subsz_.subs = true;
    subsz_.account = account_;
  }
}

bool SystemRequest::read_options(std::string_view payload) {
  if (payload.empty()) return true;
  auto apply = [this](std::string_view key, jf::element v, SystemRequest& /*this*/) {
    auto is = [key](std::string_view name) { return jf::equals_ignoring_ascii_case(key, name); };
    // The filter, then each endpoint's options under nats-server's JSON names.
    if (is("server_name")) return jf::assign_string(v, filter_.name);
    if (is("cluster")) return jf::assign_string(v, filter_.cluster);
    if (is("host")) return jf::assign_string(v, filter_.host);
    if (is("tags")) return jf::assign_string_array(v, filter_.tags);
    if (is("domain")) return jf::assign_string(v, filter_.domain);
    switch (service_) {
      case SystemService::Connz:
      case SystemService::AccountConnz:
        if (is("sort")) return jf::assign_string(v, connz_.sort);
        if (is("auth")) return jf::assign_bool(v, connz_.auth);
        if (is("subscriptions")) return jf::assign_bool(v, connz_.subs);
        if (is("subscriptions_detail")) return jf::assign_bool(v, connz_.subs_detail);
        if (is("offset")) return jf::assign_int(v, connz_.offset);
        if (is("limit")) return jf::assign_int(v, connz_.limit);
        if (is("cid")) return assign_uint(v, connz_.cid);
        if (is("state")) return assign_state(v, connz_.state);
        if (is("user")) return jf::assign_string(v, connz_.user);
        if (is("acc")) return jf::assign_string(v, connz_.account);
        return true;
      case SystemService::Subsz:
      case SystemService::AccountSubsz:
        if (is("offset")) return jf::assign_int(v, subsz_.offset);
        if (is("limit")) return jf::assign_int(v, subsz_.limit);
        if (is("subscriptions")) return jf::assign_bool(v, subsz_.subs);
        if (is("account")) return jf::assign_string(v, subsz_.account);
        if (is("test")) return jf::assign_string(v, subsz_.test);
        return true;
      case SystemService::Routez:
        if (is("subscriptions")) return jf::assign_bool(v, routez_.subs);
        if (is("subscriptions_detail")) return jf::assign_bool(v, routez_.subs_detail);
        return true;
      case SystemService::Accountz:
        if (is("account")) return jf::assign_string(v, accountz_account_);
        return true;
      case SystemService::AccountStatz:
      case SystemService::AccountsStatz:
        if (is("accounts")) return jf::assign_string_array(v, statz_accounts_);
        if (is("include_unused")) return jf::assign_bool(v, include_unused_);
        return true;
      case SystemService::Jsz:
      case SystemService::AccountJsz:
        if (is("leader_only")) return jf::assign_bool(v, leader_only_);
        return true;
      case SystemService::AccountConns:
        if (is("acc")) {
          std::string named;
          if (!jf::assign_string(v, named)) return false;
          conns_account_ = std::move(named);
        }
        return true;
      default:
        return true;
    }
  };
  if (jf::decode_object(payload, *this, apply)) {
    scope_to_account();
    return true;
  }
  options_error_ = "the request's options are not JSON of the form the service takes";
  return false;
}

monitor::SnapshotRequest SystemRequest::snapshot_request() const {
  monitor::SnapshotRequest what;
  switch (service_) {
    case SystemService::Statsz:
      what.accounts = true;
      what.routes = true;
      break;
    case SystemService::Connz:
    case SystemService::AccountConnz:
      what = monitor::connz_request(connz_);
      break;
    case SystemService::Subsz:
    case SystemService::AccountSubsz:
      what = monitor::subsz_request(subsz_);
      break;
    case SystemService::Routez:
      what.routes = true;
      what.subscriptions = routez_.subs || routez_.subs_detail;
      break;
    case SystemService::Accountz:
    case SystemService::AccountInfo:
    case SystemService::AccountStatz:
    case SystemService::AccountsStatz:
    case SystemService::AccountConns:
      what.accounts = true;
      break;
    default:
      break;
  }
  return what;
}

Rendered SystemRequest::render(const monitor::Snapshot& snap) const {
  switch (service_) {
    case SystemService::Statsz:
    case SystemService::AccountConns:
      return {};  // answer() writes them
    case SystemService::ClaimsUpdate:
      return {};  // not a monitoring request (SystemServices applies it)
    case SystemService::Varz:
      return monitor::render_varz(snap);
    case SystemService::Subsz:
    case SystemService::AccountSubsz:
      return monitor::render_subsz(snap, subsz_);
    case SystemService::Connz:
    case SystemService::AccountConnz:
      return monitor::render_connz(snap, connz_);
    case SystemService::Routez:
      return monitor::render_routez(snap, routez_);
    case SystemService::Gatewayz:
      return monitor::render_gatewayz(snap, monitor::Query(""));
    case SystemService::Leafz:
    case SystemService::AccountLeafz:
      return monitor::render_leafz(snap, monitor::Query(""));
    case SystemService::Accountz:
      return monitor::render_accountz(snap, accountz_account_);
    case SystemService::Jsz:
      return monitor::render_jsz(snap, monitor::Query(""));
    case SystemService::AccountJsz:
      return {500, "jetstream not enabled", true};
    case SystemService::Healthz:
      return monitor::render_healthz(snap);
    case SystemService::AccountInfo:
      return monitor::render_account_info(snap, account_);
    case SystemService::AccountStatz:
    case SystemService::AccountsStatz: {
      monitor::Snapshot only = snap;
      std::erase_if(only.accounts, [this](const monitor::AccountInfo& a) { return !asks_statistics_of(a.name); });
      monitor::AccountStatzQuery q;
      q.include_unused = include_unused_;
      return monitor::render_account_statz(only, q);
    }
  }
  return {};
}

std::optional<std::string> SystemRequest::answer(const monitor::Snapshot& snap, const EventServer& server,
                                                 std::string_view event_id) const {
  if (service_ == SystemService::AccountConns) return conns_event(snap, server, event_id);
  if (!options_error_.empty()) return error_answer(server, 400, options_error_, /*data_null=*/false);
  if ((service_ == SystemService::Jsz || service_ == SystemService::AccountJsz) && leader_only_) return std::nullopt;
  if (service_ == SystemService::AccountStatz || service_ == SystemService::AccountsStatz) {
    const bool any = std::any_of(snap.accounts.begin(), snap.accounts.end(), [this](const monitor::AccountInfo& a) {
      return asks_statistics_of(a.name) && (include_unused_ || a.client_connections > 0);
    });
    if (!any && !include_unused_) return std::nullopt;
  }
  JsonWriter w(/*pretty=*/false);
  w.begin_object();
  write_event_server(w, server);
  if (service_ == SystemService::Statsz) {
    write_statsz(w, snap);
  } else {
    Rendered data = render(snap);
    if (data.is_error) {
      std::string text = data.body;
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return error_answer(server, 500, text, /*data_null=*/true);
    }
    w.key("data").raw(compact(data.body));
  }
  w.end_object();
  return w.take();
}

// A STATZ request is about the account its subject names; ACCOUNT.PING.STATZ about those its
// "accounts" lists, or all.
bool SystemRequest::asks_statistics_of(const std::string& account) const {
  if (service_ == SystemService::AccountStatz) return account == account_;
  return statz_accounts_.empty() || std::find(statz_accounts_.begin(), statz_accounts_.end(), account) != statz_accounts_.end();
}

// nats-server answers only for an account with clients here, and ignores a request that is not
// JSON or names another account in its "acc" than in its subject.
std::optional<std::string> SystemRequest::conns_event(const monitor::Snapshot& snap, const EventServer& server,
                                                      std::string_view event_id) const {
  if (!options_error_.empty() || (conns_account_ && *conns_account_ != account_)) return std::nullopt;
  for (const monitor::AccountInfo& a : snap.accounts)
    if (a.name == account_ && a.client_connections > 0) return account_conns_json(event_id, server, a);
  return std::nullopt;
}

}  // namespace zats::server
