// Protocol tracing (-V, trace: true): the [TRC] lines nats-server writes for a client
// connection, same text: "<<- [PUB foo 5]", "<<- MSG_PAYLOAD: [\"hello\"]", "->> [MSG foo 1 5]",
// "->> [OK]", "<<- [CONNECT {...}]" (password redacted), "<-> [DELSUB 1]". Callers check
// core::trace_enabled() first, so a server that does not trace pays one predictable branch
// per operation and nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/log.h"
#include "proto/parser.h"

namespace zats::server {

// "<<- [OP args]" (received), "->> [OP args]" (sent), "<-> [OP args]" (internal); no args:
// "[OP]".
void trace_in(const core::LogOrigin& origin, std::string_view op, std::string_view args = {});
void trace_out(const core::LogOrigin& origin, std::string_view op, std::string_view args = {});
void trace_internal(const core::LogOrigin& origin, std::string_view op, std::string_view args);

// The received operations, with their arguments as the client sent them.
void trace_connect(const core::LogOrigin& origin, std::string_view json);
void trace_pub(const core::LogOrigin& origin, const proto::PubArgs& args, size_t size);
void trace_payload(const core::LogOrigin& origin, std::string_view payload, int64_t max_traced_len);
void trace_sub(const core::LogOrigin& origin, const proto::SubArgs& args);
void trace_unsub(const core::LogOrigin& origin, const proto::UnsubArgs& args);

// Pure parts, for tests.
// The CONNECT JSON with the first password value replaced by [REDACTED] (client.go
// removePassFromTrace).
std::string redact_password(std::string_view connect_json);
// `MSG_PAYLOAD: ["hello"]`, cut to max_traced_len bytes of the quoted text with "..." when the
// payload is longer (0: no limit).
std::string payload_trace_text(std::string_view payload, int64_t max_traced_len);

}  // namespace zats::server
