// Endpoints: routing under http_base_path, request counting, JSONP, 404s and 400s, and the
// /varz, /subsz, /routez, /healthz, /accountz, /accstatz, /leafz, /gatewayz and /jsz bodies
// against nats-server 2.9.10 output.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>

#include "server/monitor/endpoints.h"
#include "tests/unit/monitor/fixture.h"

using namespace zats::server::monitor;
using zats::server::monitor::test::FakeSource;

namespace {

HttpResponse get(Endpoints& ep, const std::string& target) {
  HttpRequest r;
  r.method = "GET";
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  return ep.handle(r);
}

bool valid_json(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(body);
  return parser.parse(text).error() == simdjson::SUCCESS;
}

}  // namespace

// nats-server: the first GET /varz after start (no connections yet).
TEST_CASE("varz matches the reference, with zats statistics kept apart") {
  FakeSource src;
  src.snap.now = 1795830710377814429;
  src.snap.totals.mem_rss = 11993088;
  src.snap.totals.subscriptions = 43;
  Endpoints ep(src, "");
  HttpResponse r = get(ep, "/varz");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({
  "server_id": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "server_name": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "version": "2.9.10",
  "proto": 1,
  "go": "go1.19.8",
  "host": "0.0.0.0",
  "port": 14333,
  "max_connections": 65536,
  "ping_interval": 120000000000,
  "ping_max": 2,
  "http_host": "0.0.0.0",
  "http_port": 18333,
  "http_base_path": "",
  "https_port": 0,
  "auth_timeout": 2,
  "max_control_line": 4096,
  "max_payload": 1048576,
  "max_pending": 67108864,
  "cluster": {},
  "gateway": {},
  "leaf": {},
  "mqtt": {},
  "websocket": {},
  "jetstream": {},
  "tls_timeout": 2,
  "write_deadline": 10000000000,
  "start": "2026-11-28T01:51:48.372346888Z",
  "now": "2026-11-28T01:51:50.377814429Z",
  "uptime": "2s",
  "mem": 11993088,
  "cores": 2,
  "gomaxprocs": 2,
  "cpu": 0,
  "connections": 0,
  "total_connections": 0,
  "routes": 0,
  "remotes": 0,
  "leafnodes": 0,
  "in_msgs": 0,
  "out_msgs": 0,
  "in_bytes": 0,
  "out_bytes": 0,
  "slow_consumers": 0,
  "subscriptions": 43,
  "http_req_stats": {
    "/varz": 1
  },
  "config_load_time": "2026-11-28T01:51:48.372346888Z",
  "system_account": "$SYS",
  "zats": {
    "log_lines_dropped": 0,
    "io_uring": {
      "kernel": "",
      "tier": "",
      "tier_forced": false,
      "features": []
    },
    "workers": []
  }
})");
  src.snap.workers = {{0, 10, 0.25, 1, 2, 3, 4, 64, 5, 6, 262144, 7, 8, 9, 11}};
  src.snap.server.io_uring_kernel = "6.1.0-18-amd64";
  src.snap.server.io_uring_tier = "5.19";
  src.snap.server.io_uring_tier_forced = true;
  src.snap.server.io_uring_features = {"registered-files"};
  src.snap.server.auth_required = true;
  src.snap.server.max_subscriptions = 7;
  src.snap.server.cluster_name = "c";
  src.snap.server.cluster_port = 6222;
  r = get(ep, "/varz");
  CHECK(valid_json(r.body));
  CHECK(r.body.find("\"port\": 14333,\n  \"auth_required\": true,\n  \"max_connections\": 65536,\n"
                    "  \"max_subscriptions\": 7,") != std::string::npos);
  CHECK(r.body.find("\"cluster\": {\n    \"name\": \"c\",\n    \"cluster_port\": 6222\n  },") != std::string::npos);
  CHECK(r.body.find("\"io_uring\": {\n      \"kernel\": \"6.1.0-18-amd64\",\n      \"tier\": \"5.19\",\n"
                    "      \"tier_forced\": true,\n      \"features\": [\n        \"registered-files\"\n      ]\n    },") !=
        std::string::npos);
  CHECK(r.body.find("\"recv_buffers\": 64,\n        \"recv_out_of_buffers\": 5,\n        \"registered_sockets\": 6,\n"
                    "        \"recv_buffer_resident_bytes\": 262144,\n        \"recv_buffer_releases\": 7,\n"
                    "        \"connections_moved_in\": 8,\n        \"connections_moved_out\": 9,\n"
                    "        \"moves_given_up\": 11\n") !=
        std::string::npos);
  CHECK(r.body.find("\"/varz\": 2") != std::string::npos);
  CHECK(r.body.find("\"utilisation\": 0.25") != std::string::npos);
}

