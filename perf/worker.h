// Worker: one bench thread with its own io_uring ring, driving a share of the
// clients. It keeps a bounded number of handshakes in flight, ticks the active
// roles, and sleeps in the kernel until a completion or the next due time.
#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <memory>
#include <thread>
#include <vector>

#include "perf/client.h"
#include "perf/histogram.h"
#include "perf/run_state.h"

namespace zats::perf {

class Worker {
 public:
  // spin_ns: how long to busy-poll after a completion or before a due send
  // instead of sleeping (0: always sleep).
  // Subscribers and responders connect to sub_addr, everyone else to addr.
  Worker(RunState& rs, const sockaddr_storage& addr, socklen_t addr_len, const sockaddr_storage& sub_addr,
         socklen_t sub_addr_len, uint64_t spin_ns);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void add(ClientPlan plan);
  void start();
  void join();

  const std::vector<std::unique_ptr<Client>>& clients() const { return clients_; }
  const Histogram& histogram() const { return *hist_; }
  const Histogram& send_lag() const { return *lag_; }
  const std::string& error() const { return error_; }

 private:
  void run();
  void connect_more();
  uint64_t tick_all(uint64_t now);
  void wait_and_dispatch(uint64_t now, uint64_t next);

  RunState& rs_;
  sockaddr_storage addr_;
  socklen_t addr_len_;
  sockaddr_storage sub_addr_;
  socklen_t sub_addr_len_;
  uint64_t spin_ns_;
  uint64_t spin_until_ = 0;
  io_uring ring_{};
  bool ring_ok_ = false;
  std::unique_ptr<Histogram> hist_ = std::make_unique<Histogram>();
  std::unique_ptr<Histogram> lag_ = std::make_unique<Histogram>();
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<Client*> tickers_;
  size_t next_connect_ = 0;
  uint64_t received_ = 0, reported_ = 0;
  std::thread thread_;
  std::string error_;
};

}  // namespace zats::perf
