// Encoders for server-to-client frames: MSG/HMSG headers and frames, -ERR. Every byte is
// appended to the caller's reused buffer; numbers go through a stack buffer.
#include "proto/encode.h"

#include <charconv>

namespace zats::proto {

namespace {

void append_number(std::string& out, size_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, static_cast<size_t>(result.ptr - digits));
}

// "<subject> <sid> [reply ]" shared by MSG and HMSG.
void append_routing(std::string& out, std::string_view subject, std::string_view sid,
                    std::string_view reply) {
  out.append(subject);
  out.push_back(' ');
  out.append(sid);
  out.push_back(' ');
  if (!reply.empty()) {
    out.append(reply);
    out.push_back(' ');
  }
}

}  // namespace

void append_msg_header(std::string& out, std::string_view subject, std::string_view sid,
                       std::string_view reply, size_t payload_size) {
  out.append("MSG ");
  append_routing(out, subject, sid, reply);
  append_number(out, payload_size);
  out.append("\r\n");
}

void append_hmsg_header(std::string& out, std::string_view subject, std::string_view sid,
                        std::string_view reply, size_t header_size, size_t total_size) {
  out.append("HMSG ");
  append_routing(out, subject, sid, reply);
  append_number(out, header_size);
  out.push_back(' ');
  append_number(out, total_size);
  out.append("\r\n");
}

void append_msg(std::string& out, std::string_view subject, std::string_view sid,
                std::string_view reply, std::string_view payload) {
  append_msg_header(out, subject, sid, reply, payload.size());
  out.append(payload);
  out.append("\r\n");
}

void append_hmsg(std::string& out, std::string_view subject, std::string_view sid,
                 std::string_view reply, size_t header_size, std::string_view payload) {
  append_hmsg_header(out, subject, sid, reply, header_size, payload.size());
  out.append(payload);
  out.append("\r\n");
}

void append_routed_msg(std::string& out, std::string_view account, std::string_view subject,
                       std::string_view reply, std::span<const std::string_view> queues, size_t header_size,
                       std::string_view payload) {
  out.append(header_size > 0 ? "HMSG " : "RMSG ");
  out.append(account);
  out.push_back(' ');
  out.append(subject);
  out.push_back(' ');
  if (!queues.empty()) {
    if (!reply.empty()) {
      out.append("+ ");
      out.append(reply);
      out.push_back(' ');
    } else {
      out.append("| ");
    }
    for (std::string_view q : queues) {
      out.append(q);
      out.push_back(' ');
    }
  } else if (!reply.empty()) {
    out.append(reply);
    out.push_back(' ');
  }
  if (header_size > 0) {
    append_number(out, header_size);
    out.push_back(' ');
  }
  append_number(out, payload.size());
  out.append("\r\n");
  out.append(payload);
  out.append("\r\n");
}

void append_remote_sub(std::string& out, std::string_view account, std::string_view subject,
                       std::string_view queue, uint32_t weight) {
  out.append("RS+ ");
  out.append(account);
  out.push_back(' ');
  out.append(subject);
  if (!queue.empty()) {
    out.push_back(' ');
    out.append(queue);
    out.push_back(' ');
    append_number(out, weight);
  }
  out.append("\r\n");
}

void append_remote_unsub(std::string& out, std::string_view account, std::string_view subject,
                         std::string_view queue) {
  out.append("RS- ");
  out.append(account);
  out.push_back(' ');
  out.append(subject);
  if (!queue.empty()) {
    out.push_back(' ');
    out.append(queue);
  }
  out.append("\r\n");
}

void append_err(std::string& out, std::string_view text) {
  out.append("-ERR '");
  out.append(text);
  out.append("'\r\n");
}

std::string go_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace zats::proto
