// HTTP/1.x request head parsing for the monitoring server: finds the end of the head, splits
// the request line and headers, and says how a malformed head must be answered (the status
// and body Go's net/http uses). Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "server/monitor/http_message.h"

namespace zats::server::monitor {

// Length of the head including its blank line ("\r\n\r\n" or bare "\n\n"), or 0 if incomplete.
std::size_t find_head_end(std::string_view buf);

struct ParsedHead {
  HttpRequest request;
  int error_status = 0;      // non-zero: answer this and close
  std::string error_body;    // e.g. "400 Bad Request: missing required Host header"
  bool keep_alive = true;    // per version and Connection header
  bool has_body = false;     // Content-Length > 0 or Transfer-Encoding: not read, so close after
};

ParsedHead parse_head(std::string_view head);

// Status line, headers (Content-Type, Date, Content-Length, extras, Connection) and body.
std::string serialize_response(const HttpResponse& r, int version_minor, bool keep_alive,
                               bool head_only, const std::string& date);

}  // namespace zats::server::monitor
