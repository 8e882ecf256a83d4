// Worker: one per core. Owns a Reactor (its ring, buffer ring and SO_REUSEPORT listener),
// every connection accepted on that listener, the local subscription index, the timers
// and its statistics. Nothing here is touched by another thread except through stop().
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "server/client.h"
#include "server/message.h"
#include "server/server_context.h"
#include "server/sublist.h"

namespace zats::server {

// Per-worker counters, written only by the owning thread; summed on demand.
struct WorkerStats {
  uint64_t in_msgs = 0;
  uint64_t in_bytes = 0;
  uint64_t out_msgs = 0;
  uint64_t out_bytes = 0;
  uint64_t slow_consumers = 0;
  uint64_t accepted = 0;
};

class Worker final : public core::ReactorHandler {
 public:
  Worker(ServerContext& context, unsigned index);
  ~Worker() override;

  // Sets up the ring and starts accepting on listen_fd (owned by the worker from now on).
  bool init(int listen_fd, std::string* error);
  // The thread body; returns after stop().
  void run();
  // Thread-safe.
  void stop();

  // For clients.
  core::Reactor& reactor() { return reactor_; }
  const Options& options() const { return context_.options; }
  ServerContext& context() { return context_; }
  core::TimerWheel& timers() { return timers_; }
  WorkerStats& stats() { return stats_; }
  uint64_t now_ns() const { return reactor_.now_ns(); }
  std::mt19937_64& rng() { return rng_; }

  void mark_dirty(Client* client) { dirty_.push_back(client); }
  // Delivers a message published by `from` to every matching subscription; returns how
  // many subscriptions received it (for no_responders).
  size_t publish(Client& from, const MessageView& msg);
  void add_subscription(Subscription* sub);
  // Removal is deferred while a publish is iterating a match result.
  void remove_subscription(Subscription* sub);
  void client_closing(Client* client);

  // ReactorHandler.
  void on_accept(int listener_fd, int fd) override;
  void on_recv(core::SocketId id, const char* data, size_t size) override;
  void on_recv_closed(core::SocketId id, int res) override;
  void on_send_done(core::SocketId id, int res) override;
  void on_closed(core::SocketId id) override;
  void on_turn_end() override;
  void on_tick(uint64_t now_ns) override;
  void on_wake() override;

 private:
  Client* client_for(core::SocketId id);
  bool deliver_to_queue(Client& from, const std::vector<Subscription*>& members, const MessageView& msg);
  bool deliver_to(Client& from, Subscription* sub, const MessageView& msg);
  void apply_deferred_removals();

  ServerContext& context_;
  unsigned index_;
  core::Reactor reactor_;
  int listen_fd_ = -1;
  core::TimerWheel timers_;
  Sublist sublist_;  // the global account ($G) until accounts arrive
  std::vector<std::unique_ptr<Client>> clients_;  // by socket slot
  std::vector<Client*> dirty_;
  std::vector<Subscription*> deferred_removals_;
  int publish_depth_ = 0;
  uint64_t last_deadline_scan_ns_ = 0;
  WorkerStats stats_;
  std::mt19937_64 rng_;
};

}  // namespace zats::server
