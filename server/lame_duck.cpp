#include "server/lame_duck.h"

#include <algorithm>

#include "core/log.h"

namespace zats::server {
namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

}  // namespace

LameDuck::LameDuck(Server& server) : server_(server), rng_(std::random_device{}()) {}

void LameDuck::start(uint64_t now_ns) {
  if (phase_ != Phase::Off) return;
  ZATS_NOTICE("Entering lame duck mode, stop accepting new clients");
  server_.stop_accepting();
  clients_ = server_.announce_lame_duck();
  if (clients_.empty()) {
    phase_ = Phase::Done;
    return;
  }
  // The reference closes them in its map's (random) order.
  std::shuffle(clients_.begin(), clients_.end(), rng_);
  const Options& o = server_.options();
  int64_t spread = (o.lame_duck_duration - o.lame_duck_grace_period).count();
  if (spread <= 0) spread = kSecondNs;
  int64_t n = static_cast<int64_t>(clients_.size());
  interval_ns_ = spread / n;
  batch_ = 1;
  if (interval_ns_ < 1) {  // more clients than nanoseconds: close them in batches
    interval_ns_ = 1;
    batch_ = static_cast<size_t>(n / spread);
  } else if (interval_ns_ > kSecondNs) {
    interval_ns_ = kSecondNs;  // no need to wait longer than a second between two
  }
  phase_ = Phase::Grace;
  deadline_ns_ = now_ns + static_cast<uint64_t>(o.lame_duck_grace_period.count());
}

uint64_t LameDuck::deadline() const {
  return phase_ == Phase::Grace || phase_ == Phase::Closing ? deadline_ns_ : 0;
}

void LameDuck::advance(uint64_t now_ns) {
  if ((phase_ != Phase::Grace && phase_ != Phase::Closing) || now_ns < deadline_ns_) return;
  if (phase_ == Phase::Grace) {
    ZATS_NOTICE("Closing existing clients");
    phase_ = Phase::Closing;
  }
  close_some(now_ns);
}

// Closes the next client, and the rest of its batch; then waits a random gap in [si/2, si).
void LameDuck::close_some(uint64_t now_ns) {
  for (;;) {
    size_t i = next_++;
    server_.close_client(clients_[i]);
    if (next_ == clients_.size()) {
      phase_ = Phase::Done;
      return;
    }
    if (batch_ == 1 || i % batch_ == 0) break;
  }
  int64_t gap = static_cast<int64_t>(rng_() % static_cast<uint64_t>(interval_ns_));
  gap = std::max(gap, interval_ns_ / 2);
  deadline_ns_ = now_ns + static_cast<uint64_t>(gap);
}

}  // namespace zats::server
