#include "server/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>

#include "core/listener.h"
#include "core/log.h"
#include "core/rcu.h"

namespace zats::server {
namespace {

constexpr uint64_t kTimerResolutionNs = 10'000'000;      // 10 ms
constexpr uint32_t kTimerSlots = 4096;
constexpr uint64_t kWriteDeadlineScanNs = 100'000'000;   // 100 ms
constexpr size_t kMeshBatch = 64;
constexpr size_t kMeshDrainPerTurn = 1024;               // per source ring, for fairness
constexpr size_t kInterestCacheSize = 4096;

core::ReactorOptions reactor_options(const Options& opts, unsigned workers) {
  core::ReactorOptions ro;
  ro.idle_poll = workers > 1 ? opts.idle_poll : std::chrono::microseconds(0);
  return ro;
}

MessageView view_of(const SharedMessage& m) {
  return MessageView{m.subject(), m.reply(), m.payload(), m.header_size(), m.has_headers()};
}

}  // namespace

Worker::Worker(ServerContext& context, unsigned index)
    : context_(context),
      options_(context.initial_options),
      index_(index),
      timers_(kTimerResolutionNs, kTimerSlots, 0),
      overflow_(context.mesh.size()),
      paused_(context.mesh.size()),
      touched_(context.mesh.size(), 0),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(index) << 32)) {
  for (size_t a = 0; a < context_.accounts.size(); ++a) {
    auto local = std::make_unique<LocalAccount>();
    if (multi()) local->interest.emplace(*context_.interest[a], kInterestCacheSize);
    accounts_.push_back(std::move(local));
  }
}

Worker::~Worker() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (auto& backlog : overflow_)
    for (SharedMessage* m : backlog) m->release();
}

bool Worker::init(int listen_fd, std::string* error) {
  listen_fd_ = listen_fd;
  if (!reactor_.init(reactor_options(options(), context_.mesh.size()), error)) return false;
  context_.mesh.set_ring_fd(index_, reactor_.ring_fd());
  start_wall_clock();
  timers_ = core::TimerWheel(kTimerResolutionNs, kTimerSlots, reactor_.now_ns());
  if (listen_fd_ >= 0) reactor_.accept(listen_fd_);
  return true;
}

void Worker::run() {
  // Workers read the interest index under QSBR: registered for the thread's whole life,
  // quiescent once per loop turn, offline while asleep in the kernel.
  std::optional<core::RcuThread> rcu;
  if (multi()) rcu.emplace();
  reactor_.run(*this);
}

void Worker::stop() { reactor_.stop(); }

void Worker::post(Mesh::Task task) {
  context_.mesh.post(index_, std::move(task));
  reactor_.notify();
}

void Worker::adopt(int fd) {
  post([this, fd] { start_client(fd); });
}

void Worker::apply_options(std::shared_ptr<const Options> next) {
  post([this, next = std::move(next)]() mutable {
    options_ = std::move(next);
    for (auto& c : clients_)
      if (c) c->on_options_changed();
  });
}

Client* Worker::client_for(core::SocketId id) {
  if (id.slot >= clients_.size()) return nullptr;
  Client* c = clients_[id.slot].get();
  return c != nullptr && c->socket() == id ? c : nullptr;
}

void Worker::on_accept(int /*listener_fd*/, int fd) {
  if (multi() && options().placement == Placement::RoundRobin) {
    unsigned target = next_placement_++ % context_.mesh.size();
    if (target != index_) {
      context_.workers[target]->adopt(fd);
      return;
    }
  }
  start_client(fd);
}

void Worker::start_client(int fd) {
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
  int64_t limit = options().max_connections;
  bool over = limit >= 0 && open > (limit == 0 ? 65536 : limit);
  stats_.accepted++;
  clients_[id.slot] = std::make_unique<Client>(*this, id, cid, std::move(ip), port);
  ZATS_DEBUG("%s:%d - cid:%lu - Client connection created (worker %u)", clients_[id.slot]->ip_.c_str(), port,
             static_cast<unsigned long>(cid), index_);
  clients_[id.slot]->start(over);
}

void Worker::on_recv(core::SocketId id, const char* data, size_t size) {
  Client* c = client_for(id);
  if (c == nullptr) return;
  // Causality across workers: whatever another worker acknowledged to its publisher (PONG)
  // before these bytes were sent is already in our rings; deliver it before acting on them
  // (e.g. this client's PING or UNSUB).
  if (multi()) drain_incoming(/*everything=*/true);
  c->on_bytes(data, size);
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
  clients_[id.slot].reset();
}

