// /accstatz (see account_statz.h). "sent" is what the account's clients were sent, "received"
// what they published, both since the server started (closed connections included); zats has no
// leaf nodes, so an account's total connections are its client connections.
#include "server/monitor/account_statz.h"

#include "server/monitor/json_writer.h"
#include "server/monitor/params.h"

namespace zats::server::monitor {
namespace {

void write_account_stat(JsonWriter& w, const AccountInfo& a) {
  w.begin_object();
  write_account_stat_fields(w, a);
  w.end_object();
}

}  // namespace

void write_data_stats(JsonWriter& w, std::string_view key, std::int64_t msgs, std::int64_t bytes) {
  w.key(key).begin_object().field("msgs", msgs).field("bytes", bytes).end_object();
}

void write_account_stat_fields(JsonWriter& w, const AccountInfo& a) {
  w.field("acc", a.name).field("conns", a.client_connections).field("leafnodes", a.leafnode_connections);
  w.field("total_conns", a.client_connections + a.leafnode_connections);
  write_data_stats(w, "sent", a.traffic.out_msgs, a.traffic.out_bytes);
  write_data_stats(w, "received", a.traffic.in_msgs, a.traffic.in_bytes);
  w.field("slow_consumers", a.traffic.slow_consumers);
}

AccountStatzQuery decode_account_statz_query(const Query& q) {
  AccountStatzQuery out;
  out.include_unused = decode_bool_param(q, "unused", out.error);
  return out;
}

Rendered render_account_statz(const Snapshot& snap, const AccountStatzQuery& q) {
  JsonWriter w;
  w.begin_object();
  w.field("server_id", snap.server.server_id).field("now", format_rfc3339_nano(snap.now));
  w.key("account_statz").begin_array();
  for (const AccountInfo& a : snap.accounts)
    if (q.include_unused || a.client_connections != 0) write_account_stat(w, a);
  w.end_array();
  w.end_object();
  return Rendered::json(w.take());
}

}  // namespace zats::server::monitor
