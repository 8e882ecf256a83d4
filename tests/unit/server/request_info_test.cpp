// The Nats-Request-Info header (server/request_info.h): its JSON and where it goes in a
// request's headers, as nats-server 2.9.10 writes them.
#include <doctest/doctest.h>

#include "server/request_info.h"

using zats::server::request_info_json;
using zats::server::RequestInfo;
using zats::server::set_request_info;

namespace {

// The request (header block `header`, then `body`) after the header is set; checks the header
// block size reported against where the body starts.
std::string stamped(std::string_view header, std::string_view body, std::string_view value) {
  std::string payload = std::string(header) + std::string(body);
  std::string out;
  uint32_t size = set_request_info(payload, static_cast<uint32_t>(header.size()), value, out);
  CHECK(out.substr(size) == body);
  CHECK(out.substr(0, size).ends_with("\r\n\r\n"));
  return out;
}

}  // namespace

TEST_CASE("the value names the account, the account it came through, the round trip") {
  std::string out;
  request_info_json({.account = "B", .rtt_ns = 226206}, out);
  CHECK(out == R"({"acc":"B","rtt":226206})");
  request_info_json({.account = "C", .service = "B"}, out);
  CHECK(out == R"({"acc":"C","svc":"B"})");
  request_info_json({.account = "a\"b"}, out);
  CHECK(out == R"({"acc":"a\"b"})");
}

TEST_CASE("a sharing import tells the requester's connection and server, in nats-server's order") {
  std::string out;
  RequestInfo info{.account = "B", .rtt_ns = 5, .details = true, .start = "2026-12-06T10:00:00Z", .user = "b",
                   .host = "127.0.0.1", .lang = "go", .version = "1.2", .id = 7,
                   .server_info = true, .server = "S1"};
  request_info_json(info, out);
  CHECK(out == R"({"start":"2026-12-06T10:00:00Z","host":"127.0.0.1","id":7,"acc":"B","user":"b","lang":"go",)"
               R"("ver":"1.2","rtt":5,"server":"S1","kind":"Client","client_type":"nats"})");
  // A JWT user: who issued it, its name and tags.
  std::vector<std::string> tags{"a:1", "b"};
  request_info_json({.account = "A", .details = true, .issuer_key = "AKEY", .name_tag = "u", .tags = &tags}, out);
  CHECK(out == R"({"acc":"A","issuer_key":"AKEY","name_tag":"u","tags":["a:1","b"],"kind":"Client","client_type":"nats"})");
  // A later import that shares where the first did not: the server only.
  request_info_json({.account = "C", .service = "B", .server_info = true, .server = "S1", .cluster = "c"}, out);
  CHECK(out == R"({"acc":"C","svc":"B","server":"S1","cluster":"c"})");
}

TEST_CASE("the header goes last in the request's headers, replacing an earlier one") {
  CHECK(stamped("", "body", "v") == "NATS/1.0\r\nNats-Request-Info: v\r\n\r\nbody");
  CHECK(stamped("NATS/1.0\r\nX: 1\r\n\r\n", "body", "v") == "NATS/1.0\r\nX: 1\r\nNats-Request-Info: v\r\n\r\nbody");
  CHECK(stamped("NATS/1.0\r\nNats-Request-Info: old\r\nX: 1\r\n\r\n", "b", "v") ==
        "NATS/1.0\r\nX: 1\r\nNats-Request-Info: v\r\n\r\nb");
  // Only the first earlier one is taken out, and only as a whole line.
  CHECK(stamped("NATS/1.0\r\nX-Nats-Request-Info: a\r\n\r\n", "b", "v") ==
        "NATS/1.0\r\nX-Nats-Request-Info: a\r\nNats-Request-Info: v\r\n\r\nb");
  // The version line alone left: written afresh.
  CHECK(stamped("NATS/1.0\r\nNats-Request-Info: old\r\n\r\n", "", "v") == "NATS/1.0\r\nNats-Request-Info: v\r\n\r\n");
  // A status line is kept.
  CHECK(stamped("NATS/1.0 503\r\n\r\n", "", "v") == "NATS/1.0 503\r\nNats-Request-Info: v\r\n\r\n");
}
