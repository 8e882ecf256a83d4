// /connz (see connz.h). Selection, ordering and paging follow nats-server 2.9.10's Connz(),
// including its quirks (total counts every open connection even when `user` filters some out;
// cid with state=all looks only at closed connections), so tools see the same numbers.
#include "server/monitor/connz.h"

#include <algorithm>
#include <functional>

#include "server/monitor/json_writer.h"
#include "server/monitor/params.h"
#include "server/monitor/sub_detail.h"

namespace zats::server::monitor {
namespace {

constexpr const char* kSorts[] = {"cid",      "start",      "subs", "pending", "msgs_to",
                                  "msgs_from", "bytes_to",  "bytes_from", "last", "idle",
                                  "uptime",   "stop",       "reason"};

bool valid_sort(const std::string& s) {
  if (s.empty()) return true;
  return std::find(std::begin(kSorts), std::end(kSorts), s) != std::end(kSorts);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool decode_state(const Query& q, ConnState& state, std::string& error) {
  std::string s = q.get("state");
  if (!error.empty() || s.empty()) return error.empty();
  std::string l = lower(s);
  if (l == "open") state = ConnState::kOpen;
  else if (l == "closed") state = ConnState::kClosed;
  else if (l == "any" || l == "all") state = ConnState::kAll;
  else error = "Error decoding state for " + s;
  return error.empty();
}

// One row of the result: the connection plus whether it came from the closed list.
struct Row {
  const ConnectionInfo* c;
  bool closed;
};

using Less = std::function<bool(const Row&, const Row&)>;

// Ascending comparison for each sort key; `descending` says whether the reference reverses it.
Less sort_less(const std::string& sort, UnixNanos now, bool& descending) {
  descending = true;
  auto by = [](auto key) { return [key](const Row& a, const Row& b) { return key(a) < key(b); }; };
  if (sort == "subs") return by([](const Row& r) { return r.c->num_subs; });
  if (sort == "pending") return by([](const Row& r) { return r.c->pending_bytes; });
  if (sort == "msgs_to") return by([](const Row& r) { return r.c->out_msgs; });
  if (sort == "msgs_from") return by([](const Row& r) { return r.c->in_msgs; });
  if (sort == "bytes_to") return by([](const Row& r) { return r.c->out_bytes; });
  if (sort == "bytes_from") return by([](const Row& r) { return r.c->in_bytes; });
  if (sort == "last") return by([](const Row& r) { return r.c->last_activity; });
  // nats-server measures "idle" as last activity minus start.
  if (sort == "idle") return by([](const Row& r) { return r.c->last_activity - r.c->start; });
  if (sort == "stop") return by([](const Row& r) { return r.c->stop; });
  descending = false;
  if (sort == "uptime") {
    return by([now](const Row& r) { return (r.closed ? r.c->stop : now) - r.c->start; });
  }
  if (sort == "reason") return by([](const Row& r) { return r.c->reason; });
  return by([](const Row& r) { return r.c->cid; });  // cid, start
}

struct Selection {
  std::vector<Row> rows;
  std::int64_t total = 0;
  bool unknown_account = false;
};

bool in_account(const ConnectionInfo& c, const ConnzOptions& o) {
  return o.account.empty() || c.account == o.account;
}

bool keep(const ConnectionInfo& c, const ConnzOptions& o) {
  return in_account(c, o) && (o.user.empty() || c.authorized_user == o.user);
}

bool account_exists(const Snapshot& snap, const std::string& name) {
  return std::any_of(snap.accounts.begin(), snap.accounts.end(),
                     [&](const AccountInfo& a) { return a.name == name; });
}

Selection select_rows(const Snapshot& snap, const ConnzOptions& o) {
  Selection sel;
  if (!o.account.empty() && !account_exists(snap, o.account)) {
    sel.unknown_account = true;
    return sel;
  }
  bool want_open = o.state != ConnState::kClosed, want_closed = o.state != ConnState::kOpen;
  if (want_open) {
    sel.total += std::count_if(snap.open.begin(), snap.open.end(),
                               [&](const ConnectionInfo& c) { return in_account(c, o); });
  }
  if (want_closed) {
    sel.total += std::count_if(snap.closed.begin(), snap.closed.end(),
                               [&](const ConnectionInfo& c) { return in_account(c, o); });
  }
  if (o.cid > 0) {
    // As in the reference, a cid search with state=all only looks at closed connections.
    const auto& list = want_closed ? snap.closed : snap.open;
    for (const auto& c : list) {
      if (c.cid == o.cid && (!want_closed || keep(c, o))) {
        sel.rows.push_back({&c, want_closed});
        break;
      }
    }
    return sel;
  }
  if (want_open) {
    for (const auto& c : snap.open) {
      if (keep(c, o)) sel.rows.push_back({&c, false});
    }
  }
  if (want_closed) {
    for (const auto& c : snap.closed) {
      if (keep(c, o)) sel.rows.push_back({&c, true});
    }
  }
  return sel;
}

void sort_rows(std::vector<Row>& rows, const std::string& sort, UnixNanos now) {
  // A cid pre-order makes ties deterministic (the reference leaves them in map order).
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.c->cid < b.c->cid; });
  bool descending = false;
  Less less = sort_less(sort, now, descending);
  if (descending) {
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return less(b, a); });
  } else {
    std::stable_sort(rows.begin(), rows.end(), less);
  }
}

