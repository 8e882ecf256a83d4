// Encoders: exact bytes for MSG, HMSG (also rendered once for many subscribers, MsgFrame), -ERR, the constant frames, Go-compatible JSON string
// escaping, and INFO with and without its optional fields.
#include <doctest/doctest.h>

#include <string>

#include "proto/encode.h"
#include "proto/info.h"
#include "proto/json_string.h"
#include "proto/msg_frame.h"

using namespace zats::proto;

TEST_CASE("constant frames") {
  CHECK(kPing == "PING\r\n");
  CHECK(kPong == "PONG\r\n");
  CHECK(kOk == "+OK\r\n");
}

TEST_CASE("MSG header and frame, with and without reply") {
  std::string out;
  append_msg_header(out, "foo.bar", "7", "", 5);
  CHECK(out == "MSG foo.bar 7 5\r\n");
  out.clear();
  append_msg_header(out, "foo", "sid1", "_INBOX.x", 0);
  CHECK(out == "MSG foo sid1 _INBOX.x 0\r\n");
  out.clear();
  append_msg(out, "foo", "1", "", "hello");
  CHECK(out == "MSG foo 1 5\r\nhello\r\n");
  out.clear();
  append_msg(out, "foo", "1", "bar", "");
  CHECK(out == "MSG foo 1 bar 0\r\n\r\n");
}

TEST_CASE("encoders append, so one buffer carries many frames") {
  std::string out = "PONG\r\n";
  append_msg(out, "a", "1", "", "x");
  append_msg(out, "b", "2", "r", "yz");
  CHECK(out == "PONG\r\nMSG a 1 1\r\nx\r\nMSG b 2 r 2\r\nyz\r\n");
}

