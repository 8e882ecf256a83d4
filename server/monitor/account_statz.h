// /accstatz: each account's connections and traffic, as nats-server's AccountStatz shows them.
#pragma once

#include <string>

#include "server/monitor/json_writer.h"
#include "server/monitor/query.h"
#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

// ?unused=true also lists the accounts with no client connected; a bad boolean is a 400.
struct AccountStatzQuery {
  bool include_unused = false;
  std::string error;
};
AccountStatzQuery decode_account_statz_query(const Query& q);

// nats-server's DataStats under `key`: {"msgs": ..., "bytes": ...}; the system account's client
// events (server/system_events.h) write it too.
void write_data_stats(JsonWriter& w, std::string_view key, std::int64_t msgs, std::int64_t bytes);

// One account's entry (acc, conns, leafnodes, total_conns, sent, received, slow_consumers) into
// an open object; the account connection events (server/system_events.h) carry it too.
void write_account_stat_fields(JsonWriter& w, const AccountInfo& a);

// Needs the snapshot's accounts (SnapshotRequest::accounts).
Rendered render_account_statz(const Snapshot& snap, const AccountStatzQuery& q);

}  // namespace zats::server::monitor
