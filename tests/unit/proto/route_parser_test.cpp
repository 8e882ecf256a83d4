// Parser, route dialect: every route op with its handler call (RS+/RS-/LS+/LS-, RMSG, HMSG,
// LMSG with reply and queue lists, INFO, -ERR, CONNECT, PING/PONG), the reference's argument
// rules, the same results for every way of splitting the stream, and the client ops a route
// may not send. The client dialect keeps refusing every route op.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parser_test_support.h"
#include "proto/parser.h"

using zats::proto::ParseError;
using zats::proto::ParserLimits;
using zats::proto::RemoteSubArgs;
using zats::proto::RoutedMsgArgs;
using zats::proto::route_parser_limits;
using zats::proto::testing::failed;
using zats::proto::testing::ok;
using zats::proto::testing::Outcome;

namespace {

struct RouteRecorder {
  std::vector<std::string> events;

  bool on_connect(std::string_view json) { return add("CONNECT " + std::string(json)); }
  bool on_info(std::string_view json) { return add("INFO " + std::string(json)); }
  bool on_err(std::string_view text) { return add("ERR " + std::string(text)); }
  bool on_ping() { return add("PING"); }
  bool on_pong() { return add("PONG"); }
  bool on_remote_sub(const RemoteSubArgs& a) {
    std::string e = "SUB " + std::string(a.origin) + "|" + std::string(a.account) + "|" + std::string(a.subject);
    if (!a.queue.empty()) e += "|" + std::string(a.queue) + "|" + std::to_string(a.weight);
    return add(e);
  }
  bool on_remote_unsub(const RemoteSubArgs& a) {
    return add("UNSUB " + std::string(a.account) + "|" + std::string(a.subject) + "|" + std::string(a.queue));
  }
  bool on_routed_msg(const RoutedMsgArgs& a, std::string_view payload) {
    std::string e = "MSG " + std::string(a.origin) + "|" + std::string(a.account) + "|" + std::string(a.subject) +
                    "|" + std::string(a.reply) + "|";
    for (std::string_view q : a.queues) e += std::string(q) + ",";
    if (a.has_headers) e += "|h" + std::to_string(a.header_size);
    return add(e + "|" + std::string(payload));
  }
  bool add(std::string event) {
    events.push_back(std::move(event));
    return true;
  }
};

void route_case(std::string_view input, const Outcome& expected) {
  zats::proto::testing::check_all_splits<RouteRecorder>(input, expected, route_parser_limits());
}

}  // namespace

TEST_CASE("route: RS+ and RS- with and without queue weights") {
  route_case("RS+ $G foo\r\n", ok({"SUB |$G|foo"}));
  route_case("RS+ $G foo.* qq 3\r\n", ok({"SUB |$G|foo.*|qq|3"}));
  route_case("rs+\t$G  bar\n", ok({"SUB |$G|bar"}));
  route_case("RS- $G foo\r\nRS- $G foo.* qq\r\n", ok({"UNSUB $G|foo|", "UNSUB $G|foo.*|qq"}));
  // A malformed weight counts as no member (the reference reads it as -1).
  route_case("RS+ $G foo qq x\r\n", ok({"SUB |$G|foo|qq|0"}));
  route_case("RS+ $G\r\n", failed({}, ParseError::BadArguments));
  route_case("RS+ $G foo qq\r\n", failed({}, ParseError::BadArguments));
  route_case("RS- $G foo qq extra\r\n", failed({}, ParseError::BadArguments));
  route_case("RS* $G foo\r\n", failed({}, ParseError::UnknownOp));
  route_case("RS+$G foo\r\n", failed({}, ParseError::UnknownOp));
}

TEST_CASE("route: LS+ carries its origin, LS- does not (Go writes two spaces after it)") {
  route_case("LS+ leafc $G foo\r\n", ok({"SUB leafc|$G|foo"}));
  route_case("LS+ leafc $G foo q 2\r\n", ok({"SUB leafc|$G|foo|q|2"}));
  route_case("LS-  $G foo\r\n", ok({"UNSUB $G|foo|"}));
}

