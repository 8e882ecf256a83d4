// zats-parser-bench: the client parser alone, in thread CPU time per PUB frame. A 64 KiB buffer
// of one frame repeated is fed whole, over and over, to proto::Parser with a handler that only
// counts; the best of 7 rounds is printed. The one perf tool that links zats's own code (proto/):
// it measures the parser, not a server.
//   zats-parser-bench ['PUB subject [reply] size|payload|']   ('|' stands for CR LF)
#include <time.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "proto/parser.h"

namespace {

using namespace zats::proto;

struct CountingHandler {
  size_t messages = 0;
  size_t bytes = 0;
  bool on_connect(std::string_view) { return true; }
  bool on_ping() { return true; }
  bool on_pong() { return true; }
  bool on_pub(const PubArgs& args, std::string_view payload) {
    ++messages;
    bytes += args.subject.size() + args.reply.size() + payload.size();
    return true;
  }
  bool on_sub(const SubArgs&) { return true; }
  bool on_unsub(const UnsubArgs&) { return true; }
};

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  std::string frame = argc > 1 ? argv[1] : "PUB foo 16|0123456789abcdef|";
  for (size_t i = frame.find('|'); i != std::string::npos; i = frame.find('|', i + 2)) frame.replace(i, 1, "\r\n");
  std::string buffer;
  while (buffer.size() + frame.size() <= 65536) buffer += frame;
  Parser parser;
  CountingHandler handler;
  double best = 1e9;
  for (int round = 0; round < 7; ++round) {
    handler.messages = 0;
    const double start = thread_cpu_seconds();
    for (int i = 0; i < 400; ++i) {
      if (parser.feed(buffer.data(), buffer.size(), handler).error != ParseError::None) {
        std::fprintf(stderr, "zats-parser-bench: the frame does not parse\n");
        return 1;
      }
    }
    const double ns = (thread_cpu_seconds() - start) / static_cast<double>(handler.messages) * 1e9;
    if (ns < best) best = ns;
  }
  std::printf("%.2f ns/msg (%zu msgs per round)\n", best, handler.messages);
  return 0;
}
