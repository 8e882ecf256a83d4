// HttpRequest / HttpResponse: the parsed request the HTTP server hands to a handler and the
// response the handler returns. Plain data; the server owns framing (status line, Date,
// Content-Length, keep-alive).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace zats::server::monitor {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", ...
  std::string path;    // percent-decoded, e.g. "/connz"
  std::string query;   // raw text after '?', undecoded
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Status-line text when it is not the standard one: Go's net/http writes its own request
  // errors as "HTTP/1.1 400 Bad Request: missing required Host header".
  std::string reason;
};

// The reason phrase Go's net/http prints for a status code.
const char* http_status_text(int status);

}  // namespace zats::server::monitor
