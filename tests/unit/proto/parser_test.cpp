// Parser, client dialect: the client protocol's framing and operations (docs/compatibility.md,
// Client protocol), each with its handler calls or error, the same results for every way of
// splitting the stream into feeds, pipelining, in-place views, and the stop-early contract of
// handlers that return false.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "proto/parser.h"
#include "parser_test_support.h"

using zats::proto::Parser;
using zats::proto::FeedResult;
using zats::proto::ParseError;
using zats::proto::ParserLimits;
using zats::proto::PubArgs;
using zats::proto::SubArgs;
using zats::proto::UnsubArgs;

namespace {

// Records every handler call as one line of text, so sequences compare with ==.
struct Recorder {
  std::vector<std::string> events;
  Parser* parser = nullptr;  // set to let CONNECT turn headers on
  size_t stop_every = 0;           // >0: return false on every n-th call
  size_t calls = 0;

  bool verdict() { return stop_every == 0 || (++calls % stop_every) != 0; }

  bool on_connect(std::string_view json) {
    events.push_back("CONNECT " + std::string(json));
    if (parser != nullptr) {
      ParserLimits limits = parser->limits();
      limits.headers = true;
      parser->set_limits(limits);
    }
    return verdict();
  }
  bool on_ping() {
    events.emplace_back("PING");
    return verdict();
  }
  bool on_pong() {
    events.emplace_back("PONG");
    return verdict();
  }
  bool on_pub(const PubArgs& args, std::string_view payload) {
    std::string event = args.has_headers ? "HPUB " : "PUB ";
    event += std::string(args.subject) + "|" + std::string(args.reply) + "|";
    if (args.has_headers) event += std::to_string(args.header_size) + "|";
    event += std::string(payload);
    events.push_back(event);
    return verdict();
  }
  bool on_sub(const SubArgs& args) {
    events.push_back("SUB " + std::string(args.subject) + "|" + std::string(args.queue) + "|" +
                     std::string(args.sid));
    return verdict();
  }
  bool on_unsub(const UnsubArgs& args) {
    events.push_back("UNSUB " + std::string(args.sid) + "|" + std::string(args.max));
    return verdict();
  }
};

using Outcome = zats::proto::testing::Outcome;
using zats::proto::testing::failed;
using zats::proto::testing::ok;

ParserLimits with_headers() {
  ParserLimits limits;
  limits.headers = true;
  return limits;
}

Outcome run_whole(std::string_view input, ParserLimits limits = {}) {
  return zats::proto::testing::run_pieces<Recorder>(input, {}, limits);
}

Outcome run_pieces(std::string_view input, const std::vector<size_t>& sizes, ParserLimits limits = {}) {
  return zats::proto::testing::run_pieces<Recorder>(input, sizes, limits);
}

void check_all_splits(std::string_view input, const Outcome& expected, ParserLimits limits = {}) {
  zats::proto::testing::check_all_splits<Recorder>(input, expected, limits);
}

}  // namespace

TEST_CASE("PING and PONG: case-insensitive, trailing bytes ignored, bare LF") {
  check_all_splits("PING\r\n", ok({"PING"}));
  check_all_splits("ping\r\n", ok({"PING"}));
  check_all_splits("PiNg\r\n", ok({"PING"}));
  check_all_splits("PINGxyz\r\n", ok({"PING"}));
  check_all_splits("PING\n", ok({"PING"}));
  check_all_splits("PONG\r\nPONG\n", ok({"PONG", "PONG"}));
}

TEST_CASE("CONNECT: separator optional, argument kept raw") {
  check_all_splits("CONNECT {\"verbose\":false}\r\n", ok({"CONNECT {\"verbose\":false}"}));
  check_all_splits("CONNECT{}\r\n", ok({"CONNECT {}"}));
  check_all_splits("connect \t {}\n", ok({"CONNECT {}"}));
  // A lone CR is not a terminator: it stays in the argument.
  check_all_splits("CONNECT {\r}\r\n", ok({"CONNECT {\r}"}));
  // As in the reference, the first byte after the name starts the argument even if it is
  // an LF, so the JSON continues on the next line.
  check_all_splits("CONNECT\n{}\r\n", ok({"CONNECT \n{}"}));
  check_all_splits("CONNECT\r\n", ok({"CONNECT \r"}));
}

