// libFuzzer target for the route dialect of Parser (and the INFO / CONNECT decoders on every
// INFO and CONNECT it yields). Beyond "no crash, no out-of-bounds", it checks a property:
// feeding the input whole and feeding it split at a fuzzer-chosen offset give the same handler
// calls and the same error (split_feed.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "proto/info.h"
#include "proto/parser.h"
#include "proto/route_connect.h"
#include "tests/fuzz/split_feed.h"

namespace {

using namespace zats::proto;

struct Recorder {
  std::string log;
  bool on_connect(std::string_view json) {
    log += parse_route_connect(json).has_value() ? "C+" : "C-";
    log.append(json) += '\n';
    return true;
  }
  bool on_info(std::string_view json) {
    log += parse_server_info(json).has_value() ? "I+" : "I-";
    log.append(json) += '\n';
    return true;
  }
  bool on_err(std::string_view text) {
    log.append("ERR ").append(text) += '\n';
    return true;
  }
  bool on_ping() { return log += "PING\n", true; }
  bool on_pong() { return log += "PONG\n", true; }
  bool on_remote_sub(const RemoteSubArgs& a) {
    log.append("RS+ ").append(a.origin).append("|").append(a.account).append("|").append(a.subject).append("|");
    log.append(a.queue) += "|" + std::to_string(a.weight) + '\n';
    return true;
  }
  bool on_remote_unsub(const RemoteSubArgs& a) {
    log.append("RS- ").append(a.account).append("|").append(a.subject).append("|").append(a.queue) += '\n';
    return true;
  }
  bool on_routed_msg(const RoutedMsgArgs& a, std::string_view payload) {
    log.append("MSG ").append(a.origin).append("|").append(a.account).append("|").append(a.subject).append("|");
    log.append(a.reply).append("|");
    for (std::string_view q : a.queues) log.append(q) += ',';
    log += "|" + std::to_string(a.header_size) + (a.has_headers ? "h|" : "|");
    log.append(payload) += '\n';
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ParserLimits limits = route_parser_limits();
  limits.max_control_line = 64u + data[0] * 4u;  // small bounds reach the stitching paths
  const size_t cut = data[0];
  data += 1;
  size -= 1;
  zats::fuzz::check_split_feed<Recorder>(limits, data, size, cut);
  return 0;
}
