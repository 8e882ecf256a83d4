// libFuzzer target for Parser (and parse_connect on every CONNECT it yields). Beyond
// "no crash, no out-of-bounds", it checks a property: feeding the input whole and feeding
// it split at a fuzzer-chosen offset give the same handler calls and the same error
// (split_feed.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "proto/connect.h"
#include "proto/parser.h"
#include "tests/fuzz/split_feed.h"

namespace {

using namespace zats::proto;

struct Recorder {
  std::string log;
  bool on_connect(std::string_view json) {
    log += parse_connect(json).has_value() ? "C+" : "C-";
    log.append(json);
    log += '\n';
    return true;
  }
  bool on_ping() { return log += "PING\n", true; }
  bool on_pong() { return log += "PONG\n", true; }
  bool on_pub(const PubArgs& args, std::string_view payload) {
    log += "PUB ";
    log.append(args.subject).append("|").append(args.reply).append("|");
    log += std::to_string(args.header_size) + (args.has_headers ? "h|" : "|");
    log.append(payload) += '\n';
    return true;
  }
  bool on_sub(const SubArgs& args) {
    log.append("SUB ").append(args.subject).append("|").append(args.queue).append("|").append(args.sid) += '\n';
    return true;
  }
  bool on_unsub(const UnsubArgs& args) {
    log.append("UNSUB ").append(args.sid).append("|").append(args.max) += '\n';
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  ParserLimits limits;
  limits.max_control_line = 16u + data[0];
  limits.max_payload = 1u + data[1] * 4u;
  limits.headers = (data[2] & 1) != 0;
  const size_t cut = data[2] >> 1;
  data += 3;
  size -= 3;
  zats::fuzz::check_split_feed<Recorder>(limits, data, size, cut);
  return 0;
}