TEST_CASE("PUB: subject, optional reply, exact payload") {
  check_all_splits("PUB foo 5\r\nhello\r\n", ok({"PUB foo||hello"}));
  check_all_splits("PUB foo bar 5\r\nhello\r\n", ok({"PUB foo|bar|hello"}));
  check_all_splits("pub\tfoo \t bar\t5\r\nhello\r\n", ok({"PUB foo|bar|hello"}));
  check_all_splits("PUB foo 0\r\n\r\n", ok({"PUB foo||"}));
  check_all_splits("PUB foo 5\nhello\r\n", ok({"PUB foo||hello"}));
  check_all_splits("PUB foo 5   \r\nhello\r\n", ok({"PUB foo||hello"}));
  // Payload bytes are opaque, CRLF and op names included.
  check_all_splits("PUB foo 6\r\nPI\r\nNG\r\n", ok({"PUB foo||PI\r\nNG"}));
}

// A PUB line whole in one feed takes the one-pass scan (scan_pub_line); fed in pieces it takes
// the general path. check_all_splits compares the two on lines the scan hands back.
TEST_CASE("PUB: the one-pass line scan and the general path agree on unusual lines") {
  check_all_splits("PUB foo\r5\r\nhello\r\n", failed({}, ParseError::BadArguments));  // a CR inside a field
  check_all_splits("PUB foo 5\r\r\nhello\r\n", failed({}, ParseError::BadArguments));
  check_all_splits("PUB \nfoo 5\r\nhello\r\n", ok({"PUB \nfoo||hello"}));  // the first byte is taken
  check_all_splits("PUB foo\x01 5\r\nhello\r\n", ok({"PUB foo\x01||hello"}));
  check_all_splits("PUB a b c d\r\n", failed({}, ParseError::BadArguments));
  check_all_splits("PUB 5 5\r\nhello\r\n", ok({"PUB 5||hello"}));
  check_all_splits("PUB foo 12345678901234567890\r\n", failed({}, ParseError::BadArguments));
  ParserLimits small;
  small.max_payload = 4;
  check_all_splits("PUB foo 5\r\nhello\r\n", failed({}, ParseError::MaxPayload), small);
  small.max_control_line = 4;
  check_all_splits("PUB foo 5\r\nhello\r\n", failed({}, ParseError::ControlLineTooLong), small);
  // Many in one feed: each line is scanned where the last payload ended.
  std::string many;
  for (int i = 0; i < 50; ++i) many += "PUB s" + std::to_string(i) + " r 1\r\nx\r\n";
  Outcome whole = run_whole(many);
  CHECK(whole.error == ParseError::None);
  REQUIRE(whole.events.size() == 50);
  CHECK(whole.events[49] == "PUB s49|r|x");
}

TEST_CASE("HPUB: header size and total, headers enabled") {
  check_all_splits("HPUB foo rep 18 20\r\nNATS/1.0\r\nA: B\r\n\r\nhi\r\n",
                   ok({"HPUB foo|rep|18|NATS/1.0\r\nA: B\r\n\r\nhi"}), with_headers());
  check_all_splits("hpub foo 12 12\r\nNATS/1.0\r\n\r\n\r\n", ok({"HPUB foo||12|NATS/1.0\r\n\r\n"}),
                   with_headers());
  check_all_splits("HPUB foo 0 0\r\n\r\n", ok({"HPUB foo||0|"}), with_headers());
}