// nats-server: GET /subsz?test=foo, /routez, /healthz, /accountz.
TEST_CASE("subsz, routez, healthz and accountz match the reference") {
  FakeSource src;
  src.snap.sublist = {46, 8, 46, 0, 8, 0, 1, 0.75, 6, 8};
  Endpoints ep(src, "/");
  HttpResponse r = get(ep, "/subsz?test=foo");
  CHECK(r.body == R"({
  "num_subscriptions": 46,
  "num_cache": 8,
  "num_inserts": 46,
  "num_removes": 0,
  "num_matches": 8,
  "cache_hit_rate": 0,
  "max_fanout": 1,
  "avg_fanout": 0.75
})");
  src.snap.now = 1795830714948521656;
  CHECK(get(ep, "/routez").body == R"({
  "server_id": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "now": "2026-11-28T01:51:54.948521656Z",
  "num_routes": 0,
  "routes": []
})");
  r = get(ep, "/healthz");
  CHECK(r.body == R"({"status":"ok"})");
  src.snap.now = 1795830714965558470;
  CHECK(get(ep, "/accountz").body == R"({
  "server_id": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "now": "2026-11-28T01:51:54.96555847Z",
  "system_account": "$SYS",
  "accounts": [
    "$G",
    "$SYS"
  ]
})");
  r = get(ep, "/accountz?acc=$G");
  CHECK(valid_json(r.body));
  CHECK(r.body.find("\"account_detail\": {\n    \"account_name\": \"$G\",") != std::string::npos);
  CHECK(r.body.find("\"client_connections\": 1,\n    \"subscriptions\": 3,") != std::string::npos);
  r = get(ep, "/accountz?acc=nope");
  CHECK(r.status == 400);
  CHECK(r.body == "Account nope does not exist");
  src.snap.ready = false;
  src.snap.ready_error = "not ready";
  r = get(ep, "/healthz");
  CHECK(r.status == 503);
  CHECK(r.body == R"({"status":"error","error":"not ready"})");
}

// nats-server: GET /accstatz and /accstatz?unused=1 with one client in $G (2 PUBs of 4 bytes in,
// 1 MSG of 4 bytes out, one slow consumer closed earlier), then /leafz, /gatewayz and /jsz.
TEST_CASE("accstatz and the absent subsystems' endpoints match the reference") {
  FakeSource src;
  src.snap.now = 1795830714965558470;
  src.snap.accounts[0].traffic = {2, 8, 1, 4, 1};
  src.snap.accounts[1].client_connections = 0;
  Endpoints ep(src, "/");
  const std::string g = R"(
    {
      "acc": "$G",
      "conns": 1,
      "leafnodes": 0,
      "total_conns": 1,
      "sent": {
        "msgs": 1,
        "bytes": 4
      },
      "received": {
        "msgs": 2,
        "bytes": 8
      },
      "slow_consumers": 1
    })";
  const std::string head = R"({
  "server_id": "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR",
  "now": "2026-11-28T01:51:54.96555847Z",
)";
  CHECK(get(ep, "/accstatz").body == head + "  \"account_statz\": [" + g + "\n  ]\n}");
  CHECK(src.last.accounts);
  HttpResponse r = get(ep, "/accstatz?unused=true");
  CHECK(r.body.find(g + ",\n    {\n      \"acc\": \"$SYS\",\n      \"conns\": 0,") != std::string::npos);
  r = get(ep, "/accstatz?unused=2");
  CHECK(r.status == 400);
  CHECK(r.body == "Error decoding boolean for 'unused': strconv.ParseBool: parsing \"2\": invalid syntax");
  CHECK(get(ep, "/leafz").body == head + "  \"leafnodes\": 0,\n  \"leafs\": null\n}");
  CHECK(get(ep, "/gatewayz").body == head + "  \"outbound_gateways\": {},\n  \"inbound_gateways\": {}\n}");
  CHECK(get(ep, "/jsz?accounts=true").body == head + R"(  "disabled": true,
  "config": {
    "max_memory": 0,
    "max_storage": 0
  },
  "memory": 0,
  "storage": 0,
  "reserved_memory": 0,
  "reserved_storage": 0,
  "accounts": 0,
  "ha_assets": 0,
  "api": {
    "total": 0,
    "errors": 0
  },
  "streams": 0,
  "consumers": 0,
  "messages": 0,
  "bytes": 0
})");
  r = get(ep, "/jsz?limit=ten&leader-only=true");
  CHECK(r.status == 400);
  CHECK(r.body == "Error decoding int for 'limit': strconv.Atoi: parsing \"ten\": invalid syntax");
  r = get(ep, "/jsz?leader-only=true");
  CHECK(r.status == 400);
  CHECK(r.body == "filtered response: not leader");
  CHECK(get(ep, "/varz").body.find("\"/accstatz\": 3,\n    \"/gatewayz\": 1,\n    \"/jsz\": 3,\n    \"/leafz\": 1,") !=
        std::string::npos);
}

