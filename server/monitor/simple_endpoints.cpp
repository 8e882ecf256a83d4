// /routez, /healthz, /accountz and "/" (see simple_endpoints.h).
#include "server/monitor/simple_endpoints.h"

#include <cctype>

#include "server/monitor/json_writer.h"
#include "server/monitor/params.h"
#include "server/monitor/sub_detail.h"
#include "server/monitor/subsz.h"

namespace zats::server::monitor {
namespace {

void write_route(JsonWriter& w, const RouteInfo& r, const RoutezOptions& o, UnixNanos now) {
  w.begin_object();
  w.field("rid", r.rid).field("remote_id", r.remote_id);
  w.field("did_solicit", r.did_solicit).field("is_configured", r.is_configured);
  w.field("ip", r.ip).field("port", r.port);
  w.field("start", format_rfc3339_nano(r.start));
  w.field("last_activity", format_rfc3339_nano(r.last_activity));
  w.field("rtt", format_rtt(r.rtt));
  w.field("uptime", format_uptime(now - r.start)).field("idle", format_uptime(now - r.last_activity));
  w.field("pending_size", r.pending_size);
  w.field("in_msgs", r.in_msgs).field("out_msgs", r.out_msgs);
  w.field("in_bytes", r.in_bytes).field("out_bytes", r.out_bytes);
  w.field("subscriptions", r.num_subs);
  if (!r.subs.empty() && o.subs_detail) {
    w.key("subscriptions_list_detail").begin_array();
    for (const auto& s : r.subs) write_sub_detail(w, s, false);
    w.end_array();
  } else if (!r.subs.empty() && o.subs) {
    w.key("subscriptions_list").begin_array();
    for (const auto& s : r.subs) w.value(s.subject);
    w.end_array();
  }
  w.end_object();
}

const AccountInfo* find_account(const Snapshot& snap, const std::string& name) {
  for (const auto& a : snap.accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

// nats-server's AccountInfo object.
void write_account_info(JsonWriter& w, const AccountInfo& a, UnixNanos fallback_time) {
  w.begin_object();
  w.field("account_name", a.name);
  w.field("update_time", format_rfc3339_nano(a.update_time != 0 ? a.update_time : fallback_time));
  if (a.is_system) w.field("is_system", true);
  w.field("expired", false).field("complete", true).field("jetstream_enabled", false);
  w.field("leafnode_connections", a.leafnode_connections);
  w.field("client_connections", a.client_connections);
  w.field("subscriptions", a.subscriptions);
  if (!a.mappings.empty()) {
    w.key("mappings").begin_object();
    for (const AccountMappingInfo& m : a.mappings) {
      w.key(m.source).begin_array();
      for (const AccountMappingInfo::Destination& d : m.destinations) {
        w.begin_object().field("subject", d.subject).field("weight", d.weight);
        if (!d.cluster.empty()) w.field("cluster", d.cluster);
        w.end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  if (!a.exports.empty()) {
    w.key("exports").begin_array();
    for (const AccountExportInfo& e : a.exports) {
      w.begin_object().field("subject", e.subject).field("type", e.service ? "service" : "stream");
      if (e.service) w.field("response_type", e.response_type);
      w.strings_field("approved_accounts", e.approved_accounts);
      w.end_object();
    }
    w.end_array();
  }
  if (!a.imports.empty()) {
    w.key("imports").begin_array();
    for (const AccountImportInfo& i : a.imports) {
      w.begin_object().field("subject", i.subject).field("account", i.account);
      if (i.service) w.field("to", i.to);
      else w.field("local_subject", i.local_subject);
      w.field("type", i.service ? "service" : "stream").field("invalid", false).field("share", i.share).field("tracking", false);
      w.end_object();
    }
    w.end_array();
  }
  w.key("sublist_stats").begin_object();
  write_sublist_stats_fields(w, a.sublist);
  w.end_object();
  w.end_object();
}

}  // namespace

RoutezOptions decode_routez_query(const Query& q, std::string& error) {
  RoutezOptions o;
  std::string subs = q.get("subs");
  for (char& c : subs) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  o.subs_detail = subs == "detail";
  if (!o.subs_detail) o.subs = decode_bool_param(q, "subs", error);
  return o;
}

Rendered render_routez(const Snapshot& snap, const RoutezOptions& o) {
  JsonWriter w;
  w.begin_object();
  w.field("server_id", snap.server.server_id).field("now", format_rfc3339_nano(snap.now));
  w.field("num_routes", static_cast<std::int64_t>(snap.routes.size()));
  w.key("routes").begin_array();
  for (const auto& r : snap.routes) write_route(w, r, o, snap.now);
  w.end_array();
  w.end_object();
  return Rendered::json(w.take());
}

std::string decode_healthz_query(const Query& q) {
  std::string error;
  for (const char* p : {"js-enabled", "js-enabled-only", "js-server-only"}) {
    decode_bool_param(q, p, error);
  }
  return error;
}

Rendered render_healthz(const Snapshot& snap) {
  JsonWriter w(false);
  w.begin_object();
  if (snap.ready) {
    w.field("status", "ok");
  } else {
    w.field("status", "error").field("error", snap.ready_error);
  }
  w.end_object();
  return Rendered::json(w.take(), snap.ready ? 200 : 503);
}

Rendered render_accountz(const Snapshot& snap, const std::string& account) {
  const AccountInfo* detail = nullptr;
  if (!account.empty()) {
    detail = find_account(snap, account);
    if (detail == nullptr) return Rendered::bad_request("Account " + account + " does not exist");
  }
  JsonWriter w;
  w.begin_object();
  w.field("server_id", snap.server.server_id).field("now", format_rfc3339_nano(snap.now));
  if (!snap.server.system_account.empty()) w.field("system_account", snap.server.system_account);
  if (detail != nullptr) {
    w.key("account_detail");
    write_account_info(w, *detail, snap.server.start);
  } else if (!snap.accounts.empty()) {
    w.key("accounts").begin_array();
    for (const auto& a : snap.accounts) w.value(a.name);
    w.end_array();
  }
  w.end_object();
  return Rendered::json(w.take());
}

Rendered render_account_info(const Snapshot& snap, const std::string& account) {
  const AccountInfo* info = find_account(snap, account);
  if (info == nullptr) return Rendered::bad_request("Account " + account + " does not exist");
  JsonWriter w;
  write_account_info(w, *info, snap.server.start);
  return Rendered::json(w.take());
}

std::string render_root_page(const std::string& base_path, const std::string& version) {
  std::string prefix = base_path == "/" ? "" : base_path;
  struct Link { const char* path; const char* title; };
  static constexpr Link kLinks[] = {
      {"/varz", "General"},         {"/jsz", "JetStream"},         {"/connz", "Connections"},
      {"/accountz", "Accounts"},    {"/accstatz", "Account Stats"}, {"/subsz", "Subscriptions"},
      {"/routez", "Routes"},        {"/leafz", "LeafNodes"},       {"/gatewayz", "Gateways"},
      {"/healthz", "Health Probe"}, {"/metrics", "Prometheus Metrics"}};
  std::string html =
      "<html lang=\"en\">\n<head>\n<title>zats monitoring</title>\n"
      "<style type=\"text/css\">body { font-family: sans-serif; margin-left: 32px } "
      "a { display: block; padding-bottom: 6px }</style>\n</head>\n<body>\n<h1>zats</h1>\n"
      "<p>NATS server v" + version + "</p>\n";
  for (const auto& l : kLinks) {
    html += "<a href=." + prefix + l.path + ">" + l.title + "</a>\n";
  }
  html += "<a href=https://docs.nats.io/running-a-nats-service/nats_admin/monitoring>Help</a>\n"
          "</body>\n</html>\n";
  return html;
}

}  // namespace zats::server::monitor