void write_subs(JsonWriter& w, const ConnectionInfo& c, const ConnzOptions& o, bool closed) {
  if (c.subs.empty()) return;
  if (o.subs_detail) {
    w.key("subscriptions_list_detail").begin_array();
    // Closed connections keep the account in their saved details, as the reference does.
    for (const auto& s : c.subs) write_sub_detail(w, s, closed);
    w.end_array();
  } else if (o.subs) {
    w.key("subscriptions_list").begin_array();
    for (const auto& s : c.subs) w.value(s.subject);
    w.end_array();
  }
}

void write_peer_certs(JsonWriter& w, const std::vector<PeerCertificate>& certs) {
  if (certs.empty()) return;
  w.key("tls_peer_certs").begin_array();
  for (const PeerCertificate& c : certs) {
    w.begin_object();
    if (!c.subject.empty()) w.field("subject", c.subject);
    if (!c.spki_sha256.empty()) w.field("spki_sha256", c.spki_sha256);
    if (!c.cert_sha256.empty()) w.field("cert_sha256", c.cert_sha256);
    w.end_object();
  }
  w.end_array();
}

// What /connz?auth=1 tells of a JWT (or nkey) user, after its subscriptions as in nats-server.
void write_user_jwt(JsonWriter& w, const ConnectionInfo& c) {
  if (!c.jwt.empty()) w.field("jwt", c.jwt);
  if (!c.issuer_key.empty()) w.field("issuer_key", c.issuer_key);
  if (!c.name_tag.empty()) w.field("name_tag", c.name_tag);
  w.strings_field("tags", c.tags);
}

void write_conn(JsonWriter& w, const Row& row, const ConnzOptions& o, UnixNanos now) {
  const ConnectionInfo& c = *row.c;
  // A closed connection's uptime and idle were frozen when it closed.
  UnixNanos until = row.closed ? c.stop : now;
  w.begin_object();
  w.field("cid", c.cid);
  if (!c.kind.empty()) w.field("kind", c.kind);
  if (!c.type.empty()) w.field("type", c.type);
  w.field("ip", c.ip).field("port", c.port);
  w.field("start", format_rfc3339_nano(c.start));
  w.field("last_activity", format_rfc3339_nano(c.last_activity));
  if (row.closed) w.field("stop", format_rfc3339_nano(c.stop));
  if (!c.reason.empty()) w.field("reason", c.reason);
  w.field("rtt", format_rtt(c.rtt));
  w.field("uptime", format_uptime(until - c.start));
  w.field("idle", format_uptime(until - c.last_activity));
  w.field("pending_bytes", c.pending_bytes);
  w.field("in_msgs", c.in_msgs).field("out_msgs", c.out_msgs);
  w.field("in_bytes", c.in_bytes).field("out_bytes", c.out_bytes);
  w.field("subscriptions", c.num_subs);
  if (!c.name.empty()) w.field("name", c.name);
  if (!c.lang.empty()) w.field("lang", c.lang);
  if (!c.version.empty()) w.field("version", c.version);
  if (!c.tls_version.empty()) w.field("tls_version", c.tls_version);
  if (!c.tls_cipher_suite.empty()) w.field("tls_cipher_suite", c.tls_cipher_suite);
  if (o.auth) write_peer_certs(w, c.tls_peer_certs);
  if (o.auth && !c.authorized_user.empty()) w.field("authorized_user", c.authorized_user);
  if (o.auth && !c.account.empty() && c.account != "$G") w.field("account", c.account);
  write_subs(w, c, o, row.closed);
  if (o.auth) write_user_jwt(w, c);
  w.end_object();
}

}  // namespace

