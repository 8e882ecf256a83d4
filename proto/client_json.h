// parse_client_json: reads the JSON a client sends (the CONNECT argument, a client INFO) with
// simdjson, but accepting what Go's encoding/json accepts where simdjson alone would refuse, so
// zats keeps a connection nats-server keeps: objects and arrays nested up to 10000 levels (Go's
// limit), and, inside strings, invalid UTF-8 and unpaired surrogate escapes, both of which Go
// reads as U+FFFD (docs/compatibility.md, CONNECT).
#pragma once

#include <simdjson.h>

#include <string_view>

namespace zats::proto {

// Go's encoding/json nesting limit.
inline constexpr size_t kMaxJsonDepth = 10000;

// On success *root is the document, valid until the next call on the same thread.
simdjson::error_code parse_client_json(std::string_view json, simdjson::dom::element* root);

}  // namespace zats::proto
