// Encoders for what the server sends a client: INFO (note the space before CRLF), MSG,
// HMSG, PING, PONG, +OK, -ERR. They append to a caller-owned std::string so the buffer is
// reused across messages; no other allocation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace zats::proto {

// `value` in decimal, through a stack buffer.
void append_number(std::string& out, uint64_t value);

inline constexpr std::string_view kPing = "PING\r\n";
inline constexpr std::string_view kPong = "PONG\r\n";
inline constexpr std::string_view kOk = "+OK\r\n";

// One writer of every MSG/HMSG frame: "MSG <subject> <sid> [reply] <size>\r\n" or
// "HMSG <subject> <sid> [reply] <hdr> <total>\r\n", then, when `payload` is given, the payload
// and CRLF. MsgFrame renders it with an empty sid and puts each subscriber's at msg_sid_offset.
void append_msg_frame(std::string& out, bool headers, std::string_view subject, std::string_view sid,
                      std::string_view reply, size_t header_size, size_t total_size,
                      const std::string_view* payload);
constexpr size_t msg_sid_offset(bool headers, std::string_view subject) {
  return (headers ? 5 : 4) + subject.size() + 1;
}
// "MSG <subject> <sid> [reply] <size>\r\n" (the caller appends payload and CRLF, or uses append_msg).
void append_msg_header(std::string& out, std::string_view subject, std::string_view sid,
                       std::string_view reply, size_t payload_size);
// "HMSG <subject> <sid> [reply] <hdr> <total>\r\n"
void append_hmsg_header(std::string& out, std::string_view subject, std::string_view sid,
                        std::string_view reply, size_t header_size, size_t total_size);
// Whole MSG/HMSG frame: header line, payload, CRLF. header_size == 0 and !has_headers gives MSG.
void append_msg(std::string& out, std::string_view subject, std::string_view sid,
                std::string_view reply, std::string_view payload);
void append_hmsg(std::string& out, std::string_view subject, std::string_view sid,
                 std::string_view reply, size_t header_size, std::string_view payload);
// Route dialect: "RMSG <account> <subject> [<reply> | + <reply> <queues> | '|' <queues>] <size>"
// + payload + CRLF, or HMSG with "<header size> <total size>" when header_size > 0 (the
// reference's encoding, route.go / client.go msgHeaderForRouteOrLeaf).
void append_routed_msg(std::string& out, std::string_view account, std::string_view subject,
                       std::string_view reply, std::span<const std::string_view> queues, size_t header_size,
                       std::string_view payload);
// "RS+ <account> <subject>[ <queue> <weight>]\r\n"
void append_remote_sub(std::string& out, std::string_view account, std::string_view subject,
                       std::string_view queue, uint32_t weight);
// "RS- <account> <subject>[ <queue>]\r\n"
void append_remote_unsub(std::string& out, std::string_view account, std::string_view subject,
                         std::string_view queue);
// "-ERR '<text>'\r\n"
void append_err(std::string& out, std::string_view text);
// s in double quotes as Go's %q (strconv.Quote) writes it: -ERR texts ("Permissions
// Violation for Publish to \"foo\"") and traced payloads (MSG_PAYLOAD: ["a\r\nb"]).
std::string go_quoted(std::string_view s);

}  // namespace zats::proto