ConnzQuery decode_connz_query(const Query& q) {
  ConnzQuery r;
  ConnzOptions& o = r.options;
  std::string& err = r.error;
  o.sort = q.get("sort");
  o.auth = decode_bool_param(q, "auth", err);
  if (err.empty() && lower(q.get("subs")) == "detail") {
    o.subs_detail = true;
  } else {
    o.subs = decode_bool_param(q, "subs", err);
  }
  o.offset = decode_int_param(q, "offset", err);
  o.limit = decode_int_param(q, "limit", err);
  o.cid = decode_uint64_param(q, "cid", err);
  decode_state(q, o.state, err);
  o.user = q.get("user");
  o.account = q.get("acc");
  return r;
}

std::string validate_connz(const ConnzOptions& o) {
  if (!valid_sort(o.sort)) return "invalid sorting option: " + o.sort;
  if (o.sort == "stop" && o.state != ConnState::kClosed) {
    return "sort by stop only valid on closed connections";
  }
  if (o.sort == "reason" && o.state != ConnState::kClosed) {
    return "sort by reason only valid on closed connections";
  }
  return {};
}

SnapshotRequest connz_request(const ConnzOptions& o) {
  SnapshotRequest r;
  r.open_connections = o.state != ConnState::kClosed;
  r.closed_connections = o.state != ConnState::kOpen;
  r.subscriptions = o.subs || o.subs_detail;
  r.auth_details = o.auth;
  r.accounts = !o.account.empty();
  // Totals still count every connection, so a cid search cannot narrow the gathering.
  return r;
}

Rendered render_connz(const Snapshot& snap, const ConnzOptions& opts) {
  if (std::string e = validate_connz(opts); !e.empty()) return Rendered::bad_request(e);
  ConnzOptions o = opts;
  o.offset = std::max<std::int64_t>(o.offset, 0);
  if (o.limit <= 0) o.limit = kDefaultListSize;
  if (o.cid > 0) o.limit = 1;

  Selection sel = select_rows(snap, o);
  sort_rows(sel.rows, o.sort, snap.now);
  auto count = static_cast<std::int64_t>(sel.rows.size());
  std::int64_t lo = std::min(o.offset, count);
  std::int64_t hi = o.limit > count - lo ? count : lo + o.limit;

  JsonWriter w;
  w.begin_object();
  // An unknown account returns the reference's barely-filled reply (no id, null list).
  w.field("server_id", sel.unknown_account ? std::string() : snap.server.server_id);
  w.field("now", format_rfc3339_nano(snap.now));
  w.field("num_connections", hi - lo);
  w.field("total", sel.total);
  w.field("offset", o.offset).field("limit", o.limit);
  w.key("connections");
  if (sel.unknown_account) {
    w.null();
  } else {
    w.begin_array();
    for (std::int64_t i = lo; i < hi; ++i) write_conn(w, sel.rows[static_cast<std::size_t>(i)], o, snap.now);
    w.end_array();
  }
  w.end_object();
  return Rendered::json(w.take());
}

}  // namespace zats::server::monitor
