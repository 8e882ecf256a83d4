// libFuzzer target for Parser (and parse_connect on every CONNECT it yields). Beyond
// "no crash, no out-of-bounds", it checks a property: feeding the input whole and feeding
// it split at a fuzzer-chosen offset give the same handler calls and the same error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "proto/parser.h"
#include "proto/connect.h"

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

// Feeds [data, data+size) in pieces split at `cut` (0 = one piece), each piece in its own
// heap buffer so stale views into an earlier piece are caught by ASan.
std::string run(const ParserLimits& limits, const uint8_t* data, size_t size, size_t cut) {
  Parser parser(limits);
  Recorder recorder;
  std::vector<std::pair<size_t, size_t>> pieces;
  if (cut == 0 || cut >= size) {
    pieces.emplace_back(0, size);
  } else {
    pieces.emplace_back(0, cut);
    pieces.emplace_back(cut, size - cut);
  }
  for (const auto& [offset, length] : pieces) {
    std::vector<char> buffer(data + offset, data + offset + length);
    const FeedResult result = parser.feed(buffer.data(), buffer.size(), recorder);
    if (result.error != ParseError::None) {
      recorder.log += "ERROR " + std::to_string(static_cast<int>(result.error));
      break;
    }
    if (result.consumed != length) std::abort();
  }
  return recorder.log;
}

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
  if (run(limits, data, size, 0) != run(limits, data, size, cut)) std::abort();
  return 0;
}
