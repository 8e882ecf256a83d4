// The route dialect's encoders and decoders: RMSG/HMSG with reply and queue lists (the exact
// bytes nats-server writes), RS+/RS-, the route INFO fields in the reference's order (with Go's
// HTML-safe escaping: '>' as \u003e) and a peer's INFO decoded, the route CONNECT both ways. Every encoded frame is read back by the
// route parser.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "parser_test_support.h"
#include "proto/encode.h"
#include "proto/info.h"
#include "proto/parser.h"
#include "proto/route_connect.h"

using namespace zats::proto;

namespace {

struct Echo {
  std::vector<std::string> events;
  bool on_connect(std::string_view) { return true; }
  bool on_info(std::string_view) { return true; }
  bool on_err(std::string_view) { return true; }
  bool on_ping() { return true; }
  bool on_pong() { return true; }
  bool on_remote_sub(const RemoteSubArgs& a) {
    events.push_back("+" + std::string(a.subject) + "/" + std::string(a.queue) + "/" + std::to_string(a.weight));
    return true;
  }
  bool on_remote_unsub(const RemoteSubArgs& a) {
    events.push_back("-" + std::string(a.subject) + "/" + std::string(a.queue));
    return true;
  }
  bool on_routed_msg(const RoutedMsgArgs& a, std::string_view payload) {
    std::string e = std::string(a.account) + " " + std::string(a.subject) + " r=" + std::string(a.reply) + " q=";
    for (std::string_view q : a.queues) e += std::string(q) + ",";
    events.push_back(e + " h=" + std::to_string(a.header_size) + " " + std::string(payload));
    return true;
  }
};

std::vector<std::string> read_back(const std::string& wire) {
  return testing::run_pieces<Echo>(wire, {}, route_parser_limits()).events;
}

}  // namespace

