// Protocol tracing: the pure parts (password redaction, payload text) against what
// nats-server's removePassFromTrace and traceMsg produce.
#include "server/protocol_trace.h"

#include <doctest/doctest.h>

using zats::server::payload_trace_text;
using zats::server::redact_password;

TEST_CASE("CONNECT traces hide the password as the reference does") {
  CHECK(redact_password(R"({"verbose":true,"user":"a","pass":"secret","protocol":1})") ==
        R"({"verbose":true,"user":"a","pass":"[REDACTED]","protocol":1})");
  CHECK(redact_password(R"({"password": "s3 cret" , "x":1})") == R"({"password": "[REDACTED]" , "x":1})");
  CHECK(redact_password(R"({"pass":""})") == R"({"pass":"[REDACTED]"})");
  // Only the first value; a name that merely contains "pass" is not a password key.
  CHECK(redact_password(R"({"name":"passenger","pass":"x"})") == R"({"name":"passenger","pass":"[REDACTED]"})");
  CHECK(redact_password(R"({"name":"passenger"})") == R"({"name":"passenger"})");
  CHECK(redact_password(R"({"user":"a"})") == R"({"user":"a"})");
  CHECK(redact_password(R"({"pass":secret})") == R"({"pass":[REDACTED]})");
}

TEST_CASE("payload traces are Go-quoted and cut at max_traced_msg_len") {
  CHECK(payload_trace_text("hello", 0) == R"(MSG_PAYLOAD: ["hello"])");
  CHECK(payload_trace_text("NATS/1.0\r\n\r\nhi", 0) == R"(MSG_PAYLOAD: ["NATS/1.0\r\n\r\nhi"])");
  CHECK(payload_trace_text("hello", 5) == R"(MSG_PAYLOAD: ["hello"])");
  CHECK(payload_trace_text("hello world", 5) == R"(MSG_PAYLOAD: ["hello..."])");
  // The cut is on the quoted text, as client.go traceMsg slices it.
  CHECK(payload_trace_text("a\r\nbcdef", 3) == R"(MSG_PAYLOAD: ["a\r..."])");
}