TEST_CASE("SUB and UNSUB") {
  check_all_splits("SUB foo 1\r\n", ok({"SUB foo||1"}));
  check_all_splits("SUB foo grp 1\r\n", ok({"SUB foo|grp|1"}));
  check_all_splits("sub foo.* \t 22\n", ok({"SUB foo.*||22"}));
  // CR separates SUB/UNSUB arguments (client.go splitArg).
  check_all_splits("SUB foo\r 1\r\n", ok({"SUB foo||1"}));
  // The first argument byte may be an LF; it then separates like a space (reference: works).
  check_all_splits("SUB \nfoo 1\n", ok({"SUB foo||1"}));
  check_all_splits("UNSUB 1\r\n", ok({"UNSUB 1|"}));
  check_all_splits("unsub 1 10\r\n", ok({"UNSUB 1|10"}));
  check_all_splits("UNSUB 1 abc\r\n", ok({"UNSUB 1|abc"}));
}

TEST_CASE("client INFO and +OK are consumed and ignored") {
  check_all_splits("INFO {}\r\nPING\r\n", ok({"PING"}));
  check_all_splits("INFO{\"server_id\":\"x\"}\nPING\r\n", ok({"PING"}));
  check_all_splits("+OK\r\n+ok\nPING\r\n", ok({"PING"}));
  // The reference unmarshals a client INFO and closes (no -ERR) when that fails.
  check_all_splits("INFO foo\r\nPING\r\n", failed({}, ParseError::BadArguments));
  check_all_splits("INFO\r\nPING\r\n", failed({}, ParseError::BadArguments));
}

TEST_CASE("unknown and misspelled ops") {
  for (const char* input : {"XYZ\r\n", "PIN\r\n", "PINX\r\n", "CONNEXT {}\r\n", "+O\r\n",
                            "-E\r\n", "HPU\r\n", " PING\r\n", "\r\n", "PUBX foo 1\r\n"}) {
    check_all_splits(input, failed({}, ParseError::UnknownOp), with_headers());
  }
}

TEST_CASE("PUB/HPUB/SUB/UNSUB/-ERR need a separator after the name") {
  for (const char* input : {"UNSUB\r\n", "PUB\r\n", "SUB\r\n", "HPUB\r\n", "-ERR\r\n",
                            "SUB\n", "PUBfoo 1\r\n"}) {
    check_all_splits(input, failed({}, ParseError::UnknownOp), with_headers());
  }
}

TEST_CASE("ops a client may not send") {
  for (const char* input : {"MSG foo 1 1\r\na\r\n", "HMSG foo 1 2 2\r\nab\r\n", "RS+ $G foo\r\n",
                            "RS- $G foo\r\n", "RMSG $G foo 1\r\na\r\n", "LS+ foo\r\n",
                            "LS- foo\r\n", "LMSG foo 1\r\na\r\n", "A+ foo\r\n", "A- foo\r\n"}) {
    check_all_splits(input, failed({}, ParseError::UnknownOp), with_headers());
  }
}

TEST_CASE("payload terminator is mandatory and exact") {
  check_all_splits("PUB foo 2\r\nhello\r\n", failed({}, ParseError::UnknownOp));
  check_all_splits("PUB foo 5\r\nhello\n", failed({}, ParseError::UnknownOp));
  check_all_splits("PUB foo 5\r\nhello\rX", failed({}, ParseError::UnknownOp));
  check_all_splits("PUB foo 5\r\nhello world\r\n", failed({}, ParseError::UnknownOp));
  check_all_splits("HPUB foo 1 2\r\nabc\r\n", failed({}, ParseError::UnknownOp), with_headers());
}

TEST_CASE("size fields: 1 to 9 digits, else a silent close") {
  for (const char* input : {"PUB foo -1\r\n", "PUB foo +1\r\n", "PUB foo 1a\r\n",
                            "PUB foo 1234567890\r\n", "PUB foo x\r\n", "PUB foo 0x1\r\n"}) {
    check_all_splits(input, failed({}, ParseError::BadArguments));
  }
  check_all_splits("PUB foo 000000001\r\na\r\n", ok({"PUB foo||a"}));
  // Nine digits parse; the value is then over max_payload.
  check_all_splits("PUB foo 999999999\r\n", failed({}, ParseError::MaxPayload));
  check_all_splits("HPUB foo x 2\r\n", failed({}, ParseError::BadArguments), with_headers());
  check_all_splits("HPUB foo 1 1234567890\r\n", failed({}, ParseError::BadArguments),
                   with_headers());
}

