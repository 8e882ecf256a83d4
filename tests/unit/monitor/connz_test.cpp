// /connz rendering against output captured from nats-server 2.9.10 for the same state, plus
// the sort, paging, state, cid, subs, auth and 400 rules.
#include <doctest/doctest.h>

#include <simdjson.h>

#include <string>

#include "server/monitor/connz.h"
#include "tests/unit/monitor/fixture.h"

using namespace zats::server::monitor;
using zats::server::monitor::test::reference_snapshot;

namespace {

Rendered connz(const Snapshot& s, const std::string& query) {
  ConnzQuery q = decode_connz_query(Query(query));
  if (!q.error.empty()) return Rendered::bad_request(q.error);
  return render_connz(s, q.options);
}

// The cids in the order they appear in the body's connections list.
std::string cids(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(body);
  simdjson::dom::element doc = parser.parse(text);
  std::string out;
  simdjson::dom::element list = doc["connections"];
  if (list.is_null()) return out;
  for (simdjson::dom::element c : list.get_array()) out += std::to_string(std::uint64_t(c["cid"])) + " ";
  return out;
}

}  // namespace

// nats-server: GET /connz?subs=detail&auth=1 (state open), "now" aligned.
TEST_CASE("connz detail+auth matches the reference byte for byte") {
  Snapshot s = reference_snapshot();
  s.now = 1795830714891620235;
  Rendered r = connz(s, "subs=detail&auth=1");
  CHECK(r.status == 200);
  CHECK(r.body == R"({
  "server_id": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "now": "2026-11-28T01:51:54.891620235Z",
  "num_connections": 1,
  "total": 1,
  "offset": 0,
  "limit": 1024,
  "connections": [
    {
      "cid": 4,
      "kind": "Client",
      "type": "nats",
      "ip": "127.0.0.1",
      "port": 33422,
      "start": "2026-11-28T01:51:53.717887459Z",
      "last_activity": "2026-11-28T01:51:53.718624829Z",
      "rtt": "618µs",
      "uptime": "1s",
      "idle": "1s",
      "pending_bytes": 0,
      "in_msgs": 1,
      "out_msgs": 1,
      "in_bytes": 5,
      "out_bytes": 5,
      "subscriptions": 3,
      "name": "c1",
      "lang": "go",
      "version": "1.2",
      "authorized_user": "x",
      "subscriptions_list_detail": [
        {
          "subject": "baz",
          "sid": "3",
          "msgs": 0,
          "max": 5,
          "cid": 4
        },
        {
          "subject": "foo",
          "sid": "1",
          "msgs": 1,
          "cid": 4
        },
        {
          "subject": "bar",
          "qgroup": "q",
          "sid": "2",
          "msgs": 0,
          "cid": 4
        }
      ]
    }
  ]
})");
}

// nats-server: GET /connz?state=closed&sort=stop
TEST_CASE("connz closed connection matches the reference") {
  Snapshot s = reference_snapshot();
  s.now = 1795830714919347291;
  Rendered r = connz(s, "state=closed&sort=stop");
  CHECK(r.body == R"({
  "server_id": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "now": "2026-11-28T01:51:54.919347291Z",
  "num_connections": 1,
  "total": 1,
  "offset": 0,
  "limit": 1024,
  "connections": [
    {
      "cid": 5,
      "kind": "Client",
      "type": "nats",
      "ip": "127.0.0.1",
      "port": 33430,
      "start": "2026-11-28T01:51:54.218948343Z",
      "last_activity": "2026-11-28T01:51:54.219313558Z",
      "stop": "2026-11-28T01:51:54.523656537Z",
      "reason": "Read Error",
      "rtt": "365µs",
      "uptime": "0s",
      "idle": "0s",
      "pending_bytes": 0,
      "in_msgs": 0,
      "out_msgs": 0,
      "in_bytes": 0,
      "out_bytes": 0,
      "subscriptions": 0
    }
  ]
})");
}

