// JSON log lines: the fields, escaped by the one JSON string escaper.
#include "server/log_json.h"

#include <doctest/doctest.h>

using zats::core::LogEntry;
using zats::core::LogLevel;
using zats::server::append_json_log_line;

namespace {

LogEntry entry(LogLevel level, std::string_view text, std::string_view address = {}, uint64_t cid = 0) {
  LogEntry e;
  e.level = level;
  e.wall_ns = 1'764'300'123'456'789'000;  // 2025-11-28T03:22:03.456789Z
  e.text = text;
  e.address = address;
  e.cid = cid;
  return e;
}

}  // namespace

// Escaped as Go's encoding/json escapes (so "<" is \u003c), like every JSON zats writes.
TEST_CASE("JSON log lines carry time, level, message and the connection's fields") {
  std::string out;
  append_json_log_line(out, entry(LogLevel::Trace, "<<- [PUB \"a\"\n 1]", "[::1]:5000", 9), 42, true);
  CHECK(out ==
        "{\"time\":\"2025-11-28T03:22:03.456789Z\",\"level\":\"trace\",\"msg\":\"\\u003c\\u003c- [PUB \\\"a\\\"\\n 1]\","
        "\"pid\":42,\"client\":\"[::1]:5000\",\"cid\":9}\n");
  out.clear();
  append_json_log_line(out, entry(LogLevel::Warn, std::string_view("a\x01<", 3)), 1, false);
  CHECK(out == "{\"level\":\"warn\",\"msg\":\"a\\u0001\\u003c\",\"pid\":1}\n");
  out.clear();
  LogEntry route = entry(LogLevel::Notice, "x", "10.0.0.1:6222", 3);
  route.id_tag = "rid";
  append_json_log_line(out, route, 1, false);
  CHECK(out == "{\"level\":\"info\",\"msg\":\"x\",\"pid\":1,\"client\":\"10.0.0.1:6222\",\"rid\":3}\n");
}
