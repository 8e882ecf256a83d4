// /leafz, /gatewayz and /jsz (see absent_subsystems.h), with nats-server 2.9.10's fields, in
// its order.
#include "server/monitor/absent_subsystems.h"

#include "server/monitor/json_writer.h"
#include "server/monitor/params.h"

namespace zats::server::monitor {
namespace {

void write_identity(JsonWriter& w, const Snapshot& snap) {
  w.field("server_id", snap.server.server_id).field("now", format_rfc3339_nano(snap.now));
}

}  // namespace

Rendered render_leafz(const Snapshot& snap, const Query& q) {
  std::string error;
  decode_bool_param(q, "subs", error);
  if (!error.empty()) return Rendered::bad_request(error);
  JsonWriter w;
  w.begin_object();
  write_identity(w, snap);
  w.field("leafnodes", 0).key("leafs").null();
  w.end_object();
  return Rendered::json(w.take());
}

Rendered render_gatewayz(const Snapshot& snap, const Query& q) {
  std::string error;
  decode_bool_param(q, "accs", error);
  if (!error.empty()) return Rendered::bad_request(error);
  JsonWriter w;
  w.begin_object();
  write_identity(w, snap);
  w.key("outbound_gateways").begin_object().end_object();
  w.key("inbound_gateways").begin_object().end_object();
  w.end_object();
  return Rendered::json(w.take());
}

Rendered render_jsz(const Snapshot& snap, const Query& q) {
  // nats-server's order: the first bad parameter is the one reported.
  std::string error;
  for (const char* flag : {"accounts", "streams", "consumers", "config"}) decode_bool_param(q, flag, error);
  for (const char* number : {"offset", "limit"}) decode_int_param(q, number, error);
  const bool leader_only = decode_bool_param(q, "leader-only", error);
  if (!error.empty()) return Rendered::bad_request(error);
  if (leader_only) return Rendered::bad_request("filtered response: not leader");
  JsonWriter w;
  w.begin_object();
  write_identity(w, snap);
  w.field("disabled", true);
  w.key("config").begin_object().field("max_memory", 0).field("max_storage", 0).end_object();
  w.field("memory", 0).field("storage", 0).field("reserved_memory", 0).field("reserved_storage", 0);
  w.field("accounts", 0).field("ha_assets", 0);
  w.key("api").begin_object().field("total", 0).field("errors", 0).end_object();
  w.field("streams", 0).field("consumers", 0).field("messages", 0).field("bytes", 0);
  w.end_object();
  return Rendered::json(w.take());
}

}  // namespace zats::server::monitor