TEST_CASE("argument counts") {
  for (const char* input : {"PUB foo\r\n", "PUB a b c 1\r\n", "SUB foo\r\n", "SUB a b c d\r\n",
                            "UNSUB 1 2 3\r\n", "HPUB foo 1\r\n", "HPUB a b c 1 2\r\n",
                            "PUB \r\n", "SUB \t \r\n"}) {
    check_all_splits(input, failed({}, ParseError::BadArguments), with_headers());
  }
}

TEST_CASE("HPUB rules: headers off, hdr > total, total against max_payload") {
  check_all_splits("HPUB foo 2 2\r\nab\r\n", failed({}, ParseError::HeadersNotEnabled));
  // Headers are checked before the argument count, as in processHeaderPub.
  check_all_splits("HPUB foo\r\n", failed({}, ParseError::HeadersNotEnabled));
  check_all_splits("HPUB foo 5 2\r\n", failed({}, ParseError::BadArguments), with_headers());
  ParserLimits small = with_headers();
  small.max_payload = 10;
  check_all_splits("HPUB foo 2 10\r\nNATS/1.0ab\r\n", ok({"HPUB foo||2|NATS/1.0ab"}), small);
  check_all_splits("HPUB foo 2 11\r\n", failed({}, ParseError::MaxPayload), small);
}

TEST_CASE("max_payload is checked on the control line, before the payload arrives") {
  ParserLimits limits;
  limits.max_payload = 5;
  check_all_splits("PUB foo 5\r\nhello\r\n", ok({"PUB foo||hello"}), limits);
  check_all_splits("PUB foo 6\r\n", failed({}, ParseError::MaxPayload), limits);
  check_all_splits("PING\r\nPUB foo 6\r\nhello!\r\n", failed({"PING"}, ParseError::MaxPayload),
                   limits);
}

TEST_CASE("max_control_line applies to the argument part, exact boundary") {
  ParserLimits limits;
  limits.max_control_line = 64;
  const std::string subject62(62, 'a');
  const std::string subject63(63, 'a');
  check_all_splits("SUB " + subject62 + " 1\r\n", ok({"SUB " + subject62 + "||1"}), limits);
  check_all_splits("SUB " + subject63 + " 1\r\n", failed({}, ParseError::ControlLineTooLong),
                   limits);
  // The separator run after the name is not part of the argument.
  check_all_splits("SUB    " + subject62 + " 1\r\n", ok({"SUB " + subject62 + "||1"}), limits);
  // CONNECT JSON counts too.
  const std::string json = "{\"name\":\"" + std::string(60, 'n') + "\"}";
  check_all_splits("CONNECT " + json + "\r\n", failed({}, ParseError::ControlLineTooLong), limits);
  // An unterminated line over the limit fails without waiting for LF.
  const std::string partial = "PUB " + std::string(100, 'x');
  CHECK(run_whole(partial, limits) == failed({}, ParseError::ControlLineTooLong));
  CHECK(run_pieces(partial, std::vector<size_t>(partial.size(), 1), limits) == failed({}, ParseError::ControlLineTooLong));
  // ...and exactly at the limit it keeps waiting (a trailing CR does not count).
  CHECK(run_whole("PUB " + std::string(64, 'x') + "\r", limits) == ok({}));
  // -ERR arguments are limited as well.
  check_all_splits("-ERR " + std::string(65, 'e') + "\r\n",
                   failed({}, ParseError::ControlLineTooLong), limits);
}

TEST_CASE("a client -ERR stops the parser") {
  check_all_splits("-ERR 'oops'\r\n", failed({}, ParseError::ClientError));
  check_all_splits("PING\r\n-err x\r\nPING\r\n", failed({"PING"}, ParseError::ClientError));
}

