// Server: lame duck mode and service-manager support. Each step runs on the workers'
// threads through their mailboxes; the main thread waits for them with a bound.
#include <memory>
#include <mutex>

#include "core/countdown.h"
#include "core/log.h"
#include "server/server.h"

namespace zats::server {
namespace {

constexpr std::chrono::milliseconds kWorkerBound{2000};

}  // namespace

void Server::stop_accepting() {
  auto closed = std::make_shared<core::Countdown>(workers_.size());
  for (auto& w : workers_) w->stop_accepting([closed] { closed->done(); });
  if (!closed->wait_for(kWorkerBound)) ZATS_WARN("A worker did not close its listener in time");
}

std::vector<ClientRef> Server::announce_lame_duck() {
  lame_duck_.store(true, std::memory_order_release);
  for (auto& listener : lame_duck_listeners_) listener();
  std::vector<std::string> peers = peer_client_urls_ ? peer_client_urls_() : std::vector<std::string>();
  struct Gathered {
    explicit Gathered(size_t n) : countdown(n) {}
    core::Countdown countdown;
    std::vector<ClientRef> clients;
  };
  auto gathered = std::make_shared<Gathered>(workers_.size());
  for (size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->post([gathered, peers, i, worker = workers_[i].get()] {
      std::vector<core::SocketId> open;
      worker->announce_lame_duck(peers, &open);
      {
        std::lock_guard lock(gathered->countdown.mutex());
        for (core::SocketId id : open) gathered->clients.push_back(ClientRef{static_cast<unsigned>(i), id});
      }
      gathered->countdown.done();
    });
  }
  if (!gathered->countdown.wait_for(kWorkerBound)) ZATS_WARN("A worker did not answer the lame duck request in time");
  std::lock_guard lock(gathered->countdown.mutex());
  return gathered->clients;
}

void Server::close_client(const ClientRef& client) {
  if (client.worker >= workers_.size()) return;
  Worker* worker = workers_[client.worker].get();
  worker->post([worker, id = client.socket] { worker->close_client(id); });
}

void Server::on_lame_duck(std::function<void()> listener) { lame_duck_listeners_.push_back(std::move(listener)); }

void Server::set_peer_client_urls(std::function<std::vector<std::string>()> peers) {
  peer_client_urls_ = std::move(peers);
}

ServiceCounts Server::service_counts(std::chrono::milliseconds bound) {
  struct Gathered {
    explicit Gathered(size_t n) : countdown(n) {}
    core::Countdown countdown;
    ServiceCounts counts;
  };
  auto gathered = std::make_shared<Gathered>(workers_.size());
  for (auto& w : workers_) {
    w->post([gathered, worker = w.get()] {
      {
        std::lock_guard lock(gathered->countdown.mutex());
        gathered->counts.in_msgs += worker->stats().in_msgs;
        gathered->counts.out_msgs += worker->stats().out_msgs;
      }
      gathered->countdown.done();
    });
  }
  bool answered = gathered->countdown.wait_for(bound);
  std::lock_guard lock(gathered->countdown.mutex());
  ServiceCounts counts = gathered->counts;
  counts.all_answered = answered;
  counts.connections = context_->connections.load(std::memory_order_relaxed);
  return counts;
}

}  // namespace zats::server
