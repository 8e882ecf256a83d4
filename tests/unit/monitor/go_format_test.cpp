// Go-compatible formatting: times, uptimes, durations, floats and strconv error texts, checked
// against values printed by Go / nats-server.
#include <doctest/doctest.h>

#include "server/monitor/go_format.h"
#include "server/monitor/json_writer.h"
#include "server/monitor/query.h"

using namespace zats::server::monitor;

TEST_CASE("rfc3339 nano drops trailing zeros and the dot when whole") {
  CHECK(format_rfc3339_nano(1795830714891620235) == "2026-11-28T01:51:54.891620235Z");
  CHECK(format_rfc3339_nano(1795830710394615210) == "2026-11-28T01:51:50.39461521Z");
  CHECK(format_rfc3339_nano(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339_nano(951782400'000000000 + 500'000'000) == "2000-02-29T00:00:00.5Z");
  CHECK(format_rfc3339_nano(-1) == "1969-12-31T23:59:59.999999999Z");
}

TEST_CASE("http date") {
  CHECK(format_http_date(1795830710377814429) == "Sat, 28 Nov 2026 01:51:50 GMT");
  CHECK(format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_CASE("uptime strings") {
  constexpr Nanos s = 1'000'000'000;
  CHECK(format_uptime(0) == "0s");
  CHECK(format_uptime(s - 1) == "0s");
  CHECK(format_uptime(177 * s) == "2m57s");
  CHECK(format_uptime(3600 * s) == "1h0m0s");
  CHECK(format_uptime((86400 + 2 * 3600 + 3 * 60 + 4) * s) == "1d2h3m4s");
  CHECK(format_uptime((366 * 86400LL) * s) == "1y1d0h0m0s");
}

TEST_CASE("go duration strings") {
  CHECK(format_go_duration(0) == "0s");
  CHECK(format_go_duration(365) == "365ns");
  CHECK(format_go_duration(618'000) == "618µs");
  CHECK(format_go_duration(200'715'465) == "200.715465ms");
  CHECK(format_go_duration(1'500'000) == "1.5ms");
  CHECK(format_go_duration(1'000'000'000) == "1s");
  CHECK(format_go_duration(3'250'000'000) == "3.25s");
  CHECK(format_go_duration(7'203'000'000'000) == "2h0m3s");
  CHECK(format_go_duration(-1'500'000) == "-1.5ms");
  CHECK(format_rtt(618'734) == "618µs");
  CHECK(format_rtt(1'618'734) == "1.618734ms");
  CHECK(format_rtt(900) == "900ns");
}

TEST_CASE("json floats as encoding/json") {
  CHECK(format_json_float(0) == "0");
  CHECK(format_json_float(2) == "2");
  CHECK(format_json_float(0.75) == "0.75");
  CHECK(format_json_float(0.1) == "0.1");
  CHECK(format_json_float(1e-7) == "1e-7");
  CHECK(format_json_float(1e21) == "1e+21");
  CHECK(format_json_float(123456789.5) == "123456789.5");
}

TEST_CASE("strconv errors") {
  CHECK(go_parse_bool("TRUE").value == true);
  CHECK(go_parse_bool("f").value == false);
  CHECK(go_parse_bool("yes").error == "strconv.ParseBool: parsing \"yes\": invalid syntax");
  CHECK(go_atoi("+12").value == 12);
  CHECK(go_atoi("-3").value == -3);
  CHECK(go_atoi("x").error == "strconv.Atoi: parsing \"x\": invalid syntax");
  CHECK(go_atoi("-1x").error == "strconv.Atoi: parsing \"-1x\": invalid syntax");
  // The text quoted as strconv.Quote quotes it: printable runes as they are, other bytes escaped.
  CHECK(go_atoi("\xc3\xa9").error == "strconv.Atoi: parsing \"\xc3\xa9\": invalid syntax");
  CHECK(go_atoi("\xff").error == "strconv.Atoi: parsing \"\\xff\": invalid syntax");
  CHECK(go_atoi("99999999999999999999").error ==
        "strconv.Atoi: parsing \"99999999999999999999\": value out of range");
  CHECK(go_atoi("-9223372036854775808").value == INT64_MIN);
  CHECK(go_parse_uint("-1").error == "strconv.ParseUint: parsing \"-1\": invalid syntax");
  CHECK(go_parse_uint("18446744073709551615").value == UINT64_MAX);
  CHECK(go_parse_uint("99999999999999999999999").error ==
        "strconv.ParseUint: parsing \"99999999999999999999999\": value out of range");
}

TEST_CASE("json writer layout and escaping") {
  JsonWriter w;
  w.begin_object().field("a", 1).key("e").begin_array().end_array();
  w.key("o").begin_object().end_object();
  w.key("l").begin_array().value("x").value(true).end_array();
  w.field("s", "<a&b>\"\\\n\x01\xe2\x80\xa8").end_object();
  CHECK(w.str() ==
        "{\n  \"a\": 1,\n  \"e\": [],\n  \"o\": {},\n  \"l\": [\n    \"x\",\n    true\n  ],\n"
        "  \"s\": \"\\u003ca\\u0026b\\u003e\\\"\\\\\\n\\u0001\\u2028\"\n}");
  JsonWriter c(false);
  c.begin_object().field("status", "ok").field("n", 2.5).end_object();
  CHECK(c.str() == "{\"status\":\"ok\",\"n\":2.5}");
}

TEST_CASE("query decoding as Go's url.Values.Get") {
  Query q("a=1&a=2&b=x+y%21&c&bad=%zz&semi=1;x=2&sp=%20");
  CHECK(q.get("a") == "1");
  CHECK(q.get("b") == "x y!");
  CHECK(q.has("c"));
  CHECK(q.get("c").empty());
  CHECK_FALSE(q.has("bad"));
  CHECK_FALSE(q.has("semi"));
  CHECK(q.get("sp") == " ");
  CHECK(q.get("missing").empty());
}