TEST_CASE("after an error the parser stays failed") {
  Parser parser;
  Recorder recorder;
  const std::string bad = "PING\r\nXYZ\r\n";
  const FeedResult first = parser.feed(bad.data(), bad.size(), recorder);
  CHECK(first.error == ParseError::UnknownOp);
  CHECK(recorder.events == std::vector<std::string>{"PING"});
  CHECK(parser.error() == ParseError::UnknownOp);
  const std::string good = "PING\r\n";
  const FeedResult second = parser.feed(good.data(), good.size(), recorder);
  CHECK(second.error == ParseError::UnknownOp);
  CHECK(second.consumed == 0);
  CHECK(recorder.events.size() == 1);
  CHECK_FALSE(parser.mid_frame());
}

TEST_CASE("a mixed session gives the same calls however it is split") {
  const std::string stream =
      "CONNECT {\"verbose\":false,\"headers\":true}\r\n"
      "PING\r\n"
      "SUB foo 1\r\n"
      "SUB bar grp 2\r\n"
      "PUB foo 5\r\nhello\r\n"
      "PUB foo reply.x 0\r\n\r\n"
      "HPUB bar r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
      "INFO {}\r\n"
      "+OK\r\n"
      "PONG\r\n"
      "UNSUB 1 5\r\n"
      "UNSUB 2\r\n"
      "pub\tbaz\t3\nabc\r\n";
  const Outcome expected = ok({"CONNECT {\"verbose\":false,\"headers\":true}", "PING", "SUB foo||1",
                               "SUB bar|grp|2", "PUB foo||hello", "PUB foo|reply.x|",
                               "HPUB bar|r|12|NATS/1.0\r\n\r\nhi", "PONG", "UNSUB 1|5", "UNSUB 2|",
                               "PUB baz||abc"});
  check_all_splits(stream, expected, with_headers());
  // Three-piece splits over the interesting middle of the stream.
  for (size_t first = 1; first < stream.size(); first += 7) {
    for (size_t second = 1; first + second < stream.size(); second += 5) {
      CAPTURE(first);
      CAPTURE(second);
      CHECK(run_pieces(stream, {first, second}, with_headers()) == expected);
    }
  }
}

TEST_CASE("CONNECT may turn headers on for the rest of the same feed") {
  Parser parser;
  Recorder recorder;
  recorder.parser = &parser;
  const std::string stream = "CONNECT {\"headers\":true}\r\nHPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n";
  const FeedResult result = parser.feed(stream.data(), stream.size(), recorder);
  CHECK(result.error == ParseError::None);
  CHECK(recorder.events ==
        std::vector<std::string>{"CONNECT {\"headers\":true}", "HPUB foo||12|NATS/1.0\r\n\r\n"});
}

TEST_CASE("thousands of pipelined PUBs in one buffer") {
  constexpr int kCount = 5000;
  std::string stream;
  std::vector<std::string> expected;
  for (int i = 0; i < kCount; ++i) {
    const std::string subject = "subj." + std::to_string(i);
    const std::string payload(static_cast<size_t>(i % 97), static_cast<char>('a' + i % 26));
    const std::string reply = (i % 3 == 0) ? "_INBOX." + std::to_string(i) : "";
    stream += "PUB " + subject + (reply.empty() ? "" : " " + reply) + " " +
              std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
    expected.push_back("PUB " + subject + "|" + reply + "|" + payload);
  }
  CHECK(run_whole(stream) == ok(expected));
  CHECK(run_pieces(stream, std::vector<size_t>(stream.size() / 7 + 1, 7)) == ok(expected));
  CHECK(run_pieces(stream, std::vector<size_t>(stream.size() / 4096 + 1, 4096)) == ok(expected));
}

