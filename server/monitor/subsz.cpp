// /subsz (see subsz.h). The subscription list is built from the open connections' subscriptions;
// as in the reference, "total" is the size of the returned page and an empty page renders only
// the statistics object.
#include "server/monitor/subsz.h"

#include <algorithm>

#include "proto/subject.h"
#include "server/monitor/json_writer.h"
#include "server/monitor/params.h"
#include "server/monitor/sub_detail.h"
#include "server/monitor/connz.h"

namespace zats::server::monitor {
namespace {

SublistStats stats_for(const Snapshot& snap, const std::string& account) {
  if (account.empty()) return snap.sublist;
  SublistStats s;
  for (const auto& a : snap.accounts) {
    if (a.name == account) s += a.sublist;
  }
  return s;
}

std::vector<SubscriptionInfo> matching_subs(const Snapshot& snap, const SubszOptions& o) {
  std::vector<SubscriptionInfo> out;
  for (const auto& c : snap.open) {
    for (SubscriptionInfo s : c.subs) {
      if (s.account.empty()) s.account = c.account;
      if (!o.account.empty() && s.account != o.account) continue;
      if (!o.test.empty() && !proto::subject_matches(s.subject, o.test)) continue;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace

void write_sublist_stats_fields(JsonWriter& w, const SublistStats& s) {
  w.field("num_subscriptions", s.num_subscriptions);
  w.field("num_cache", s.num_cache);
  w.field("num_inserts", s.num_inserts);
  w.field("num_removes", s.num_removes);
  w.field("num_matches", s.num_matches);
  w.field("cache_hit_rate", s.cache_hit_rate);
  w.field("max_fanout", s.max_fanout);
  w.field("avg_fanout", s.avg_fanout);
}

SubszQuery decode_subsz_query(const Query& q) {
  SubszQuery r;
  r.options.subs = decode_bool_param(q, "subs", r.error);
  r.options.offset = decode_int_param(q, "offset", r.error);
  r.options.limit = decode_int_param(q, "limit", r.error);
  r.options.test = q.get("test");
  r.options.account = q.get("acc");
  return r;
}

SnapshotRequest subsz_request(const SubszOptions& o) {
  SnapshotRequest r;
  r.sublist_stats = true;
  r.accounts = !o.account.empty();
  r.open_connections = o.subs;
  r.subscriptions = o.subs;
  return r;
}

Rendered render_subsz(const Snapshot& snap, const SubszOptions& opts) {
  if (!opts.test.empty() && !proto::is_valid_literal_subject(opts.test)) {
    return Rendered::bad_request("invalid test subject, must be valid publish subject: " + opts.test);
  }
  SubszOptions o = opts;
  o.offset = std::max<std::int64_t>(o.offset, 0);
  if (o.limit <= 0) o.limit = kDefaultListSize;
  SublistStats stats = stats_for(snap, o.account);

  std::vector<SubscriptionInfo> subs;
  if (o.subs) subs = matching_subs(snap, o);
  auto count = static_cast<std::int64_t>(subs.size());
  std::int64_t lo = std::min(o.offset, count);
  std::int64_t hi = o.limit > count - lo ? count : lo + o.limit;

  JsonWriter w;
  w.begin_object();
  if (hi == lo) {
    write_sublist_stats_fields(w, stats);
    w.end_object();
    return Rendered::json(w.take());
  }
  w.field("server_id", snap.server.server_id);
  w.field("now", format_rfc3339_nano(snap.now));
  write_sublist_stats_fields(w, stats);
  w.field("total", hi - lo);
  w.field("offset", o.offset).field("limit", o.limit);
  w.key("subscriptions_list").begin_array();
  for (std::int64_t i = lo; i < hi; ++i) write_sub_detail(w, subs[static_cast<std::size_t>(i)], true);
  w.end_array();
  w.end_object();
  return Rendered::json(w.take());
}

}  // namespace zats::server::monitor
