// /subsz and /subscriptionsz: subscription index statistics and, with subs=1, the paged list of
// subscriptions (optionally those matching a literal `test` subject), as nats-server renders them.
#pragma once

#include <cstdint>
#include <string>

#include "server/monitor/json_writer.h"
#include "server/monitor/query.h"
#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

struct SubszOptions {
  bool subs = false;
  std::int64_t offset = 0;
  std::int64_t limit = 0;  // <= 0 = 1024
  std::string account;     // "" = all accounts
  std::string test;        // literal subject; "" = no filter
};

struct SubszQuery {
  SubszOptions options;
  std::string error;  // 400 text
};
SubszQuery decode_subsz_query(const Query& q);

SnapshotRequest subsz_request(const SubszOptions& o);
Rendered render_subsz(const Snapshot& snap, const SubszOptions& o);

// Writes the SublistStats fields (num_subscriptions ... avg_fanout) into an open object.
void write_sublist_stats_fields(JsonWriter& w, const SublistStats& s);

}  // namespace zats::server::monitor
