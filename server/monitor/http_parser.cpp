// HTTP head parsing and response framing (see http_parser.h).
#include "server/monitor/http_parser.h"

#include <algorithm>

#include "server/monitor/query.h"

namespace zats::server::monitor {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

ParsedHead fail(int status, std::string body) {
  ParsedHead p;
  p.error_status = status;
  p.error_body = std::move(body);
  p.keep_alive = false;
  return p;
}

bool has_token(const std::string& value, std::string_view token) {
  std::string v = lower(value);
  std::size_t pos = 0;
  while (pos <= v.size()) {
    std::size_t comma = std::min(v.find(',', pos), v.size());
    if (trim(std::string_view(v).substr(pos, comma - pos)) == token) return true;
    pos = comma + 1;
  }
  return false;
}

bool parse_request_line(std::string_view line, HttpRequest& req) {
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  req.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (req.method.empty() || target.empty() || target[0] != '/') return false;
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' || version[7] > '9') {
    return false;
  }
  req.version_minor = version[7] - '0';
  std::size_t q = target.find('?');
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  return Query::unescape(target.substr(0, q), req.path, false);
}

}  // namespace

const char* http_status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::size_t find_head_end(std::string_view buf) {
  std::size_t crlf = buf.find("\r\n\r\n");
  std::size_t lf = buf.find("\n\n");
  std::size_t a = crlf == std::string_view::npos ? std::string_view::npos : crlf + 4;
  std::size_t b = lf == std::string_view::npos ? std::string_view::npos : lf + 2;
  std::size_t end = std::min(a, b);
  return end == std::string_view::npos ? 0 : end;
}

ParsedHead parse_head(std::string_view head) {
  ParsedHead p;
  std::size_t eol = head.find('\n');
  std::string_view line = trim(head.substr(0, eol));
  if (!parse_request_line(line, p.request)) return fail(400, "400 Bad Request");
  bool has_host = false;
  std::string connection;
  while (eol != std::string_view::npos && eol + 1 < head.size()) {
    std::size_t start = eol + 1;
    eol = head.find('\n', start);
    std::string_view h = trim(head.substr(start, eol == std::string_view::npos ? eol : eol - start));
    if (h.empty()) break;
    std::size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(400, "400 Bad Request");  // Go keeps the detail private
    std::string name = lower(h.substr(0, colon));
    std::string value(trim(h.substr(colon + 1)));
    if (name == "host") has_host = true;
    if (name == "connection") connection = value;
    if (name == "transfer-encoding" || (name == "content-length" && value != "0")) p.has_body = true;
    p.request.headers.emplace_back(std::move(name), std::move(value));
  }
  if (p.request.version_minor >= 1 && !has_host) {
    return fail(400, "400 Bad Request: missing required Host header");
  }
  p.keep_alive = p.request.version_minor >= 1 ? !has_token(connection, "close")
                                              : has_token(connection, "keep-alive");
  return p;
}

std::string serialize_response(const HttpResponse& r, int version_minor, bool keep_alive,
                               bool head_only, const std::string& date) {
  std::string out = "HTTP/1." + std::to_string(version_minor) + " " + std::to_string(r.status) + " " +
                    (r.reason.empty() ? std::string(http_status_text(r.status)) : r.reason) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  if (!date.empty()) out += "Date: " + date + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (!keep_alive && version_minor >= 1) out += "Connection: close\r\n";
  if (keep_alive && version_minor == 0) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

}  // namespace zats::server::monitor
