// libFuzzer target for the header-size paths of HPUB and HMSG. zats never looks inside a header
// block; what it must get right is the arithmetic: the header and total sizes of HPUB against
// max_payload, and the frames it delivers, HMSG to a subscriber with headers and MSG with the
// header bytes cut off to one without. Every publish the client parser accepts is encoded both
// ways, as a subscriber would receive it, and read back with the benchmark client's independent
// frame reader (perf/proto_reader.h): subject, sid, reply, header block and payload must come
// back exactly.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "perf/proto_reader.h"
#include "proto/parser.h"
#include "proto/encode.h"

namespace {

using namespace zats::proto;

constexpr std::string_view kSid = "42";

struct Expected {
  std::string_view subject;
  std::string_view reply;
  std::string_view headers;
  std::string_view payload;
  int seen = 0;

  void on_msg(const zats::perf::MsgView& m) {
    if (m.subject != subject || m.sid != kSid || m.reply != reply || m.headers != headers ||
        m.payload != payload)
      std::abort();
    ++seen;
  }
  void on_info(std::string_view) { std::abort(); }
  void on_ping() { std::abort(); }
  void on_pong() { std::abort(); }
  void on_ok() { std::abort(); }
  void on_err(std::string_view) { std::abort(); }
};

void read_back(const std::string& frame, Expected expected) {
  zats::perf::ProtoReader reader(64, size_t{1} << 24);
  if (!reader.feed(frame, expected) || expected.seen != 1 || reader.buffered() != 0) {
    std::fprintf(stderr, "frame not read back (%d messages, %zu bytes left): %s\n", expected.seen,
                 reader.buffered(), frame.c_str());
    std::abort();
  }
}

struct Publisher {
  ParserLimits limits;
  std::string frame;

  bool on_pub(const PubArgs& args, std::string_view payload) {
    if (payload.size() > limits.max_payload) std::abort();
    if (!args.has_headers) {
      if (args.header_size != 0) std::abort();
    } else if (args.header_size > payload.size()) {
      std::abort();
    }
    // What Client::deliver sends: HMSG when there is a header block and the subscriber takes
    // headers; otherwise MSG, without the header bytes.
    const bool has_block = args.has_headers && args.header_size > 0;
    const std::string_view headers = has_block ? payload.substr(0, args.header_size) : std::string_view();
    const std::string_view body = has_block ? payload.substr(args.header_size) : payload;
    // The byte right after an operation's separator always joins the argument, a CR or LF too
    // (as in nats-server, which then delivers "MSG \nfoo ..." the same way): such a frame cannot
    // be read back by line, so only the arithmetic above is checked for it.
    if (args.subject.find_first_of("\r\n") != std::string_view::npos ||
        args.reply.find_first_of("\r\n") != std::string_view::npos)
      return true;
    frame.clear();
    if (has_block) {
      append_hmsg(frame, args.subject, kSid, args.reply, args.header_size, payload);
    } else {
      append_msg(frame, args.subject, kSid, args.reply, payload);
    }
    read_back(frame, {args.subject, args.reply, headers, body});
    frame.clear();
    append_msg(frame, args.subject, kSid, args.reply, body);
    read_back(frame, {args.subject, args.reply, {}, body});
    return true;
  }
  bool on_connect(std::string_view) { return true; }
  bool on_ping() { return true; }
  bool on_pong() { return true; }
  bool on_sub(const SubArgs&) { return true; }
  bool on_unsub(const UnsubArgs&) { return true; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Publisher publisher;
  publisher.limits.max_control_line = 4096;
  publisher.limits.max_payload = 1u + data[0] * 16u;
  publisher.limits.headers = (data[1] & 1) != 0;
  Parser parser(publisher.limits);
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  while (!rest.empty()) {
    const FeedResult result = parser.feed(rest.data(), rest.size(), publisher);
    if (result.error != ParseError::None || result.consumed == 0) break;
    rest.remove_prefix(result.consumed);
  }
  return 0;
}
