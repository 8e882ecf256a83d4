// ClientParser: the streaming parser for the client side of the NATS protocol
// (docs/compatibility.md, Framing and Operations). It works in place on the bytes it is given: the
// views it hands to the handler point into the caller's buffer, unless a frame spans two feeds, in
// which case that one frame is stitched in the parser's own (reused) buffer. Views are valid only
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

  // The error that stopped the parser for good (None while it is healthy).
  ParseError error() const { return error_; }

 private:
  enum class State : uint8_t {
    OpStart,        // expecting the first byte of an op name
    OpName,         // inside an op name
    NeedSeparator,  // PUB/HPUB/SUB/UNSUB/-ERR: one SP/TAB is mandatory
    Separator,      // skipping SP/TAB before the argument
    Argument,       // control-line argument, up to LF
    SkipLine,       // PING/PONG/+OK: everything up to LF is ignored
    Payload,        // PUB/HPUB payload bytes
    PayloadCr,      // mandatory CR after a stitched payload
    PayloadLf,      // mandatory LF after a stitched payload
    Failed,         // a ParseError happened; nothing more is parsed
  };
  // Op names the client may send. PingOrPub is "P" before the second letter decides.
  enum class Op : uint8_t { PingOrPub, Pub, Hpub, Sub, Unsub, Ping, Pong, Connect, Info, Ok, Err };

  bool step_name(char c);
  State state_after_name() const;
  FeedResult fail(size_t consumed, ParseError error);
  // Where the current argument lives once it no longer fits the caller's buffer.
  bool stash_partial_argument(const char* data, size_t size);
  // Moves the pending PUB args into line_ so they survive the end of this feed.
  void keep_pub_args_across_feeds(std::string_view arg);

  template <class Handler>
  bool on_control_line(std::string_view arg, Handler& handler, ParseError& error);
  template <class Handler>
  bool deliver_payload(std::string_view payload, Handler& handler);

  ParserLimits limits_;
  State state_ = State::OpStart;
  Op op_ = Op::Pub;
  uint8_t name_pos_ = 0;           // letters of op_'s name matched so far
  ParseError error_ = ParseError::None;
  bool line_stitched_ = false;     // the current argument is (partly) in line_
  bool payload_stitched_ = false;  // the current payload is (partly) in payload_
  size_t arg_start_ = 0;           // offset of the argument in this feed's buffer
  uint32_t payload_size_ = 0;
  PubArgs pub_;                    // args of the PUB/HPUB whose payload is being read
  std::string line_;               // reused: a control line that spans feeds
  std::string payload_;            // reused: a payload that spans feeds
};

}  // namespace zats::proto

#include "proto/client_parser_impl.h"
