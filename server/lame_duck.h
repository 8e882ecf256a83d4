// LameDuck: nats-server's lame duck mode (SIGUSR2, `--signal ldm`), step by step on the main
// thread: stop accepting (the client listeners close, new connections are refused), tell the
// clients (INFO with "ldm":true), wait the grace period, then close the clients one by one
// spread over the rest of lame_duck_duration (a random gap in [si/2, si) after each, si =
// min((duration - grace) / clients, 1s)); then the server exits 0. With no clients it is
// done at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "server/server.h"

namespace zats::server {

class LameDuck {
 public:
  explicit LameDuck(Server& server);

  // Enters lame duck mode (once; later calls do nothing).
  void start(uint64_t now_ns);
  bool started() const { return phase_ != Phase::Off; }
  bool finished() const { return phase_ == Phase::Done; }
  // When advance() has work next (monotonic ns); 0 when nothing is pending.
  uint64_t deadline() const;
  // Does what is due at now_ns: ends the grace period, closes the next client(s).
  void advance(uint64_t now_ns);
  // Clients still to close, of how many.
  size_t remaining() const { return clients_.size() - next_; }
  size_t total() const { return clients_.size(); }

 private:
  enum class Phase { Off, Grace, Closing, Done };
  void close_some(uint64_t now_ns);

  Server& server_;
  Phase phase_ = Phase::Off;
  std::vector<ClientRef> clients_;
  size_t next_ = 0;
  int64_t interval_ns_ = 0;  // si
  size_t batch_ = 1;
  uint64_t deadline_ns_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace zats::server
