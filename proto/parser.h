// Parser: the streaming parser for what a server reads, in one of two dialects: the ops a
// client sends (docs/compatibility.md, Client protocol) or the ops a route peer sends
// (RS+, RS-, RMSG, HMSG, INFO, ...; docs/compatibility.md, Clustering). It works in place on
// the bytes it is given: the views it hands to the handler point into the caller's buffer,
// unless a frame spans two feeds, in which case that one frame is stitched in the parser's
// own (reused) buffer. Views are valid only during the handler call. No I/O, no allocation
// in the common case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/inlined_vector.h>

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
  std::string_view max;  // raw text, empty when absent (the server's rules: docs/compatibility.md, Operations)
};

// RS+ / RS- / LS+ / LS- from a route: interest of the peer's local subscribers.
struct RemoteSubArgs {
  std::string_view origin;   // LS+ only: the leafnode cluster the interest came from
  std::string_view account;
  std::string_view subject;
  std::string_view queue;    // empty: plain interest
  int32_t weight = 0;        // RS+ with a queue: the peer's member count (0 when malformed)
};

// RMSG / HMSG / LMSG from a route: one message with the queue groups picked for this server.
struct RoutedMsgArgs {
  std::string_view origin;   // LMSG only
  std::string_view account;
  std::string_view subject;
  std::string_view reply;    // empty when absent
  absl::InlinedVector<std::string_view, 4> queues;
  uint32_t header_size = 0;  // HMSG/LMSG: bytes of the header block inside the payload
  bool has_headers = false;
};

// Which side is talking: a client, or another server over a route.
enum class Dialect : uint8_t { Client, Route };

struct ParserLimits {
  uint32_t max_control_line = 4096;  // applies to the argument part (client dialect)
  uint32_t max_payload = 1048576;
  bool headers = false;              // HPUB allowed (CONNECT said headers:true)
  Dialect dialect = Dialect::Client;
};

// A route peer is a server, not a client: the reference puts no limit on its control lines
// or payloads. These bounds only keep a peer that is not one from using unbounded memory.
inline ParserLimits route_parser_limits() {
  ParserLimits limits;
  limits.max_control_line = 16u << 20;
  limits.max_payload = 999'999'999;  // the largest size field there is (9 digits)
  limits.headers = true;
  limits.dialect = Dialect::Route;
  return limits;
}

// The handler is a template parameter (no virtual call per op). Both dialects call
//   bool on_connect(std::string_view json);
//   bool on_ping();
//   bool on_pong();
// The client dialect also calls
//   bool on_pub(const PubArgs& args, std::string_view payload);  // payload = headers+body for HPUB
//   bool on_sub(const SubArgs& args);
//   bool on_unsub(const UnsubArgs& args);
// and consumes client INFO and +OK without a call. The route dialect also calls
//   bool on_info(std::string_view json);
//   bool on_err(std::string_view text);
//   bool on_remote_sub(const RemoteSubArgs& args);    // RS+, LS+
//   bool on_remote_unsub(const RemoteSubArgs& args);  // RS-, LS-
//   bool on_routed_msg(const RoutedMsgArgs& args, std::string_view payload);  // RMSG, HMSG, LMSG
// A handler only provides the calls of the dialect(s) it is used with. Returning false from a
// handler call makes feed() return right after that op (e.g. the connection is closing, or
// backpressure); `consumed` then says how far it got and the caller keeps the rest.
struct FeedResult {
  size_t consumed = 0;
  ParseError error = ParseError::None;
};

class Parser {
 public:
  explicit Parser(ParserLimits limits = {}) : limits_(limits) {}

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
  // Op names either dialect may send. PingOrPub, RouteOp, RouteSub, LeafOp and LeafSub are
  // the first letter(s) before the next one decides.
  enum class Op : uint8_t {
    PingOrPub, Pub, Hpub, Sub, Unsub, Ping, Pong, Connect, Info, Ok, Err,
    Hmsg, RouteOp, RouteSub, RsPlus, RsMinus, Rmsg, LeafOp, LeafSub, LsPlus, LsMinus, Lmsg,
  };
  static bool is_prefix(Op op) {
    return op == Op::PingOrPub || op == Op::RouteOp || op == Op::RouteSub || op == Op::LeafOp || op == Op::LeafSub;
  }

  bool step_name(char c);
  bool step_first_letter(char upper);
  bool step_ambiguous(char upper);
  bool route_dialect() const { return limits_.dialect == Dialect::Route; }
  State state_after_name() const;
  FeedResult fail(size_t consumed, ParseError error);
  // Where the current argument lives once it no longer fits the caller's buffer.
  bool stash_partial_argument(const char* data, size_t size);
  // Moves the pending PUB/RMSG args into line_ so they survive the end of this feed.
  void keep_pub_args_across_feeds(std::string_view arg);
  // A client's PUB line wholly in this feed, in one pass (scan_pub_line); false when the
  // general path must decide.
  bool take_pub_line(const char* data, size_t size, size_t& pos);

  template <class Handler>
  bool on_control_line(std::string_view arg, Handler& handler, ParseError& error);
  template <class Handler>
  bool on_route_line(std::string_view arg, Handler& handler, ParseError& error);
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
  RoutedMsgArgs routed_;           // args of the RMSG/HMSG/LMSG whose payload is being read
  std::string line_;               // reused: a control line that spans feeds
  std::string payload_;            // reused: a payload that spans feeds
};

}  // namespace zats::proto

#include "proto/parser_impl.h"