TEST_CASE("subsz lists subscriptions with paging and test subjects") {
  FakeSource src;
  Endpoints ep(src, "");
  HttpResponse r = get(ep, "/subscriptionsz?subs=1");
  CHECK(src.last.subscriptions);
  CHECK(valid_json(r.body));
  CHECK(r.body.find("\"total\": 3,\n  \"offset\": 0,\n  \"limit\": 1024,\n  \"subscriptions_list\": [\n"
                    "    {\n      \"account\": \"$G\",\n      \"subject\": \"baz\",") != std::string::npos);
  src.snap.open[0].subs.push_back({"$G", "f.*", "", "7", 0, 0, 4});
  src.snap.open[0].subs.push_back({"$G", ">", "", "8", 0, 0, 4});
  r = get(ep, "/subsz?subs=true&test=f.x");
  CHECK(r.body.find("\"total\": 2,") != std::string::npos);
  CHECK(r.body.find("\"subject\": \"f.*\"") != std::string::npos);
  // Go's encoding/json escapes '>' as \u003e.
  CHECK(r.body.find("\"subject\": \"\\u003e\"") != std::string::npos);
  CHECK(r.body.find("\"subject\": \"foo\"") == std::string::npos);
  r = get(ep, "/subsz?subs=1&offset=1&limit=1");
  // The reference reports the page size as "total".
  CHECK(r.body.find("\"total\": 1,\n  \"offset\": 1,\n  \"limit\": 1,") != std::string::npos);
  CHECK(r.body.find("\"subject\": \"foo\"") != std::string::npos);
  r = get(ep, "/subsz?test=foo.*");
  CHECK(r.status == 400);
  CHECK(r.body == "invalid test subject, must be valid publish subject: foo.*");
  CHECK(get(ep, "/subsz?subs=x").body ==
        "Error decoding boolean for 'subs': strconv.ParseBool: parsing \"x\": invalid syntax");
  CHECK(get(ep, "/subsz?test=a..b").status == 400);
}

TEST_CASE("JSONP, 404, 400 content types and request counting") {
  FakeSource src;
  Endpoints ep(src, "");
  HttpResponse r = get(ep, "/healthz?callback=cb");
  CHECK(r.content_type == "application/javascript");
  CHECK(r.body == R"(cb({"status":"ok"}))");
  r = get(ep, "/nope");
  CHECK(r.status == 404);
  CHECK(r.body == "404 page not found\n");
  CHECK(r.content_type == "text/plain; charset=utf-8");
  CHECK(get(ep, "/varz/").status == 404);
  r = get(ep, "/connz?sort=foo&callback=cb");
  CHECK(r.status == 400);
  CHECK(r.content_type == "text/plain; charset=utf-8");
  CHECK(r.body == "invalid sorting option: foo");
  CHECK(get(ep, "/healthz?js-enabled=q").body ==
        "Error decoding boolean for 'js-enabled': strconv.ParseBool: parsing \"q\": invalid syntax");
  get(ep, "/connz?limit=x");  // decoding errors are not counted for /connz
  get(ep, "/subsz?subs=x");   // ... but are for /subsz
  get(ep, "/");
  const auto& st = ep.request_stats();
  CHECK(st.at("/connz") == 1);
  CHECK(st.at("/subsz") == 1);
  CHECK(st.at("/healthz") == 2);
  CHECK(st.at("/") == 1);
  r = get(ep, "/");
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body.find("<a href=./connz>") != std::string::npos);
}

TEST_CASE("http_base_path prefixes every endpoint") {
  CHECK(Endpoints::normalize_base_path("") == "/");
  CHECK(Endpoints::normalize_base_path("mon/") == "/mon");
  CHECK(Endpoints::normalize_base_path("/a//b/../c/") == "/a/c");
  FakeSource src;
  Endpoints ep(src, "mon");
  CHECK(get(ep, "/mon/varz").status == 200);
  CHECK(get(ep, "/mon/connz").status == 200);
  CHECK(get(ep, "/varz").status == 404);
  CHECK(get(ep, "/monvarz").status == 404);
  CHECK(get(ep, "/mon/").status == 404);
  HttpResponse r = get(ep, "/mon");
  CHECK(r.status == 200);
  CHECK(r.body.find("<a href=./mon/varz>") != std::string::npos);
}

TEST_CASE("every JSON endpoint renders valid JSON for a busy snapshot") {
  FakeSource src;
  src.snap.open[0].name = "we\"ird <name>\n";
  src.snap.routes.push_back({});
  src.snap.workers = {{0, 1, 0.5, 0, 1, 1, 1}, {1, 2, 1e-9, 3, 4, 5, 0}};
  Endpoints ep(src, "");
  for (const char* t : {"/varz", "/connz?subs=detail&auth=1&state=all", "/connz?subs=1", "/routez?subs=1",
                        "/subsz?subs=1", "/healthz", "/accountz", "/accountz?acc=$SYS"}) {
    HttpResponse r = get(ep, t);
    CAPTURE(t);
    CHECK(r.status == 200);
    CHECK(valid_json(r.body));
  }
}
