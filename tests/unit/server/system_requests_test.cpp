// The system account's services (server/system_requests.h): which subjects ask which service
// of which server, the options and filter read from a request's JSON, and the answers' form.
#include <doctest/doctest.h>

#include <string>

#include "server/system_requests.h"

using namespace zats::server;

namespace {

const std::vector<std::string> kTags = {"region:east", "tier:1"};

EventServer a_server() {
  return EventServer{.name = "hub-1", .host = "0.0.0.0", .id = "NME", .cluster = "east", .version = "2.9.10",
                     .tags = &kTags, .seq = 7, .time_ns = 1796564800000000000};
}

std::optional<SystemService> service_of(std::string_view subject) {
  std::optional<SystemRequest> r = SystemRequest::parse(subject, "NME");
  if (!r) return std::nullopt;
  return r->service();
}

monitor::Snapshot a_snapshot() {
  monitor::Snapshot snap;
  snap.now = 1796564800000000000;
  snap.server.server_id = "NME";
  snap.server.start = 1796564700000000000;
  for (const char* name : {"$G", "A", "SYS"}) {
    monitor::AccountInfo a;
    a.name = name;
    a.client_connections = std::string(name) == "A" ? 2 : 0;
    snap.accounts.push_back(a);
  }
  snap.totals.connections = 2;
  return snap;
}

}  // namespace

TEST_CASE("subjects name a service of every server or of one") {
  CHECK(service_of("$SYS.REQ.SERVER.PING") == SystemService::Statsz);
  CHECK(service_of("$SYS.REQ.SERVER.PING.STATSZ") == SystemService::Statsz);
  CHECK(service_of("$SYS.REQ.SERVER.PING.CONNZ") == SystemService::Connz);
  CHECK(service_of("$SYS.REQ.SERVER.NME.VARZ") == SystemService::Varz);
  CHECK(service_of("$SYS.REQ.SERVER.NOTME.VARZ") == std::nullopt);
  CHECK(service_of("$SYS.REQ.SERVER.PING.IDZ") == std::nullopt);
  CHECK(service_of("$SYS.REQ.SERVER.PING.CONNZ.MORE") == std::nullopt);
  CHECK(service_of("$SYS.REQ.ACCOUNT.A.CONNZ") == SystemService::AccountConnz);
  CHECK(service_of("$SYS.REQ.ACCOUNT.A.INFO") == SystemService::AccountInfo);
  CHECK(service_of("$SYS.REQ.ACCOUNT.PING.STATZ") == SystemService::AccountsStatz);
  CHECK(service_of("$SYS.REQ.ACCOUNT.A.CONNS") == SystemService::AccountConns);
  CHECK(service_of("$SYS.REQ.ACCOUNT.A.CLAIMS") == std::nullopt);
  CHECK(service_of("$SYS.REQ.ACCOUNT.A") == std::nullopt);
  CHECK(SystemRequest::parse("$SYS.REQ.ACCOUNT.B.SUBSZ", "NME")->account() == "B");
}

TEST_CASE("a claims update names its account on today's subject and on the older one") {
  CHECK(service_of("$SYS.REQ.ACCOUNT.AKEY.CLAIMS.UPDATE") == SystemService::ClaimsUpdate);
  CHECK(SystemRequest::parse("$SYS.REQ.ACCOUNT.AKEY.CLAIMS.UPDATE", "NME")->account() == "AKEY");
  CHECK(SystemRequest::parse("$SYS.ACCOUNT.AKEY.CLAIMS.UPDATE", "NME")->account() == "AKEY");
  CHECK(service_of("$SYS.ACCOUNT.AKEY.CONNECT") == std::nullopt);  // an event, not a request
  CHECK(service_of("$SYS.REQ.ACCOUNT.AKEY.CLAIMS.LOOKUP") == std::nullopt);
  CHECK(service_of("$SYS.REQ.ACCOUNT..CLAIMS.UPDATE") == std::nullopt);
  CHECK(service_of("$SYS.ACCOUNT.AKEY.CLAIMS.UPDATE.MORE") == std::nullopt);
}

TEST_CASE("a claims update is answered with data or an error, then the server, as Go orders a map") {
  const std::string server =
      R"("server":{"name":"hub-1","host":"0.0.0.0","id":"NME","cluster":"east","ver":"2.9.10",)"
      R"("tags":["region:east","tier:1"],"seq":7,"jetstream":false,"time":"2026-12-06T13:46:40Z"}})";
  CHECK(claims_update_answer(a_server(), "AKEY", "jwt updated", "") ==
        R"({"data":{"account":"AKEY","code":200,"message":"jwt updated"},)" + server);
  CHECK(claims_update_answer(a_server(), "AKEY", "jwt update error", "request body is empty") ==
        R"({"error":{"account":"AKEY","code":500,"description":"jwt update error - request body is empty"},)" + server);
}

TEST_CASE("the filter picks servers by substrings of name, host and cluster, and by every tag") {
  const EventServer me = a_server();
  auto leaves_out = [&me](std::string_view json) {
    std::optional<SystemRequest> r = SystemRequest::parse("$SYS.REQ.SERVER.PING.VARZ", "NME");
    REQUIRE(r->read_options(json));
    return r->leaves_out(me);
  };
  CHECK_FALSE(leaves_out(""));
  CHECK_FALSE(leaves_out("null"));
  CHECK_FALSE(leaves_out(R"({"server_name":"hub"})"));
  CHECK_FALSE(leaves_out(R"({"cluster":"eas","host":"0.0"})"));
  CHECK_FALSE(leaves_out(R"({"tags":["TIER:1","region:east"]})"));
  CHECK(leaves_out(R"({"server_name":"spoke"})"));
  CHECK(leaves_out(R"({"tags":["tier:1","tier:2"]})"));
  CHECK(leaves_out(R"({"domain":"hub"})"));
  CHECK(leaves_out(R"({"CLUSTER":"west"})"));  // Go matches keys without regard to case
}

