// /varz (see varz.h). Field order follows nats-server's Varz struct; omitempty fields are left
// out when empty, and the nested option objects print as {} when nothing is configured.
#include "server/monitor/varz.h"

#include "server/monitor/json_writer.h"

namespace zats::server::monitor {
namespace {

void write_identity(JsonWriter& w, const ServerIdentity& s) {
  w.field("server_id", s.server_id).field("server_name", s.server_name);
  w.field("version", s.version).field("proto", s.proto).field("go", s.go);
  w.field("host", s.host).field("port", s.port);
  if (s.auth_required) w.field("auth_required", true);
  if (s.tls_required) w.field("tls_required", true);
  if (s.tls_verify) w.field("tls_verify", true);
  w.strings_field("connect_urls", s.connect_urls);
  w.field("max_connections", s.max_connections);
  if (s.max_subscriptions != 0) w.field("max_subscriptions", s.max_subscriptions);
  w.field("ping_interval", s.ping_interval).field("ping_max", s.ping_max);
  w.field("http_host", s.http_host).field("http_port", s.http_port);
  w.field("http_base_path", s.http_base_path).field("https_port", s.https_port);
  w.field("auth_timeout", s.auth_timeout);
  w.field("max_control_line", static_cast<std::int64_t>(s.max_control_line));
  w.field("max_payload", s.max_payload).field("max_pending", s.max_pending);
}

// jwt's OperatorClaims, in its field order: ClaimsData, then "nats" (the Operator fields, then
// GenericFields' tags, type and version), each left out when empty.
void write_operator_claims(JsonWriter& w, const TrustedOperator& op) {
  auto text = [&w](const char* key, const std::string& v) {
    if (!v.empty()) w.field(key, v);
  };
  auto number = [&w](const char* key, std::int64_t v) {
    if (v != 0) w.field(key, v);
  };
  w.begin_object();
  text("aud", op.audience);
  number("exp", op.expires);
  text("jti", op.id);
  number("iat", op.issued_at);
  text("iss", op.issuer);
  text("name", op.name);
  number("nbf", op.not_before);
  text("sub", op.subject);
  w.key("nats").begin_object();
  w.strings_field("signing_keys", op.signing_keys);
  text("account_server_url", op.account_server_url);
  w.strings_field("operator_service_urls", op.operator_service_urls);
  text("system_account", op.system_account);
  text("assert_server_version", op.assert_server_version);
  if (op.strict_signing_key_usage) w.field("strict_signing_key_usage", true);
  w.strings_field("tags", op.tags);
  w.field("type", "operator");
  number("version", op.version);
  w.end_object();
  w.end_object();
}

void write_trusted_operators(JsonWriter& w, const ServerIdentity& s) {
  if (s.trusted_operators.empty()) return;
  w.key("trusted_operators_jwt").begin_array();
  for (const TrustedOperator& op : s.trusted_operators) w.value(op.jwt);
  w.end_array();
  w.key("trusted_operators_claim").begin_array();
  for (const TrustedOperator& op : s.trusted_operators) write_operator_claims(w, op);
  w.end_array();
}

void write_cluster(JsonWriter& w, const ServerIdentity& s) {
  w.key("cluster").begin_object();
  if (!s.cluster_name.empty()) w.field("name", s.cluster_name);
  if (!s.cluster_host.empty()) w.field("addr", s.cluster_host);
  if (s.cluster_port != 0) w.field("cluster_port", s.cluster_port);
  if (s.cluster_auth_timeout != 0) w.field("auth_timeout", s.cluster_auth_timeout);
  w.strings_field("urls", s.cluster_urls);
  if (s.cluster_tls_timeout != 0) w.field("tls_timeout", s.cluster_tls_timeout);
  if (s.cluster_tls_required) w.field("tls_required", true);
  if (s.cluster_tls_verify) w.field("tls_verify", true);
  w.end_object();
  // Gateways, leaf nodes, MQTT, websocket and JetStream are not part of zats.
  for (const char* k : {"gateway", "leaf", "mqtt", "websocket", "jetstream"}) {
    w.key(k).begin_object().end_object();
  }
}

void write_runtime(JsonWriter& w, const Snapshot& snap) {
  const ServerIdentity& s = snap.server;
  const Totals& t = snap.totals;
  w.field("tls_timeout", s.tls_timeout).field("write_deadline", s.write_deadline);
  w.field("start", format_rfc3339_nano(s.start)).field("now", format_rfc3339_nano(snap.now));
  w.field("uptime", format_uptime(snap.now - s.start));
  w.field("mem", t.mem_rss).field("cores", t.cores).field("gomaxprocs", t.gomaxprocs);
  w.field("cpu", t.cpu);
  w.field("connections", t.connections).field("total_connections", t.total_connections);
  w.field("routes", t.routes).field("remotes", t.remotes).field("leafnodes", 0);
  w.field("in_msgs", t.in_msgs).field("out_msgs", t.out_msgs);
  w.field("in_bytes", t.in_bytes).field("out_bytes", t.out_bytes);
  w.field("slow_consumers", t.slow_consumers).field("subscriptions", t.subscriptions);
}

// zats's own section: per-worker statistics and the log lines the log output dropped.
void write_zats(JsonWriter& w, const Snapshot& snap) {
  w.key("zats").begin_object();
  w.field("log_lines_dropped", snap.totals.log_lines_dropped);
  const ServerIdentity& s = snap.server;
  w.key("io_uring").begin_object();
  w.field("kernel", s.io_uring_kernel).field("tier", s.io_uring_tier).field("tier_forced", s.io_uring_tier_forced);
  w.key("features").begin_array();
  for (const std::string& f : s.io_uring_features) w.value(f);
  w.end_array().end_object();
  w.key("workers").begin_array();
  for (const auto& ws : snap.workers) {
    w.begin_object();
    w.field("worker", ws.worker).field("connections", ws.connections);
    w.field("loop_turns", ws.loop_turns).field("utilisation", ws.utilisation);
    w.field("ring_backpressure", ws.ring_backpressure);
    w.field("match_cache_hits", ws.match_cache_hits);
    w.field("match_cache_misses", ws.match_cache_misses);
    w.field("recv_buffers", ws.recv_buffers).field("recv_out_of_buffers", ws.recv_out_of_buffers);
    w.field("registered_sockets", ws.registered_sockets);
    w.field("recv_buffer_resident_bytes", ws.recv_buffer_resident_bytes);
    w.field("recv_buffer_releases", ws.recv_buffer_releases);
    w.field("connections_moved_in", ws.connections_moved_in).field("connections_moved_out", ws.connections_moved_out);
    w.field("moves_given_up", ws.moves_given_up);
    w.end_object();
  }
  w.end_array().end_object();
}

}  // namespace

Rendered render_varz(const Snapshot& snap) {
  const ServerIdentity& s = snap.server;
  JsonWriter w;
  w.begin_object();
  write_identity(w, s);
  write_cluster(w, s);
  write_runtime(w, snap);
  w.key("http_req_stats").begin_object();
  for (const auto& [path, n] : snap.http_requests) w.field(path, n);
  w.end_object();
  w.field("config_load_time", format_rfc3339_nano(s.config_load_time != 0 ? s.config_load_time : s.start));
  w.strings_field("tags", s.tags);
  write_trusted_operators(w, s);
  if (!s.system_account.empty()) w.field("system_account", s.system_account);
  if (s.pinned_account_fails != 0) w.field("pinned_account_fails", s.pinned_account_fails);
  write_zats(w, snap);
  w.end_object();
  return Rendered::json(w.take());
}

}  // namespace zats::server::monitor