void Worker::on_turn_end() {
  context_.mesh.run_posted(index_);
  if (multi()) {
    // While a local consumer is congested, leave other workers' messages in the rings: the
    // rings fill and their publishers pause (cross-worker flow control).
    if (stalling_consumers_ == 0) drain_incoming(/*everything=*/false);
    retry_overflow();
  }
  // flush() never adds to dirty_, but a completion handled later in the turn may.
  std::vector<Client*> dirty;
  dirty.swap(dirty_);
  for (Client* c : dirty) c->flush();
  if (dirty_.empty()) {
    dirty.clear();
    dirty_.swap(dirty);  // keep the capacity
  }
  if (multi()) {
    wake_touched();
    core::rcu_quiescent();
  }
}

void Worker::on_tick(uint64_t now_ns) {
  timers_.advance(now_ns, [this, now_ns](uint64_t cookie) {
    core::SocketId id{static_cast<uint32_t>(cookie >> 32), static_cast<uint32_t>(cookie)};
    if (Client* c = client_for(id)) c->on_timer(now_ns);
  });
  expire_stalls(now_ns);
  if (now_ns - last_deadline_scan_ns_ >= kWriteDeadlineScanNs) {
    last_deadline_scan_ns_ = now_ns;
    for (auto& c : clients_)
      if (c) c->check_write_deadline(now_ns);
  }
}

void Worker::on_wake() {}  // the turn's end drains the rings and the mailbox

bool Worker::on_idle_poll() { return context_.mesh.has_incoming(index_); }

// Announce the sleep, then look once more: a producer either sees the flag (and wakes us
// with MSG_RING) or we see its message here.
bool Worker::on_before_sleep() {
  if (!multi()) return true;
  core::WakeFlag& flag = context_.mesh.wake_flag(index_);
  flag.prepare_sleep();
  bool rings_wanted = stalling_consumers_ == 0 && context_.mesh.has_incoming(index_);
  if (rings_wanted || context_.mesh.has_posted(index_) || !dirty_.empty()) {
    flag.awake();
    return false;
  }
  core::rcu_offline();
  return true;
}

void Worker::on_after_sleep() {
  if (!multi()) return;
  core::rcu_online();
  context_.mesh.wake_flag(index_).awake();
}

size_t Worker::publish(Client& from, const MessageView& msg) {
  AccountId account = from.account();
  if (!multi()) return deliver_local(account, &from, msg, nullptr);
  const InterestResult& interest = accounts_[account]->interest->match(msg.subject);
  size_t remote = send_to_workers(from, msg, interest);
  return deliver_local(account, &from, msg, nullptr) + remote;
}

// Picks, for every queue group, the one worker that delivers it (weighted by members), and
// sends one SharedMessage to each other worker with plain interest or an assigned group.
size_t Worker::send_to_workers(Client& from, const MessageView& msg, const InterestResult& interest) {
  local_groups_.clear();
  assignments_.clear();
  WorkerMask targets = interest.plain & ~(WorkerMask{1} << index_);
  for (const QueueInterest& q : interest.queues) {
    if (q.total == 0) continue;
    uint32_t w = pick_queue_worker(q, rng_());
    if (w == index_) {
      local_groups_.push_back(q.name);
    } else {
      assignments_.push_back({q.name, w});
      targets |= WorkerMask{1} << w;
    }
  }
  if (targets == 0) return 0;
  uint32_t n = static_cast<uint32_t>(std::popcount(targets));
  SharedMessage::Fields fields;
  fields.account = from.account();
  fields.subject = msg.subject;
  fields.reply = msg.reply;
  fields.payload = msg.payload;
  fields.header_size = msg.header_size;
  fields.has_headers = msg.has_headers;
  fields.origin_worker = index_;
  fields.origin_connection = from.cid();
  SharedMessage* m = SharedMessage::make(fields, assignments_, n);
  for (WorkerMask rest = targets; rest != 0; rest &= rest - 1) enqueue(static_cast<unsigned>(std::countr_zero(rest)), m, from);
  stats_.mesh_sent += n;
  return n;
}