TEST_CASE("options that are not JSON, or of the wrong type, are answered with a 400") {
  std::optional<SystemRequest> r = SystemRequest::parse("$SYS.REQ.SERVER.PING.CONNZ", "NME");
  CHECK_FALSE(r->read_options(R"({"limit":"ten"})"));
  std::string answer = *r->answer(a_snapshot(), a_server(), "ID");
  CHECK(answer.find(R"("error":{"code":400,)") != std::string::npos);
  CHECK(answer.find(R"("data")") == std::string::npos);
  std::optional<SystemRequest> bad = SystemRequest::parse("$SYS.REQ.SERVER.PING.CONNZ", "NME");
  CHECK_FALSE(bad->read_options("{bad"));
  CHECK_FALSE(bad->read_options("[1]"));
}

TEST_CASE("an endpoint's error is a 500 with a null data, as nats-server's") {
  std::optional<SystemRequest> r = SystemRequest::parse("$SYS.REQ.SERVER.PING.CONNZ", "NME");
  REQUIRE(r->read_options(R"({"sort":"bogus"})"));
  CHECK(*r->answer(a_snapshot(), a_server(), "ID") ==
        R"({"server":{"name":"hub-1","host":"0.0.0.0","id":"NME","cluster":"east","ver":"2.9.10",)"
        R"("tags":["region:east","tier:1"],"seq":7,"jetstream":false,"time":"2026-12-06T13:46:40Z"},)"
        R"("data":null,"error":{"code":500,"description":"invalid sorting option: bogus"}})");
}

TEST_CASE("the statistics of accounts: only those with clients, unless asked for all") {
  std::optional<SystemRequest> one = SystemRequest::parse("$SYS.REQ.ACCOUNT.SYS.STATZ", "NME");
  REQUIRE(one->read_options(""));
  CHECK(one->answer(a_snapshot(), a_server(), "ID") == std::nullopt);
  std::optional<SystemRequest> all = SystemRequest::parse("$SYS.REQ.ACCOUNT.PING.STATZ", "NME");
  REQUIRE(all->read_options(R"({"include_unused":true,"accounts":["SYS","A"]})"));
  std::string answer = *all->answer(a_snapshot(), a_server(), "ID");
  CHECK(answer.find(R"("acc":"A","conns":2)") != std::string::npos);
  CHECK(answer.find(R"("acc":"SYS","conns":0)") != std::string::npos);
  CHECK(answer.find(R"("acc":"$G")") == std::string::npos);
}

TEST_CASE("the server's statistics and the endpoints' data are compact") {
  std::optional<SystemRequest> statsz = SystemRequest::parse("$SYS.REQ.SERVER.PING", "NME");
  REQUIRE(statsz->read_options(""));
  std::string answer = *statsz->answer(a_snapshot(), a_server(), "ID");
  CHECK(answer.find(R"(},"statsz":{"start":"2026-12-06T13:45:00Z","mem":0,)") != std::string::npos);
  CHECK(answer.find(R"("connections":2,"total_connections":0,"active_accounts":1,)") != std::string::npos);
  CHECK(answer.find(R"("active_servers":1}})") != std::string::npos);
  std::optional<SystemRequest> healthz = SystemRequest::parse("$SYS.REQ.SERVER.NME.HEALTHZ", "NME");
  REQUIRE(healthz->read_options(""));
  answer = *healthz->answer(a_snapshot(), a_server(), "ID");
  CHECK(answer.ends_with(R"(,"data":{"status":"ok"}})"));
  std::optional<SystemRequest> jsz = SystemRequest::parse("$SYS.REQ.SERVER.PING.JSZ", "NME");
  REQUIRE(jsz->read_options(R"({"leader_only":true})"));
  CHECK(jsz->answer(a_snapshot(), a_server(), "ID") == std::nullopt);
}

TEST_CASE("a CONNS request gets the account's connection event, when it has clients here") {
  auto conns = [](std::string_view subject, std::string_view json) {
    std::optional<SystemRequest> r = SystemRequest::parse(subject, "NME");
    r->read_options(json);
    return r->answer(a_snapshot(), a_server(), "ID");
  };
  CHECK(*conns("$SYS.REQ.ACCOUNT.A.CONNS", R"({"acc":"A"})") ==
        R"({"type":"io.nats.server.advisory.v1.account_connections","id":"ID","timestamp":"2026-12-06T13:46:40Z",)"
        R"("server":{"name":"hub-1","host":"0.0.0.0","id":"NME","cluster":"east","ver":"2.9.10",)"
        R"("tags":["region:east","tier:1"],"seq":7,"jetstream":false,"time":"2026-12-06T13:46:40Z"},)"
        R"("acc":"A","conns":2,"leafnodes":0,"total_conns":2,"sent":{"msgs":0,"bytes":0},)"
        R"("received":{"msgs":0,"bytes":0},"slow_consumers":0})");
  CHECK(conns("$SYS.REQ.ACCOUNT.A.CONNS", "") != std::nullopt);
  CHECK(conns("$SYS.REQ.ACCOUNT.A.CONNS", R"({"acc":"B"})") == std::nullopt);  // not the subject's
  CHECK(conns("$SYS.REQ.ACCOUNT.A.CONNS", "{bad") == std::nullopt);
  CHECK(conns("$SYS.REQ.ACCOUNT.SYS.CONNS", "") == std::nullopt);  // no client
  CHECK(conns("$SYS.REQ.ACCOUNT.NOPE.CONNS", "") == std::nullopt);
}
