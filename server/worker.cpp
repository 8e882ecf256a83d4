#include "server/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "core/listener.h"
#include "core/log.h"

namespace zats::server {
namespace {

constexpr uint64_t kTimerResolutionNs = 10'000'000;      // 10 ms
constexpr uint32_t kTimerSlots = 4096;
constexpr uint64_t kWriteDeadlineScanNs = 100'000'000;   // 100 ms

core::ReactorOptions reactor_options(const Options& opts) {
  core::ReactorOptions ro;
  ro.idle_poll = opts.idle_poll;
  return ro;
}

}  // namespace

Worker::Worker(ServerContext& context, unsigned index)
    : context_(context),
      index_(index),
      timers_(kTimerResolutionNs, kTimerSlots, 0),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(index) << 32)) {}

Worker::~Worker() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool Worker::init(int listen_fd, std::string* error) {
  listen_fd_ = listen_fd;
  if (!reactor_.init(reactor_options(context_.options), error)) return false;
  timers_ = core::TimerWheel(kTimerResolutionNs, kTimerSlots, reactor_.now_ns());
  reactor_.accept(listen_fd_);
  return true;
}

void Worker::run() { reactor_.run(*this); }

void Worker::stop() { reactor_.stop(); }

Client* Worker::client_for(core::SocketId id) {
  if (id.slot >= clients_.size()) return nullptr;
  Client* c = clients_[id.slot].get();
  return c != nullptr && c->socket() == id ? c : nullptr;
}

void Worker::on_accept(int /*listener_fd*/, int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string ip;
  int port = 0;
  core::peer_address(fd, &ip, &port);
  core::SocketId id = reactor_.add_socket(fd);
  if (!id.valid()) return;
  if (clients_.size() <= id.slot) clients_.resize(id.slot + 1);
  uint64_t cid = context_.next_cid.fetch_add(1, std::memory_order_relaxed);
  int64_t open = context_.connections.fetch_add(1, std::memory_order_relaxed) + 1;
  context_.total_connections.fetch_add(1, std::memory_order_relaxed);
  int64_t limit = context_.options.max_connections;
  bool over = limit >= 0 && open > (limit == 0 ? 65536 : limit);
  stats_.accepted++;
  clients_[id.slot] = std::make_unique<Client>(*this, id, cid, std::move(ip), port);
  ZATS_DEBUG("%s:%d - cid:%lu - Client connection created", clients_[id.slot]->ip_.c_str(), port,
             static_cast<unsigned long>(cid));
  clients_[id.slot]->start(over);
}

void Worker::on_recv(core::SocketId id, const char* data, size_t size) {
  if (Client* c = client_for(id)) c->on_bytes(data, size);
}

void Worker::on_recv_closed(core::SocketId id, int res) {
  if (Client* c = client_for(id)) c->on_peer_closed(res);
}

void Worker::on_send_done(core::SocketId id, int res) {
  if (Client* c = client_for(id)) c->on_send_done(res);
}

void Worker::on_closed(core::SocketId id) {
  Client* c = client_for(id);
  if (c == nullptr) return;
  client_closing(c);  // no-op when its subscriptions are already gone
  apply_deferred_removals();
  if (c->dirty_) std::erase(dirty_, c);
  ZATS_DEBUG("%s:%d - cid:%lu - Client connection closed: %s", c->ip_.c_str(), c->port_,
             static_cast<unsigned long>(c->cid()), std::string(close_reason_text(c->close_reason())).c_str());
  context_.connections.fetch_sub(1, std::memory_order_relaxed);
  clients_[id.slot].reset();
}

void Worker::on_turn_end() {
  // flush() never adds to dirty_, but a completion handled later in the turn may.
  std::vector<Client*> dirty;
  dirty.swap(dirty_);
  for (Client* c : dirty) c->flush();
  if (dirty_.empty()) {
    dirty.clear();
    dirty_.swap(dirty);  // keep the capacity
  }
}

void Worker::on_tick(uint64_t now_ns) {
  timers_.advance(now_ns, [this, now_ns](uint64_t cookie) {
    core::SocketId id{static_cast<uint32_t>(cookie >> 32), static_cast<uint32_t>(cookie)};
    if (Client* c = client_for(id)) c->on_timer(now_ns);
  });
  if (now_ns - last_deadline_scan_ns_ >= kWriteDeadlineScanNs) {
    last_deadline_scan_ns_ = now_ns;
    for (auto& c : clients_)
      if (c) c->check_write_deadline(now_ns);
  }
}

void Worker::on_wake() {}

size_t Worker::publish(Client& from, const MessageView& msg) {
  ++publish_depth_;
  const SublistResult& result = sublist_.match(msg.subject);
  size_t delivered = 0;
  for (Subscription* sub : result.plain) delivered += deliver_to(from, sub, msg) ? 1 : 0;
  for (const auto& members : result.queues) delivered += deliver_to_queue(from, members, msg) ? 1 : 0;
  if (--publish_depth_ == 0) apply_deferred_removals();
  return delivered;
}

bool Worker::deliver_to(Client& from, Subscription* sub, const MessageView& msg) {
  Client* to = sub->client;
  if (to->closing() || (to == &from && !from.echo())) return false;
  to->deliver(*sub, msg);
  return true;
}

// One member per group, chosen uniformly; members that cannot take it are skipped.
bool Worker::deliver_to_queue(Client& from, const std::vector<Subscription*>& members, const MessageView& msg) {
  size_t n = members.size();
  if (n == 0) return false;
  size_t start = static_cast<size_t>(rng_() % n);
  for (size_t i = 0; i < n; ++i) {
    if (deliver_to(from, members[(start + i) % n], msg)) return true;
  }
  return false;
}

void Worker::add_subscription(Subscription* sub) { sublist_.insert(sub); }

void Worker::remove_subscription(Subscription* sub) {
  deferred_removals_.push_back(sub);
  if (publish_depth_ == 0) apply_deferred_removals();
}

void Worker::apply_deferred_removals() {
  for (Subscription* sub : deferred_removals_) {
    sublist_.remove(sub);
    delete sub;
  }
  deferred_removals_.clear();
}

void Worker::client_closing(Client* client) {
  for (auto& [sid, sub] : client->subs_) remove_subscription(sub.release());
  client->subs_.clear();
}

}  // namespace zats::server
