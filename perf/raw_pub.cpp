// zats-raw-pub: the simplest possible publisher, a yardstick for zats-bench.
// It writes pre-formatted PUB frames (16-byte payloads unless --size says otherwise)
// in 64 KiB chunks with blocking send(), then PING/PONG so the rate covers what the
// server processed.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "perf/endpoint.h"

namespace zats::perf {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string url = "127.0.0.1:4222";
  std::string subject = "bench";
  uint64_t msgs = 10'000'000;
  double seconds = 0;  // > 0: run for this long instead of a count
  size_t size = 16;    // payload bytes
  bool json = false;
};

void usage() {
  std::fprintf(stderr,
               "usage: zats-raw-pub [--url host:port] [--msgs N | --seconds D]\n"
               "                    [--subject S] [--size BYTES] [--json]\n");
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string_view k = argv[i];
    auto val = [&]() -> const char* {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (k == "--url" || k == "-s") a.url = val();
    else if (k == "--msgs" || k == "-n") a.msgs = std::strtoull(val(), nullptr, 10);
    else if (k == "--seconds" || k == "-d") a.seconds = std::strtod(val(), nullptr);
    else if (k == "--subject") a.subject = val();
    else if (k == "--size") a.size = std::strtoull(val(), nullptr, 10);
    else if (k == "--json") a.json = true;
    else usage();
  }
  return a;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "zats-raw-pub: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// Reads protocol lines until one starts with `want`; answers PING, fails on -ERR.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  void wait_for(std::string_view want) {
    for (;;) {
      auto nl = buf_.find("\r\n");
      if (nl == std::string::npos) {
        char tmp[4096];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) die("connection closed while waiting");
        buf_.append(tmp, static_cast<size_t>(n));
        continue;
      }
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 2);
      if (line.rfind("-ERR", 0) == 0) {
        std::fprintf(stderr, "zats-raw-pub: server said %s\n", line.c_str());
        std::exit(1);
      }
      if (line == "PING") send_all("PONG\r\n");
      if (std::string_view(line).substr(0, want.size()) == want) return;
    }
  }
  void send_all(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) die("send");
      s.remove_prefix(static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buf_;
};

int run(const Args& a) {
  auto ep = parse_endpoint(a.url);
  if (!ep) usage();
  int fd = connect_blocking(*ep);
  if (fd < 0) die("connect");
  LineReader rd(fd);
  rd.wait_for("INFO");
  rd.send_all("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n");
  rd.wait_for("PONG");

  std::string payload(a.size, '\0');
  for (size_t k = 0; k < a.size; ++k) payload[k] = static_cast<char>('a' + k % 26);
  const std::string frame = "PUB " + a.subject + " " + std::to_string(a.size) + "\r\n" + payload + "\r\n";
  std::string chunk = frame;  // at least one frame, however large
  while (chunk.size() + frame.size() <= 64 * 1024) chunk += frame;
  const uint64_t per_chunk = chunk.size() / frame.size();

  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(a.seconds));
  uint64_t sent = 0;
  for (;;) {
    uint64_t n = per_chunk;
    if (a.seconds <= 0) {
      if (sent >= a.msgs) break;
      n = std::min<uint64_t>(per_chunk, a.msgs - sent);
    } else if (Clock::now() >= deadline) {
      break;
    }
    rd.send_all(std::string_view(chunk).substr(0, n * frame.size()));
    sent += n;
  }
  rd.send_all("PING\r\n");
  rd.wait_for("PONG");
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);

  const double rate = static_cast<double>(sent) / secs;
  const double mbps = rate * static_cast<double>(frame.size()) / 1e6;
  const double payload_mbps = rate * static_cast<double>(a.size) / 1e6;
  std::printf("raw_pub %s: %llu msgs in %.3f s = %.0f msgs/s, %.1f MB/s on the wire (%.1f MB/s payload)\n",
              a.url.c_str(), static_cast<unsigned long long>(sent), secs, rate, mbps, payload_mbps);
  if (a.json)
    std::printf("{\"tool\":\"raw_pub\",\"msgs\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.1f,"
                "\"wire_mb_per_s\":%.3f,\"payload_mb_per_s\":%.3f,\"msg_size\":%zu}\n",
                static_cast<unsigned long long>(sent), secs, rate, mbps, payload_mbps, a.size);
  return 0;
}

}  // namespace
}  // namespace zats::perf

int main(int argc, char** argv) { return zats::perf::run(zats::perf::parse_args(argc, argv)); }