TEST_CASE("routed messages: the reference's layouts") {
  const std::vector<std::string_view> none, two = {"q1", "q2"};
  std::string out;
  append_routed_msg(out, "$G", "foo", "", none, 0, "hello");
  CHECK(out == "RMSG $G foo 5\r\nhello\r\n");
  out.clear();
  append_routed_msg(out, "$G", "foo", "_INBOX.1", none, 0, "hi");
  CHECK(out == "RMSG $G foo _INBOX.1 2\r\nhi\r\n");
  out.clear();
  append_routed_msg(out, "acc", "foo", "_INBOX.1", two, 0, "hi");
  CHECK(out == "RMSG acc foo + _INBOX.1 q1 q2 2\r\nhi\r\n");
  out.clear();
  append_routed_msg(out, "acc", "foo", "", two, 0, "hi");
  CHECK(out == "RMSG acc foo | q1 q2 2\r\nhi\r\n");
  out.clear();
  append_routed_msg(out, "$G", "foo", "rep", two, 12, "NATS/1.0\r\n\r\nhi");
  CHECK(out == "HMSG $G foo + rep q1 q2 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
  CHECK(read_back(out) == std::vector<std::string>{"$G foo r=rep q=q1,q2, h=12 NATS/1.0\r\n\r\nhi"});
}

TEST_CASE("RS+ and RS-: what the route parser reads back") {
  std::string out;
  append_remote_sub(out, "$G", "foo.*", "", 0);
  append_remote_sub(out, "$G", "bar", "grp", 3);
  append_remote_unsub(out, "$G", "foo.*", "");
  append_remote_unsub(out, "$G", "bar", "grp");
  CHECK(out == "RS+ $G foo.*\r\nRS+ $G bar grp 3\r\nRS- $G foo.*\r\nRS- $G bar grp\r\n");
  CHECK(read_back(out) == std::vector<std::string>{"+foo.*//0", "+bar/grp/3", "-foo.*/", "-bar/grp"});
}

TEST_CASE("route INFO: fields in the reference's order, omitempty, read back") {
  ServerInfo info;
  info.server_id = "NID";
  info.server_name = "n1";
  info.proto = 2;
  info.host = "127.0.0.1";
  info.port = 6222;
  info.nonce = "abc";
  info.cluster = "c1";
  info.cluster_dynamic = true;
  info.ip = "nats-route://127.0.0.1:6222/";
  info.connect_urls = {"127.0.0.1:4222"};
  info.import_permission = SubjectPermissionInfo{{"a.>"}, {}};
  info.export_permission = SubjectPermissionInfo{{}, {"secret"}};
  std::string out;
  append_info(out, info);
  CHECK(out ==
        "INFO {\"server_id\":\"NID\",\"server_name\":\"n1\",\"version\":\"2.9.10\",\"proto\":2,\"go\":\"go1.19.8\","
        "\"host\":\"127.0.0.1\",\"port\":6222,\"headers\":true,\"max_payload\":1048576,"
        "\"ip\":\"nats-route://127.0.0.1:6222/\",\"nonce\":\"abc\",\"cluster\":\"c1\",\"cluster_dynamic\":true,"
        "\"connect_urls\":[\"127.0.0.1:4222\"],\"import\":{\"allow\":[\"a.\\u003e\"]},\"export\":{\"deny\":[\"secret\"]}} \r\n");
  std::optional<ServerInfo> back = parse_server_info(out.substr(5, out.size() - 8));
  REQUIRE(back);
  CHECK(back->server_id == "NID");
  CHECK(back->proto == 2);
  CHECK(back->port == 6222);
  CHECK(back->cluster_dynamic);
  CHECK(back->connect_urls == info.connect_urls);
  CHECK(back->import_permission == info.import_permission);
  CHECK(back->export_permission == info.export_permission);
}

TEST_CASE("a Go peer's INFO: keys in any case, unknown fields ignored, wrong types refused") {
  const char* go = R"({"server_id":"N2","server_name":"x","version":"2.9.10","proto":2,"go":"go1.19.8",)"
                   R"("host":"0.0.0.0","port":6222,"headers":true,"max_payload":1048576,"jetstream":true,)"
                   R"("nonce":"n","cluster":"c","connect_urls":["10.0.0.2:4222"],"lnoc":true,"gateway_url":"g"})";
  std::optional<ServerInfo> info = parse_server_info(go);
  REQUIRE(info);
  CHECK(info->server_id == "N2");
  CHECK(info->jetstream);
  CHECK(info->lnoc);
  CHECK(info->connect_urls == std::vector<std::string>{"10.0.0.2:4222"});
  CHECK(parse_server_info(R"({"SERVER_ID":"N3","LDM":true})")->ldm);
  CHECK_FALSE(parse_server_info(R"({"port":"6222"})"));
  CHECK_FALSE(parse_server_info(R"({"connect_urls":"x"})"));
  CHECK_FALSE(parse_server_info("{"));
}

TEST_CASE("route CONNECT: the reference's field order, and read back") {
  RouteConnect c;
  c.user = "ruser";
  c.pass = "p\"w";
  c.name = "NID";
  c.cluster = "c1";
  c.cluster_dynamic = true;
  std::string out;
  append_route_connect(out, c);
  CHECK(out == "CONNECT {\"echo\":true,\"verbose\":false,\"pedantic\":false,\"user\":\"ruser\",\"pass\":\"p\\\"w\","
               "\"tls_required\":false,\"headers\":true,\"name\":\"NID\",\"cluster\":\"c1\",\"cluster_dynamic\":true}\r\n");
  std::optional<RouteConnect> back = parse_route_connect(out.substr(8, out.size() - 10));
  REQUIRE(back);
  CHECK(back->user == "ruser");
  CHECK(back->pass == "p\"w");
  CHECK(back->name == "NID");
  CHECK(back->cluster_dynamic);
  CHECK(back->headers);
  CHECK(back->lang.empty());
  CHECK(parse_route_connect(R"({"lang":"go","name":"x"})")->lang == "go");
  CHECK_FALSE(parse_route_connect(R"({"headers":"yes"})"));
}
