// The system account's client events (server/system_events.h): subjects, ids and the JSON, in
// nats-server 2.9.10's field order (its output for a disconnect, ids and times replaced).
#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <string>

#include "server/system_events.h"

using namespace zats::server;

TEST_CASE("event ids are 22 letters and digits, a fixed prefix and a rising sequence") {
  std::mt19937_64 rng(42);
  EventIds ids(rng);
  std::set<std::string> seen;
  std::string first = ids.next();
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.next();
    REQUIRE(id.size() == 22);
    for (char c : id) CHECK(std::isalnum(static_cast<unsigned char>(c)));
    CHECK(id.substr(0, 12) == first.substr(0, 12));
    CHECK(id > first);  // the digits sort as the sequence does
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("the subjects name the account, or the server for a refused login") {
  CHECK(client_event_subject(ClientEvent::Connect, "A", "NID") == "$SYS.ACCOUNT.A.CONNECT");
  CHECK(client_event_subject(ClientEvent::Disconnect, "A", "NID") == "$SYS.ACCOUNT.A.DISCONNECT");
  CHECK(client_event_subject(ClientEvent::AuthError, "$G", "NID") == "$SYS.SERVER.NID.CLIENT.AUTH.ERR");
}

TEST_CASE("events are compact JSON in nats-server's order") {
  const std::vector<std::string> tags = {"az:1"};
  EventServer server{.name = "evsrv", .host = "127.0.0.1", .id = "NID", .cluster = "c1", .version = "2.9.10",
                     .tags = &tags, .seq = 23, .time_ns = 1796564800000000000};
  const std::string client = R"({"acc":"A","kind":"Client","client_type":"nats"})";
  CHECK(client_event_json(ClientEvent::Disconnect, "ID", server, client, {{1, 2, 3, 4, 0}, "Client Closed"}) ==
        R"({"type":"io.nats.server.advisory.v1.client_disconnect","id":"ID","timestamp":"2026-12-06T13:46:40Z",)"
        R"("server":{"name":"evsrv","host":"127.0.0.1","id":"NID","cluster":"c1","ver":"2.9.10","tags":["az:1"],)"
        R"("seq":23,"jetstream":false,"time":"2026-12-06T13:46:40Z"},"client":{"acc":"A","kind":"Client",)"
        R"("client_type":"nats"},"sent":{"msgs":1,"bytes":2},"received":{"msgs":3,"bytes":4},"reason":"Client Closed"})");
  server.cluster = {};
  server.tags = nullptr;
  CHECK(client_event_json(ClientEvent::Connect, "ID", server, client, {}) ==
        R"({"type":"io.nats.server.advisory.v1.client_connect","id":"ID","timestamp":"2026-12-06T13:46:40Z",)"
        R"("server":{"name":"evsrv","host":"127.0.0.1","id":"NID","ver":"2.9.10","seq":23,"jetstream":false,)"
        R"("time":"2026-12-06T13:46:40Z"},"client":{"acc":"A","kind":"Client","client_type":"nats"}})");
}