TEST_CASE("connz subs=1 lists subjects; state=all includes closed; auth hides $G") {
  Snapshot s = reference_snapshot();
  Rendered r = connz(s, "subs=1&state=all");
  CHECK(r.body.find("\"subscriptions_list\": [\n        \"baz\",\n        \"foo\",\n        \"bar\"\n      ]") !=
        std::string::npos);
  CHECK(r.body.find("\"total\": 2") != std::string::npos);
  CHECK(r.body.find("\"authorized_user\"") == std::string::npos);
  CHECK(cids(r.body) == "4 5 ");
  s.open[0].account = "ACC";
  s.accounts.push_back({"ACC"});
  r = connz(s, "auth=true");
  CHECK(r.body.find("\"account\": \"ACC\"") != std::string::npos);
  // Closed connections keep the account inside their saved subscription details.
  s.closed[0].subs = {{"$G", "x", "", "9", 0, 0, 5}};
  s.closed[0].num_subs = 1;
  r = connz(s, "state=closed&subs=detail");
  CHECK(r.body.find("\"account\": \"$G\",\n          \"subject\": \"x\"") != std::string::npos);
}

TEST_CASE("connz lists a TLS peer's certificates with auth only, after the cipher suite") {
  Snapshot s = reference_snapshot();
  s.open[0].tls_version = "1.3";
  s.open[0].tls_cipher_suite = "TLS_AES_128_GCM_SHA256";
  s.open[0].tls_peer_certs = {{"CN=alice", "aa", "bb"}, {"", "cc", "dd"}};
  Rendered r = connz(s, "auth=1");
  CHECK(r.body.find(R"("tls_cipher_suite": "TLS_AES_128_GCM_SHA256",
      "tls_peer_certs": [
        {
          "subject": "CN=alice",
          "spki_sha256": "aa",
          "cert_sha256": "bb"
        },
        {
          "spki_sha256": "cc",
          "cert_sha256": "dd"
        }
      ],
      "authorized_user": "x")") != std::string::npos);
  CHECK(connz(s, "auth=0").body.find("tls_peer_certs") == std::string::npos);
}

namespace {

Snapshot many() {
  Snapshot s = reference_snapshot();
  s.open.clear();
  s.closed.clear();
  for (std::uint64_t cid = 1; cid <= 6; ++cid) {
    ConnectionInfo c;
    c.cid = cid;
    c.account = "$G";
    c.start = s.now - static_cast<Nanos>(cid) * 1'000'000'000;
    c.last_activity = c.start + static_cast<Nanos>(7 - cid) * 10;
    c.num_subs = static_cast<std::uint32_t>(cid % 3);
    c.pending_bytes = static_cast<std::int64_t>(cid * 7 % 5);
    c.out_msgs = static_cast<std::int64_t>(10 - cid);
    c.in_msgs = static_cast<std::int64_t>(cid);
    c.out_bytes = static_cast<std::int64_t>(cid * 3 % 4);
    c.in_bytes = static_cast<std::int64_t>(cid * 2);
    c.authorized_user = cid % 2 ? "odd" : "even";
    if (cid > 4) {
      c.stop = s.now - static_cast<Nanos>(cid);
      c.reason = cid == 5 ? "Stale Connection" : "Client Closed";
      s.closed.push_back(c);
    } else {
      s.open.push_back(c);
    }
  }
  return s;
}

}  // namespace

TEST_CASE("connz sorting: cid ascending, numeric keys descending, ties by cid") {
  Snapshot s = many();
  CHECK(cids(connz(s, "").body) == "1 2 3 4 ");
  CHECK(cids(connz(s, "sort=start").body) == "1 2 3 4 ");
  CHECK(cids(connz(s, "sort=subs").body) == "2 1 4 3 ");
  CHECK(cids(connz(s, "sort=pending").body) == "2 4 1 3 ");
  CHECK(cids(connz(s, "sort=msgs_to").body) == "1 2 3 4 ");
  CHECK(cids(connz(s, "sort=msgs_from").body) == "4 3 2 1 ");
  CHECK(cids(connz(s, "sort=bytes_to").body) == "1 2 3 4 ");
  CHECK(cids(connz(s, "sort=bytes_from").body) == "4 3 2 1 ");
  CHECK(cids(connz(s, "sort=last").body) == "1 2 3 4 ");
  CHECK(cids(connz(s, "sort=idle").body) == "1 2 3 4 ");
  // The reference sorts uptime ascending (youngest first).
  CHECK(cids(connz(s, "sort=uptime").body) == "1 2 3 4 ");
  CHECK(cids(connz(s, "sort=uptime&state=all").body) == "1 2 3 4 5 6 ");
  CHECK(cids(connz(s, "sort=stop&state=closed").body) == "5 6 ");
  CHECK(cids(connz(s, "sort=reason&state=closed").body) == "6 5 ");
}

TEST_CASE("connz paging, cid and filters") {
  Snapshot s = many();
  Rendered r = connz(s, "limit=2&offset=1");
  CHECK(cids(r.body) == "2 3 ");
  CHECK(r.body.find("\"num_connections\": 2,\n  \"total\": 4,\n  \"offset\": 1,\n  \"limit\": 2") !=
        std::string::npos);
  r = connz(s, "offset=10");
  CHECK(r.body.find("\"connections\": []") != std::string::npos);
  CHECK(connz(s, "offset=-5&limit=-1").body.find("\"offset\": 0,\n  \"limit\": 1024") != std::string::npos);
  // cid forces limit 1; total still counts the whole state.
  r = connz(s, "cid=3");
  CHECK(cids(r.body) == "3 ");
  CHECK(r.body.find("\"num_connections\": 1,\n  \"total\": 4,\n  \"offset\": 0,\n  \"limit\": 1") !=
        std::string::npos);
  CHECK(cids(connz(s, "cid=6").body).empty());
  CHECK(cids(connz(s, "cid=6&state=closed").body) == "6 ");
  // As in the reference, state=all with a cid only searches closed connections.
  CHECK(cids(connz(s, "cid=2&state=all").body).empty());
  CHECK(cids(connz(s, "cid=5&state=any").body) == "5 ");
  CHECK(cids(connz(s, "user=odd&state=all").body) == "1 3 5 ");
  r = connz(s, "acc=nope");
  CHECK(r.body.find("\"server_id\": \"\"") != std::string::npos);
  CHECK(r.body.find("\"connections\": null") != std::string::npos);
  CHECK(cids(connz(s, "acc=$G").body) == "1 2 3 4 ");
}

TEST_CASE("connz 400 texts as the reference") {
  Snapshot s = many();
  auto err = [&](const char* q) {
    Rendered r = connz(s, q);
    CHECK(r.status == 400);
    CHECK(r.is_error);
    return r.body;
  };
  CHECK(err("sort=foo") == "invalid sorting option: foo");
  CHECK(err("sort=stop") == "sort by stop only valid on closed connections");
  CHECK(err("sort=reason&state=all") == "sort by reason only valid on closed connections");
  CHECK(err("limit=x") == "Error decoding int for 'limit': strconv.Atoi: parsing \"x\": invalid syntax");
  CHECK(err("offset=-1x") == "Error decoding int for 'offset': strconv.Atoi: parsing \"-1x\": invalid syntax");
  CHECK(err("cid=-1") == "Error decoding uint64 for 'cid': strconv.ParseUint: parsing \"-1\": invalid syntax");
  CHECK(err("auth=yes") == "Error decoding boolean for 'auth': strconv.ParseBool: parsing \"yes\": invalid syntax");
  CHECK(err("subs=maybe") == "Error decoding boolean for 'subs': strconv.ParseBool: parsing \"maybe\": invalid syntax");
  CHECK(err("state=bogus") == "Error decoding state for bogus");
  // The first bad parameter in the reference's decoding order wins.
  CHECK(err("state=bogus&auth=no") ==
        "Error decoding boolean for 'auth': strconv.ParseBool: parsing \"no\": invalid syntax");
  CHECK(connz(s, "state=CLOSED&subs=DETAIL&auth=T").status == 200);
}

TEST_CASE("connz gathers only what it needs") {
  ConnzOptions o;
  SnapshotRequest r = connz_request(o);
  CHECK(r.open_connections);
  CHECK_FALSE(r.closed_connections);
  CHECK_FALSE(r.subscriptions);
  CHECK_FALSE(r.auth_details);
  o.auth = true;
  CHECK(connz_request(o).auth_details);
  o.state = ConnState::kClosed;
  o.subs_detail = true;
  r = connz_request(o);
  CHECK_FALSE(r.open_connections);
  CHECK(r.closed_connections);
  CHECK(r.subscriptions);
}
