// Rendered: what an endpoint renderer produces — a JSON body with 200 (or another status), or
// a plain-text error such as nats-server's 400 texts. Endpoints turns it into an HttpResponse.
#pragma once

#include <string>

namespace zats::server::monitor {

struct Rendered {
  int status = 200;
  std::string body;
  bool is_error = false;  // body is plain text, not JSON (never wrapped in JSONP)

  static Rendered json(std::string b, int status = 200) { return {status, std::move(b), false}; }
  static Rendered bad_request(std::string text) { return {400, std::move(text), true}; }
};

}  // namespace zats::server::monitor