// Per turn each ring gives at most kMeshDrainPerTurn (fairness); `everything` takes all that
// was in the rings when called (a ring never holds more than its capacity).
void Worker::drain_incoming(bool everything) {
  SharedMessage* batch[kMeshBatch];
  const size_t limit = everything ? Mesh::kRingCapacity : kMeshDrainPerTurn;
  for (unsigned from = 0; from < context_.mesh.size(); ++from) {
    if (from == index_) continue;
    Mesh::Ring& ring = context_.mesh.ring(from, index_);
    if (ring.empty()) continue;
    size_t taken = 0;
    while (taken < limit) {
      size_t n = ring.pop_batch(batch, kMeshBatch);
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) {
        deliver_local(batch[i]->account(), nullptr, view_of(*batch[i]), batch[i]);
        batch[i]->release();
      }
      taken += n;
    }
    stats_.mesh_received += taken;
    if (taken > 0 && context_.mesh.room_made(from, index_)) reactor_.wake_ring(context_.mesh.ring_fd(from), 0);
  }
}

void Worker::wake_touched() {
  for (unsigned t = 0; t < touched_.size(); ++t) {
    if (!touched_[t]) continue;
    touched_[t] = 0;
    if (context_.mesh.wake_flag(t).need_wake()) reactor_.wake_ring(context_.mesh.ring_fd(t), 0);
  }
}

// Local subscribers: every plain one, and one member of each queue group this worker was
// given (all groups with a single worker; by the publisher's pick otherwise).
size_t Worker::deliver_local(AccountId account, const Client* from, const MessageView& msg,
                             const SharedMessage* remote) {
  if (account >= accounts_.size()) return 0;
  ++publish_depth_;
  const SublistResult& result = accounts_[account]->sublist.match(msg.subject);
  size_t delivered = 0;
  for (Subscription* sub : result.plain) delivered += deliver_to(from, sub, msg) ? 1 : 0;
  for (const auto& members : result.queues) {
    if (members.empty()) continue;
    std::string_view group = members.front()->queue;
    bool mine = remote != nullptr ? remote->queue_assigned(group, index_)
                : multi() ? std::find(local_groups_.begin(), local_groups_.end(), group) != local_groups_.end()
                          : true;
    if (mine) delivered += deliver_to_queue(from, members, msg) ? 1 : 0;
  }
  if (--publish_depth_ == 0) apply_deferred_removals();
  return delivered;
}

bool Worker::deliver_to(const Client* from, Subscription* sub, const MessageView& msg) {
  Client* to = sub->client;
  if (to->closing() || (to == from && !from->echo()) || to->delivery_denied(msg.subject)) return false;
  to->deliver(*sub, msg);
  if (from != nullptr && to != from && to->stalling_) stall_publisher(from->socket());
  return true;
}

// One member per group, chosen uniformly; members that cannot take it are skipped.
bool Worker::deliver_to_queue(const Client* from, const std::vector<Subscription*>& members,
                              const MessageView& msg) {
  size_t n = members.size();
  if (n == 0) return false;
  size_t start = static_cast<size_t>(rng_() % n);
  for (size_t i = 0; i < n; ++i) {
    if (deliver_to(from, members[(start + i) % n], msg)) return true;
  }
  return false;
}

// The interest index is updated before this returns, so a PONG sent after it proves the
// subscription visible on every worker (docs/architecture.md, Visibility).
void Worker::add_subscription(Subscription* sub) {
  AccountId account = sub->client->account();
  accounts_[account]->sublist.insert(sub);
  if (multi()) interest_of(account).add(index_, sub->subject, sub->queue);
}

void Worker::remove_subscription(Subscription* sub) {
  deferred_removals_.push_back(sub);
  if (publish_depth_ == 0) apply_deferred_removals();
}

void Worker::apply_deferred_removals() {
  for (Subscription* sub : deferred_removals_) {
    AccountId account = sub->client->account();
    if (accounts_[account]->sublist.remove(sub) && multi()) interest_of(account).remove(index_, sub->subject, sub->queue);
    delete sub;
  }
  deferred_removals_.clear();
}

// From the moment a connection starts closing it holds no interest and no connection slot
// (max_connections), as in the reference; the socket itself goes a little later.
void Worker::client_closing(Client* client) {
  if (client->counted_) record_closed(*client);  // first time only, with its subscriptions
  for (auto& [sid, sub] : client->subs_) remove_subscription(sub.release());
  client->subs_.clear();
  if (client->stalling_) consumer_relieved(*client);
  if (client->counted_) {
    client->counted_ = false;
    context_.connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace zats::server
