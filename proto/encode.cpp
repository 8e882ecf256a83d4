// Encoders for server-to-client frames: MSG/HMSG headers and frames, -ERR. Every byte is
// appended to the caller's reused buffer (a MSG frame in one piece: TailWriter); numbers go
// through a stack buffer.
#include "proto/encode.h"

#include <charconv>
#include <cstdint>
#include <utility>

#include "proto/hex.h"
#include "proto/msg_frame.h"
#include "proto/tail_writer.h"
#include "proto/utf8.h"

namespace zats::proto {

void append_number(std::string& out, uint64_t value) {
  const Decimal digits(value);
  out.append(digits.view());
}

// In one TailWriter; a payload past MsgFrame::kInlinePayload is appended on its own rather
// than zero-filled first.
void append_msg_frame(std::string& out, bool headers, std::string_view subject, std::string_view sid,
                      std::string_view reply, size_t header_size, size_t total_size,
                      const std::string_view* payload) {
  const Decimal total(total_size);
  const Decimal header(headers ? header_size : 0);
  const bool inline_payload = payload != nullptr && payload->size() <= MsgFrame::kInlinePayload;
  size_t size = msg_sid_offset(headers, subject) + sid.size() + 1 + total.size() + 2;
  if (!reply.empty()) size += reply.size() + 1;
  if (headers) size += header.size() + 1;
  if (inline_payload) size += payload->size() + 2;
  TailWriter w(out, size);
  w.put(headers ? "HMSG " : "MSG ");
  w.put(subject);
  w.put(' ');
  w.put(sid);
  w.put(' ');
  if (!reply.empty()) {
    w.put(reply);
    w.put(' ');
  }
  if (headers) {
    w.put(header.view());
    w.put(' ');
  }
  w.put(total.view());
  w.put("\r\n");
  if (inline_payload) {
    w.put(*payload);
    w.put("\r\n");
  } else if (payload != nullptr) {
    out.append(*payload);
    out.append("\r\n");
  }
}

void append_msg_header(std::string& out, std::string_view subject, std::string_view sid,
                       std::string_view reply, size_t payload_size) {
  append_msg_frame(out, false, subject, sid, reply, 0, payload_size, nullptr);
}

void append_hmsg_header(std::string& out, std::string_view subject, std::string_view sid,
                        std::string_view reply, size_t header_size, size_t total_size) {
  append_msg_frame(out, true, subject, sid, reply, header_size, total_size, nullptr);
}

void append_msg(std::string& out, std::string_view subject, std::string_view sid,
                std::string_view reply, std::string_view payload) {
  append_msg_frame(out, false, subject, sid, reply, 0, payload.size(), &payload);
}

void append_hmsg(std::string& out, std::string_view subject, std::string_view sid,
                 std::string_view reply, size_t header_size, std::string_view payload) {
  append_msg_frame(out, true, subject, sid, reply, header_size, payload.size(), &payload);
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

namespace {

// unicode.IsPrint: exact for Latin-1; above it every assigned graphic rune counts except the
// format characters, separators and non-ASCII spaces Go excludes (private use and
// noncharacters included), which covers what a payload or subject holds in practice.
bool is_print(int32_t r) {
  if (r < 0x100) return (r >= 0x20 && r < 0x7F) || (r >= 0xA1 && r != 0xAD);
  if (r == 0x1680 || (r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) ||
      (r >= 0xE0000 && r <= 0xE007F))
    return false;
  if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000 || (r & 0xFFFE) == 0xFFFE || (r >= 0xFDD0 && r <= 0xFDEF))
    return false;
  return true;
}

}  // namespace

// strconv.Quote: printable runes as they are, the C escapes, \xNN for bytes that are not
// UTF-8, \uNNNN / \UNNNNNNNN for other runes.
std::string go_quoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    int32_t r = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    if (r >= 0x80) {
      uint32_t code_point = 0;
      len = utf8_sequence_length(s, i, &code_point);
      r = len == 0 ? -1 : static_cast<int32_t>(code_point);
    }
    if (r < 0) {
      out.append("\\x");
      append_hex(out, static_cast<unsigned char>(s[i]), 2);
      i += 1;
      continue;
    }
    if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (is_print(r)) {
      out.append(s.substr(i, len));
    } else {
      switch (r) {
        case '\a': out.append("\\a"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\v': out.append("\\v"); break;
        default:
          if (r < 0x20 || r == 0x7F) {
            out.append("\\x");
            append_hex(out, static_cast<uint32_t>(r), 2);
          } else if (r < 0x10000) {
            out.append("\\u");
            append_hex(out, static_cast<uint32_t>(r), 4);
          } else {
            out.append("\\U");
            append_hex(out, static_cast<uint32_t>(r), 8);
          }
      }
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

}  // namespace zats::proto
