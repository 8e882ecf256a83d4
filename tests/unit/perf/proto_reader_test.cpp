// Unit tests for perf/proto_reader.h: MSG/HMSG/PING/PONG/INFO/-ERR parsing fed
// whole, pipelined, and split at every byte.
#include "perf/proto_reader.h"

#include <doctest/doctest.h>

#include <algorithm>

#include <string>
#include <vector>

using zats::perf::MsgView;
using zats::perf::ProtoReader;

namespace {

struct Recorder {
  std::vector<std::string> events;
  void on_msg(const MsgView& m) {
    events.push_back("MSG " + std::string(m.subject) + "|" + std::string(m.sid) + "|" +
                     std::string(m.reply) + "|" + std::string(m.headers) + "|" + std::string(m.payload));
  }
  void on_info(std::string_view j) { events.push_back("INFO " + std::string(j)); }
  void on_ping() { events.push_back("PING"); }
  void on_pong() { events.push_back("PONG"); }
  void on_ok() { events.push_back("+OK"); }
  void on_err(std::string_view e) { events.push_back("ERR " + std::string(e)); }
};

const std::string kStream =
    "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"
    "PING\r\n"
    "MSG foo 1 5\r\nhello\r\n"
    "MSG foo.bar 22 _INBOX.abc 3\r\na\r\n\r\n"
    "MSG empty 3 0\r\n\r\n"
    "HMSG h 4 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
    "HMSG h 4 rep 12 12\r\nNATS/1.0\r\n\r\n\r\n"
    "+OK\r\n"
    "PONG\r\n"
    "-ERR 'Slow Consumer'\r\n";

const std::vector<std::string> kWant = {
    "INFO {\"server_id\":\"x\",\"max_payload\":1048576}",
    "PING",
    "MSG foo|1|||hello",
    "MSG foo.bar|22|_INBOX.abc||a\r\n",
    "MSG empty|3|||",
    "MSG h|4||NATS/1.0\r\n\r\n|hi",
    "MSG h|4|rep|NATS/1.0\r\n\r\n|",
    "+OK",
    "PONG",
    "ERR 'Slow Consumer'",
};

}  // namespace

TEST_CASE("pipelined frames in one read") {
  ProtoReader r;
  Recorder rec;
  REQUIRE(r.feed(kStream, rec));
  CHECK(rec.events == kWant);
  CHECK(r.buffered() == 0);
}

TEST_CASE("every split point gives the same frames") {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    ProtoReader r(16);  // tiny buffer: forces growth and compaction too
    Recorder rec;
    REQUIRE(r.feed(std::string_view(kStream).substr(0, cut), rec));
    REQUIRE(r.feed(std::string_view(kStream).substr(cut), rec));
    CAPTURE(cut);
    CHECK(rec.events == kWant);
  }
}

TEST_CASE("byte at a time") {
  ProtoReader r(8);
  Recorder rec;
  for (char c : kStream) REQUIRE(r.feed(std::string_view(&c, 1), rec));
  CHECK(rec.events == kWant);
}

TEST_CASE("payload larger than the buffer grows it") {
  std::string payload(100000, 'x');
  std::string s = "MSG big 1 " + std::to_string(payload.size()) + "\r\n" + payload + "\r\nPONG\r\n";
  ProtoReader r(64);
  Recorder rec;
  for (size_t i = 0; i < s.size(); i += 1000) REQUIRE(r.feed(std::string_view(s).substr(i, 1000), rec));
  REQUIRE(rec.events.size() == 2);
  CHECK(rec.events[0].size() == std::string("MSG big|1|||").size() + payload.size());
  CHECK(rec.events[1] == "PONG");
}

TEST_CASE("direct receive through writable/commit") {
  ProtoReader r(32);
  Recorder rec;
  std::string_view rest = kStream;
  while (!rest.empty()) {
    auto w = r.writable();
    REQUIRE(!w.empty());
    size_t n = std::min<size_t>({w.size(), rest.size(), size_t{7}});
    std::copy_n(rest.data(), n, w.data());
    r.commit(n);
    rest.remove_prefix(n);
    REQUIRE(r.parse(rec));
  }
  CHECK(rec.events == kWant);
}

TEST_CASE("garbage is rejected") {
  Recorder rec;
  ProtoReader a;
  CHECK_FALSE(a.feed("BOGUS\r\n", rec));
  ProtoReader b;
  CHECK_FALSE(b.feed("MSG foo 1 x\r\n", rec));
  ProtoReader c;
  CHECK_FALSE(c.feed("MSG foo\r\n", rec));
  ProtoReader d;
  CHECK_FALSE(d.feed("HMSG foo 1 10 5\r\n", rec));  // header longer than total
}
