#include "server/protocol_trace.h"

#include "proto/encode.h"

namespace zats::server {
namespace {

// Go's fmt of a []interface{}{op, args} with %s: "[op args]".
void trace_op(const core::LogOrigin& origin, std::string_view direction, std::string_view op, std::string_view args) {
  std::string text;
  text.reserve(direction.size() + op.size() + args.size() + 4);
  text.append(direction);
  text.append(" [");
  text.append(op);
  if (!op.empty() && !args.empty()) text.push_back(' ');
  text.append(args);
  text.push_back(']');
  core::log_text(core::LogLevel::Trace, &origin, text);
}

void append_number(std::string& out, uint64_t n) { out.append(std::to_string(n)); }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Where the ':' or '=' after a "pass..." key is, matching the reference's pattern
// `pass\S*?"?\s*[:=]` from `from` (just past "pass"); npos when there is none.
size_t password_separator(std::string_view s, size_t from) {
  for (size_t k = from; k <= s.size(); ++k) {
    for (bool quote : {true, false}) {
      size_t p = k;
      if (quote) {
        if (p >= s.size() || s[p] != '"') continue;
        ++p;
      }
      while (p < s.size() && is_space(s[p])) ++p;
      if (p < s.size() && (s[p] == ':' || s[p] == '=')) return p;
    }
    if (k == s.size() || is_space(s[k])) break;  // the lazy \S*? cannot cross a space
  }
  return std::string_view::npos;
}

}  // namespace

void trace_in(const core::LogOrigin& origin, std::string_view op, std::string_view args) {
  trace_op(origin, "<<-", op, args);
}

void trace_out(const core::LogOrigin& origin, std::string_view op, std::string_view args) {
  trace_op(origin, "->>", op, args);
}

void trace_internal(const core::LogOrigin& origin, std::string_view op, std::string_view args) {
  trace_op(origin, "<->", op, args);
}

void trace_connect(const core::LogOrigin& origin, std::string_view json) {
  trace_in(origin, "CONNECT", redact_password(json));
}

void trace_pub(const core::LogOrigin& origin, const proto::PubArgs& args, size_t size) {
  std::string text(args.subject);
  if (!args.reply.empty()) {
    text.push_back(' ');
    text.append(args.reply);
  }
  text.push_back(' ');
  if (args.has_headers) {
    append_number(text, args.header_size);
    text.push_back(' ');
  }
  append_number(text, size);
  trace_in(origin, args.has_headers ? "HPUB" : "PUB", text);
}

void trace_payload(const core::LogOrigin& origin, std::string_view payload, int64_t max_traced_len) {
  std::string text = "<<- " + payload_trace_text(payload, max_traced_len);
  core::log_text(core::LogLevel::Trace, &origin, text);
}

void trace_sub(const core::LogOrigin& origin, const proto::SubArgs& args) {
  std::string text(args.subject);
  if (!args.queue.empty()) {
    text.push_back(' ');
    text.append(args.queue);
  }
  text.push_back(' ');
  text.append(args.sid);
  trace_in(origin, "SUB", text);
}

void trace_unsub(const core::LogOrigin& origin, const proto::UnsubArgs& args) {
  std::string text(args.sid);
  if (!args.max.empty()) {
    text.push_back(' ');
    text.append(args.max);
  }
  trace_in(origin, "UNSUB", text);
}

std::string redact_password(std::string_view json) {
  for (size_t at = json.find("pass"); at != std::string_view::npos; at = json.find("pass", at + 1)) {
    size_t sep = password_separator(json, at + 4);
    if (sep == std::string_view::npos) continue;
    size_t start = sep + 1;
    while (start < json.size() && is_space(json[start])) ++start;
    if (start < json.size() && json[start] == '"') ++start;
    size_t end = json.find_first_of("\",\r\n}", start);
    if (end == std::string_view::npos) end = json.size();
    std::string out(json.substr(0, start));
    out.append("[REDACTED]");
    out.append(json.substr(end));
    return out;
  }
  return std::string(json);
}

std::string payload_trace_text(std::string_view payload, int64_t max_traced_len) {
  size_t max = max_traced_len > 0 ? static_cast<size_t>(max_traced_len) : 0;
  if (max > 0 && payload.size() > max) {
    std::string quoted = proto::go_quoted(payload.substr(0, max));
    return "MSG_PAYLOAD: [\"" + quoted.substr(1, max) + "...\"]";
  }
  return "MSG_PAYLOAD: [" + proto::go_quoted(payload) + "]";
}

}  // namespace zats::server