TEST_CASE("large payload spanning many feeds") {
  const std::string payload(1048576, 'z');
  const std::string stream = "PUB big 1048576\r\n" + payload + "\r\nPING\r\n";
  const Outcome expected = ok({"PUB big||" + payload, "PING"});
  CHECK(run_whole(stream) == expected);
  CHECK(run_pieces(stream, std::vector<size_t>(stream.size() / 65536 + 1, 65536)) == expected);
  CHECK(run_pieces(stream, {5, 20, 1048570}) == expected);
}

TEST_CASE("views point into the caller's buffer when a frame is whole") {
  struct InPlace {
    const char* begin;
    const char* end;
    int checked = 0;
    bool inside(std::string_view view) const { return view.data() >= begin && view.data() + view.size() <= end; }
    bool on_connect(std::string_view json) { return ++checked, inside(json); }
    bool on_ping() { return true; }
    bool on_pong() { return true; }
    bool on_pub(const PubArgs& args, std::string_view payload) {
      ++checked;
      return inside(args.subject) && inside(args.reply) && inside(payload);
    }
    bool on_sub(const SubArgs& args) { return ++checked, inside(args.subject) && inside(args.sid); }
    bool on_unsub(const UnsubArgs& args) { return ++checked, inside(args.sid); }
  };
  const std::string stream = "CONNECT {}\r\nPUB a b 3\r\nxyz\r\nSUB a 1\r\nUNSUB 1\r\n";
  InPlace handler{stream.data(), stream.data() + stream.size()};
  Parser parser;
  const FeedResult result = parser.feed(stream.data(), stream.size(), handler);
  CHECK(result.error == ParseError::None);
  CHECK(result.consumed == stream.size());
  CHECK(handler.checked == 4);
}

TEST_CASE("a handler returning false stops feed right after that op") {
  const std::vector<std::string> ops = {"PING\r\n",       "SUB foo 1\r\n",  "PUB foo 3\r\nabc\r\n",
                                       "PONG\r\n",       "CONNECT {}\r\n", "UNSUB 1\r\n",
                                       "PING\r\n"};
  std::string stream;
  std::vector<size_t> op_ends;
  for (const std::string& op : ops) {
    stream += op;
    op_ends.push_back(stream.size());
  }
  Parser parser;
  Recorder recorder;
  recorder.stop_every = 1;  // stop after every call
  size_t offset = 0;
  for (size_t i = 0; i < op_ends.size(); ++i) {
    const FeedResult result = parser.feed(stream.data() + offset, stream.size() - offset, recorder);
    REQUIRE(result.error == ParseError::None);
    CHECK(offset + result.consumed == op_ends[i]);
    CHECK(recorder.events.size() == i + 1);
    offset += result.consumed;
  }
  CHECK(offset == stream.size());
  CHECK(recorder.events == run_whole(stream).events);
}

TEST_CASE("stopping early also works for frames stitched across feeds") {
  const std::string stream = "PUB foo 10\r\n0123456789\r\nPING\r\nPING\r\n";
  Parser parser;
  Recorder recorder;
  recorder.stop_every = 1;
  const FeedResult first = parser.feed(stream.data(), 15, recorder);
  CHECK(first.consumed == 15);
  CHECK(parser.mid_frame());
  CHECK(recorder.events.empty());
  const FeedResult second = parser.feed(stream.data() + 15, stream.size() - 15, recorder);
  CHECK(second.consumed == 24 - 15);
  CHECK(recorder.events == std::vector<std::string>{"PUB foo||0123456789"});
  CHECK_FALSE(parser.mid_frame());
}

TEST_CASE("mid_frame reports a held partial frame") {
  Parser parser;
  Recorder recorder;
  CHECK_FALSE(parser.mid_frame());
  parser.feed("PU", 2, recorder);
  CHECK(parser.mid_frame());
  parser.feed("B x 1\r\n", 7, recorder);
  CHECK(parser.mid_frame());
  parser.feed("y\r\n", 3, recorder);
  CHECK_FALSE(parser.mid_frame());
  CHECK(recorder.events == std::vector<std::string>{"PUB x||y"});
}
