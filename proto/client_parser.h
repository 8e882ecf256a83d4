// ClientParser: the streaming parser for the client side of the NATS protocol
// (PROTOCOL.md §1.1, §1.5). It works in place on the bytes it is given: the views it hands
// to the handler point into the caller's buffer, unless a frame spans two feeds, in which
// case that one frame is stitched in the parser's own (reused) buffer. Views are valid only
// during the handler call. No I/O, no allocation in the common case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zats::proto {

// Why parsing stopped for good. The connection must be closed after any of these; the
// server maps each to the reference's -ERR text (or none) and to a close reason.
enum class ParseError : uint8_t {
  None,
  UnknownOp,           // -ERR 'Unknown Protocol Operation' (bad op, bad payload terminator, client MSG/RS+...)
  ControlLineTooLong,  // -ERR 'maximum control line exceeded'
  MaxPayload,          // -ERR 'Maximum Payload Violation'
  BadArguments,        // wrong argument count or bad size field: close with no -ERR
  HeadersNotEnabled,   // HPUB from a client without headers:true: close with no -ERR
  ClientError,         // the client sent -ERR: close with no -ERR (reason "Parse Error")
};

struct PubArgs {
  std::string_view subject;
  std::string_view reply;      // empty when absent
  uint32_t header_size = 0;    // HPUB only: bytes of the header block inside payload
  bool has_headers = false;    // true for HPUB
};

struct SubArgs {
  std::string_view subject;
  std::string_view queue;  // empty when absent
  std::string_view sid;
};

struct UnsubArgs {
  std::string_view sid;
  std::string_view max;  // raw text, empty when absent (parsing rules are the server's: §2)
};

struct ParserLimits {
  uint32_t max_control_line = 4096;  // applies to the argument part (§1.1)
  uint32_t max_payload = 1048576;
  bool headers = false;              // HPUB allowed (CONNECT said headers:true)
};

// The handler is a template parameter (no virtual call per op). It must provide:
//   bool on_connect(std::string_view json);
//   bool on_ping();
//   bool on_pong();
//   bool on_pub(const PubArgs& args, std::string_view payload);  // payload = headers+body for HPUB
//   bool on_sub(const SubArgs& args);
//   bool on_unsub(const UnsubArgs& args);
// Client INFO and +OK are consumed and ignored. Returning false from a handler call makes
// feed() return right after that op (e.g. the connection is closing, or backpressure);
// `consumed` then says how far it got and the caller keeps the rest.
struct FeedResult {
  size_t consumed = 0;
  ParseError error = ParseError::None;
};

class ClientParser {
 public:
  explicit ClientParser(ParserLimits limits = {}) : limits_(limits) {}

  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }

  template <class Handler>
  FeedResult feed(const char* data, size_t size, Handler& handler);

  // True when the parser holds a partial frame (bytes of it are stitched internally).
  bool mid_frame() const;

 private:
  ParserLimits limits_;
  // State machine fields: implementation-defined.
};

}  // namespace zats::proto
