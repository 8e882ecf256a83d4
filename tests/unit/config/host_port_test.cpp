// host:port and integers as Go reads them (net.SplitHostPort, strconv.Atoi, nats-server's
// parseHostPort). Expectations from Go 1.19 on the same inputs.
#include <doctest/doctest.h>

#include "server/config/host_port.h"

using namespace zats::server::config;

TEST_CASE("net.SplitHostPort") {
  struct Case {
    const char* text;
    const char* host;
    const char* port;
    const char* error;
  };
  const Case cases[] = {
      {"127.0.0.1:4222", "127.0.0.1", "4222", ""},
      {"[::1]:5", "::1", "5", ""},
      {":5", "", "5", ""},
      {"a:", "a", "", ""},
      {"abc", "", "", "address abc: missing port in address"},
      {"::1:5", "", "", "address ::1:5: too many colons in address"},
      {"[::1]", "", "", "address [::1]: missing port in address"},
      {"[::1", "", "", "address [::1: missing ']' in address"},
      {"[a]b:5", "", "", "address [a]b:5: missing port in address"},
      {"[a]:b:5", "", "", "address [a]:b:5: too many colons in address"},
      {"a]:5", "", "", "address a]:5: unexpected ']' in address"},
      {"[a:5", "", "", "address [a:5: missing ']' in address"},
      {"a[b]:5", "", "", "address a[b]:5: unexpected '[' in address"},
      {"", "", "", "missing port in address"},
      {"[::1]]:5", "", "", "address [::1]]:5: missing port in address"},
      {"x:y:z", "", "", "address x:y:z: too many colons in address"},
  };
  for (const Case& c : cases) {
    INFO("hostport: ", c.text);
    std::string host, port;
    CHECK(split_host_port(c.text, &host, &port) == c.error);
    CHECK(host == c.host);
    CHECK(port == c.port);
  }
}

TEST_CASE("strconv.Atoi") {
  struct Case {
    const char* text;
    int64_t value;
    const char* error;
  };
  const Case cases[] = {
      {"0", 0, ""},
      {"-1", -1, ""},
      {"+5", 5, ""},
      {"9223372036854775807", INT64_MAX, ""},
      {"-9223372036854775808", INT64_MIN, ""},
      {"x", 0, "strconv.Atoi: parsing \"x\": invalid syntax"},
      {"", 0, "strconv.Atoi: parsing \"\": invalid syntax"},
      {"-", 0, "strconv.Atoi: parsing \"-\": invalid syntax"},
      {"1_0", 0, "strconv.Atoi: parsing \"1_0\": invalid syntax"},
      {" 1", 0, "strconv.Atoi: parsing \" 1\": invalid syntax"},
      {"99999999999999999999", 0, "strconv.Atoi: parsing \"99999999999999999999\": value out of range"},
      {"9223372036854775808", 0, "strconv.Atoi: parsing \"9223372036854775808\": value out of range"},
      {"-9223372036854775809", 0, "strconv.Atoi: parsing \"-9223372036854775809\": value out of range"},
      // Which error wins when there are two, as in Go.
      {"9223372036854775808x", 0, "strconv.Atoi: parsing \"9223372036854775808x\": invalid syntax"},
      {"99999999999999999999x", 0, "strconv.Atoi: parsing \"99999999999999999999x\": value out of range"},
  };
  for (const Case& c : cases) {
    INFO("text: ", c.text);
    int64_t n = 0;
    CHECK(go_atoi(c.text, &n) == c.error);
    CHECK(n == c.value);
  }
}

TEST_CASE("parseHostPort: advertise addresses") {
  std::string host;
  int64_t port = 0;
  CHECK(parse_host_port("myhost:5222", 6222, &host, &port) == "");
  CHECK((host == "myhost" && port == 5222));
  CHECK(parse_host_port("myhost", 6222, &host, &port) == "");  // the default port is appended
  CHECK((host == "myhost" && port == 6222));
  CHECK(parse_host_port("myhost:-1", 6222, &host, &port) == "");
  CHECK(port == 6222);
  CHECK(parse_host_port("[::1]", 6222, &host, &port) == "");
  CHECK((host == "::1" && port == 6222));
  CHECK(parse_host_port("", 6222, &host, &port) == "no hostport specified");
  CHECK(parse_host_port("a:b:c", 6222, &host, &port) == "address a:b:c: too many colons in address");
  CHECK(parse_host_port("a:bc", 6222, &host, &port) == "strconv.Atoi: parsing \"bc\": invalid syntax");
}
