// ConnectionRateLimit: tls { connection_rate_limit: N } — at most N new TLS connections per
// second across the server, as nats-server's rateCounter counts them (a one-second window that
// starts with the first connection after the previous window ended). Checked once per TLS
// connection, before its handshake, from any worker; rejections are counted for the log.
#pragma once

#include <cstdint>
#include <mutex>

namespace zats::server::tls {

class ConnectionRateLimit {
 public:
  explicit ConnectionRateLimit(int64_t per_second) : limit_(per_second) {}

  bool allow(uint64_t now_ns) {
    std::lock_guard lock(mutex_);
    if (now_ns > window_end_ns_) {
      count_ = 0;
      window_end_ns_ = now_ns + kWindowNs;
    } else {
      ++count_;
    }
    bool allowed = count_ < limit_;
    if (!allowed) ++blocked_;
    return allowed;
  }

  // Rejections since the last call.
  uint64_t take_blocked() {
    std::lock_guard lock(mutex_);
    uint64_t n = blocked_;
    blocked_ = 0;
    return n;
  }

 private:
  static constexpr uint64_t kWindowNs = 1'000'000'000;
  std::mutex mutex_;
  int64_t limit_;
  int64_t count_ = 0;
  uint64_t window_end_ns_ = 0;
  uint64_t blocked_ = 0;
};

}  // namespace zats::server::tls