TEST_CASE("HMSG header and frame") {
  std::string out;
  append_hmsg_header(out, "foo", "9", "rep", 18, 20);
  CHECK(out == "HMSG foo 9 rep 18 20\r\n");
  out.clear();
  append_hmsg(out, "reply", "3", "", 16, "NATS/1.0 503\r\n\r\n");
  CHECK(out == "HMSG reply 3 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
  out.clear();
  append_hmsg(out, "foo", "1", "r", 12, "NATS/1.0\r\n\r\nhi");
  CHECK(out == "HMSG foo 1 r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
}

TEST_CASE("-ERR wraps the text in single quotes") {
  std::string out;
  append_err(out, "Unknown Protocol Operation");
  CHECK(out == "-ERR 'Unknown Protocol Operation'\r\n");
  out.clear();
  append_err(out, "Permissions Violation for Publish to \"foo\"");
  CHECK(out == "-ERR 'Permissions Violation for Publish to \"foo\"'\r\n");
}

TEST_CASE("JSON strings escape as Go's encoding/json") {
  const auto json = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  CHECK(json("") == "\"\"");
  CHECK(json("plain text.123") == "\"plain text.123\"");
  CHECK(json("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json("\n\r\t") == "\"\\n\\r\\t\"");
  CHECK(json(std::string_view("\x00\x01\x1f\b\f", 5)) == "\"\\u0000\\u0001\\u001f\\u0008\\u000c\"");
  CHECK(json("<a&b>") == "\"\\u003ca\\u0026b\\u003e\"");
  CHECK(json("\x7f") == "\"\x7f\"");
  CHECK(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(json("\xe2\x80\xa8\xe2\x80\xa9") == "\"\\u2028\\u2029\"");
  // Invalid UTF-8 (lone continuation, truncated sequence, overlong, surrogate) -> U+FFFD.
  CHECK(json("a\x80z") == "\"a\\ufffdz\"");
  CHECK(json("\xe2\x82") == "\"\\ufffd\\ufffd\"");
  CHECK(json("\xc0\xaf") == "\"\\ufffd\\ufffd\"");
  CHECK(json("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");
}

TEST_CASE("INFO with only the always-sent fields") {
  ServerInfo info;
  info.server_id = "NDNX";
  info.server_name = "NDNX";
  info.host = "0.0.0.0";
  info.port = 14222;
  std::string out;
  append_info(out, info);
  CHECK(out ==
        "INFO {\"server_id\":\"NDNX\",\"server_name\":\"NDNX\",\"version\":\"2.9.10\",\"proto\":1,"
        "\"go\":\"go1.19.8\",\"host\":\"0.0.0.0\",\"port\":14222,\"headers\":true,"
        "\"max_payload\":1048576} \r\n");
}

TEST_CASE("INFO as the reference sends it to a client") {
  ServerInfo info;
  info.server_id = "NDNX2S2X63DYLAEMIR66UYL6A3J3AFUMK7DF66KE6MO5R6XQ3JVTETK6";
  info.server_name = info.server_id;
  info.host = "0.0.0.0";
  info.port = 14222;
  info.client_id = 22;
  info.client_ip = "127.0.0.1";
  std::string out;
  append_info(out, info);
  // Captured from nats-server 2.9.10.
  CHECK(out ==
        "INFO {\"server_id\":\"NDNX2S2X63DYLAEMIR66UYL6A3J3AFUMK7DF66KE6MO5R6XQ3JVTETK6\","
        "\"server_name\":\"NDNX2S2X63DYLAEMIR66UYL6A3J3AFUMK7DF66KE6MO5R6XQ3JVTETK6\","
        "\"version\":\"2.9.10\",\"proto\":1,\"go\":\"go1.19.8\",\"host\":\"0.0.0.0\","
        "\"port\":14222,\"headers\":true,\"max_payload\":1048576,\"client_id\":22,"
        "\"client_ip\":\"127.0.0.1\"} \r\n");
}

TEST_CASE("INFO with every optional field, in the reference's order") {
  ServerInfo info;
  info.server_id = "ID";
  info.server_name = "n<1>";
  info.git_commit = "abc123";
  info.host = "::";
  info.port = 4222;
  info.headers = false;
  info.auth_required = true;
  info.tls_required = true;
  info.tls_verify = true;
  info.tls_available = true;
  info.max_payload = 512;
  info.client_id = 18446744073709551615ULL;
  info.client_ip = "::1";
  info.nonce = "abcdefghijklmno";
  info.cluster = "c1";
  info.connect_urls = {"10.0.0.1:4222", "10.0.0.2:4222"};
  info.ldm = true;
  std::string out = "X";
  append_info(out, info);
  CHECK(out ==
        "XINFO {\"server_id\":\"ID\",\"server_name\":\"n\\u003c1\\u003e\",\"version\":\"2.9.10\","
        "\"proto\":1,\"git_commit\":\"abc123\",\"go\":\"go1.19.8\",\"host\":\"::\",\"port\":4222,"
        "\"headers\":false,\"auth_required\":true,\"tls_required\":true,\"tls_verify\":true,"
        "\"tls_available\":true,\"max_payload\":512,\"client_id\":18446744073709551615,"
        "\"client_ip\":\"::1\",\"nonce\":\"abcdefghijklmno\",\"cluster\":\"c1\","
        "\"connect_urls\":[\"10.0.0.1:4222\",\"10.0.0.2:4222\"],\"ldm\":true} \r\n");
}

TEST_CASE("go_quoted writes Go's %q for -ERR subjects") {
  CHECK(zats::proto::go_quoted("foo.bar") == "\"foo.bar\"");
  CHECK(zats::proto::go_quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(zats::proto::go_quoted("") == "\"\"");
}

TEST_CASE("go_quoted is strconv.Quote for any bytes (traced payloads)") {
  using zats::proto::go_quoted;
  CHECK(go_quoted("a\r\nb\t\x07\x08\x0c\x0b") == "\"a\\r\\nb\\t\\a\\b\\f\\v\"");
  CHECK(go_quoted(std::string("\x00\x01\x7f", 3)) == "\"\\x00\\x01\\x7f\"");
  CHECK(go_quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");  // printable runes stay
  CHECK(go_quoted("\xff\xc3") == "\"\\xff\\xc3\"");          // not UTF-8: byte escapes
  CHECK(go_quoted("\xc0\x80") == "\"\\xc0\\x80\"");          // overlong: not UTF-8
  CHECK(go_quoted("\xed\xa0\x80") == "\"\\xed\\xa0\\x80\"");  // a surrogate: not UTF-8
  CHECK(go_quoted("\xc2\x85\xc2\xa0\xc2\xad") == "\"\\u0085\\u00a0\\u00ad\"");  // C1, NBSP, soft hyphen
  CHECK(go_quoted("\xe2\x80\xa8\xef\xbb\xbf") == "\"\\u2028\\ufeff\"");
  CHECK(go_quoted("\xf3\xa0\x80\x81") == "\"\\U000e0001\"");  // a format character above the BMP
  CHECK(go_quoted("\xf3\xb0\x80\x80") == "\"\\U000f0000\"");  // private use, beyond the basic plane
  CHECK(go_quoted("\xee\x80\x80\xef\xbf\xbe") == "\"\\ue000\\ufffe\"");  // private use, a noncharacter
}

TEST_CASE("MsgFrame: the frame rendered once is, for every sid, the frame append_msg/append_hmsg builds") {
  const std::string big(MsgFrame::kInlinePayload + 1, 'x');
  const std::string at_bound(MsgFrame::kInlinePayload, 'y');
  struct Case {
    std::string_view subject, reply, payload;
    size_t header_size;
  };
  const Case cases[] = {
      {"foo", "", "hello", 0},           {"foo.bar", "_INBOX.1", "hi", 0},  {"e", "", "", 0},
      {"h", "r", "NATS/1.0\r\n\r\nbody", 12}, {"h", "", "NATS/1.0\r\n\r\n", 12}, {"big", "re", big, 0},
      {"big", "", at_bound, 0},          {"hbig", "re", big, 5},
  };
  for (const Case& c : cases) {
    MsgFrame frame;
    const bool headers = c.header_size > 0;
    frame.render(c.subject, c.reply, headers, c.header_size, c.payload);
    for (std::string_view sid : {"1", "22", "a-long-sid-9999"}) {
      std::string expected = "prefix";
      if (headers) {
        append_hmsg(expected, c.subject, sid, c.reply, c.header_size, c.payload);
      } else {
        append_msg(expected, c.subject, sid, c.reply, c.payload);
      }
      std::string out = "prefix";
      frame.append_to(out, sid);
      CHECK(out == expected);
    }
  }
  std::string out;
  MsgFrame frame;
  frame.render("s", "", false, 0, "abc");
  frame.append_to(out, "7");
  CHECK(out == "MSG s 7 3\r\nabc\r\n");
}