TEST_CASE("route: RMSG with reply, queue lists and the '|' form") {
  route_case("RMSG $G foo 5\r\nhello\r\n", ok({"MSG |$G|foo|||hello"}));
  route_case("RMSG $G foo _INBOX.x 2\r\nhi\r\n", ok({"MSG |$G|foo|_INBOX.x||hi"}));
  route_case("RMSG $G foo + _INBOX.x q1 q2 2\r\nhi\r\n", ok({"MSG |$G|foo|_INBOX.x|q1,q2,|hi"}));
  route_case("RMSG $G foo | q1 2\r\nhi\r\n", ok({"MSG |$G|foo||q1,|hi"}));
  route_case("RMSG $G foo + _INBOX.x 2\r\nhi\r\n", ok({"MSG |$G|foo|_INBOX.x||hi"}));
  route_case("RMSG $G foo 0\r\n\r\n", ok({"MSG |$G|foo|||"}));
  // Payload bytes are opaque.
  route_case("RMSG $G foo 5\r\nRS+ a\r\n", ok({"MSG |$G|foo|||RS+ a"}));
  route_case("RMSG $G foo * q1 2\r\nhi\r\n", failed({}, ParseError::BadArguments));
  route_case("RMSG $G foo ++ _INBOX q1 2\r\nhi\r\n", failed({}, ParseError::BadArguments));
  route_case("RMSG $G 5\r\nhello\r\n", failed({}, ParseError::BadArguments));
  route_case("RMSG $G foo -1\r\n", failed({}, ParseError::BadArguments));
  route_case("RMSG $G foo 2\r\nhix\n", failed({}, ParseError::UnknownOp));
}

TEST_CASE("route: HMSG and LMSG carry the header size") {
  route_case("HMSG $G foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ok({"MSG |$G|foo|||h12|NATS/1.0\r\n\r\nhi"}));
  route_case("HMSG $G foo rep 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ok({"MSG |$G|foo|rep||h12|NATS/1.0\r\n\r\nhi"}));
  route_case("HMSG $G foo + rep q 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
             ok({"MSG |$G|foo|rep|q,|h12|NATS/1.0\r\n\r\nhi"}));
  route_case("HMSG $G foo | q 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ok({"MSG |$G|foo||q,|h12|NATS/1.0\r\n\r\nhi"}));
  route_case("HMSG $G foo 15 14\r\n", failed({}, ParseError::BadArguments));
  route_case("HMSG $G foo 14\r\n", failed({}, ParseError::BadArguments));
  route_case("LMSG lc $G foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ok({"MSG lc|$G|foo|||h12|NATS/1.0\r\n\r\nhi"}));
  route_case("LMSG lc $G foo | q 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ok({"MSG lc|$G|foo||q,|h12|NATS/1.0\r\n\r\nhi"}));
}

TEST_CASE("route: INFO, CONNECT, -ERR, PING, PONG and +OK") {
  route_case("INFO {\"server_id\":\"N1\"}\r\n", ok({"INFO {\"server_id\":\"N1\"}"}));
  route_case("INFO{}\r\n", ok({"INFO {}"}));
  route_case("CONNECT {\"name\":\"N2\"}\r\n", ok({"CONNECT {\"name\":\"N2\"}"}));
  route_case("-ERR 'Authorization Violation'\r\n", ok({"ERR 'Authorization Violation'"}));
  route_case("PING\r\nPONG\r\n+OK\r\n", ok({"PING", "PONG"}));
}

TEST_CASE("route: the client ops are not route ops") {
  for (std::string_view input : {"PUB foo 1\r\nx\r\n", "SUB foo 1\r\n", "UNSUB 1\r\n", "HPUB foo 0 0\r\n\r\n",
                                 "MSG foo 1 1\r\nx\r\n"}) {
    route_case(input, failed({}, ParseError::UnknownOp));
  }
}

TEST_CASE("route: no control-line limit of a client, pipelined ops in one feed") {
  std::string subject(5000, 'a');
  route_case("RS+ $G " + subject + "\r\n", ok({"SUB |$G|" + subject}));
  const std::string stream = "RS+ $G a\r\nRMSG $G a 1\r\nx\r\nPING\r\nRS- $G a\r\nRMSG $G a | q 1\r\ny\r\n";
  CHECK(zats::proto::testing::run_pieces<RouteRecorder>(stream, {}, route_parser_limits()) ==
        ok({"SUB |$G|a", "MSG |$G|a|||x", "PING", "UNSUB $G|a|", "MSG |$G|a||q,|y"}));
}

TEST_CASE("client dialect: route ops fail at their first distinguishing byte") {
  struct ClientOnly {
    std::vector<std::string> events;
    bool on_connect(std::string_view) { return true; }
    bool on_ping() { return true; }
    bool on_pong() { return true; }
    bool on_pub(const zats::proto::PubArgs&, std::string_view) { return true; }
    bool on_sub(const zats::proto::SubArgs&) { return true; }
    bool on_unsub(const zats::proto::UnsubArgs&) { return true; }
  };
  for (std::string_view input : {"RS+ $G foo\r\n", "RMSG $G foo 1\r\nx\r\n", "LS+ a $G foo\r\n", "HMSG $G foo 0 0\r\n"}) {
    CAPTURE(input);
    CHECK(zats::proto::testing::run_pieces<ClientOnly>(input, {}, ParserLimits{}) == failed({}, ParseError::UnknownOp));
  }
}
