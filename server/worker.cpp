#include "server/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <utility>

#include "core/clock.h"
#include "core/heap_release.h"
#include "core/listener.h"
#include "core/log.h"
#include "core/rcu.h"
#include "proto/subject.h"
#include "server/protocol_trace.h"
#include "server/request_info.h"
#include "server/system_services.h"

namespace zats::server {
namespace {

constexpr uint64_t kTimerResolutionNs = 10'000'000;      // 10 ms
constexpr uint32_t kTimerSlots = 4096;
constexpr uint64_t kWriteDeadlineScanNs = 100'000'000;   // 100 ms
constexpr uint64_t kMemoryReleaseNs = 1'000'000'000;     // 1 s
constexpr uint64_t kQuietMessages = 1000;                // in + out per kMemoryReleaseNs: quiet
constexpr size_t kMeshBatch = 64;
constexpr size_t kMeshDrainPerTurn = 1024;               // per source ring, for fairness
constexpr size_t kInterestCacheSize = 4096;

core::ReactorOptions reactor_options(const Options& opts, unsigned workers) {
  core::ReactorOptions ro;
  ro.idle_poll = workers > 1 ? opts.idle_poll : std::chrono::microseconds(0);
  ro.buffer_count = static_cast<unsigned>(opts.recv_buffers);
  ro.registered_files = static_cast<unsigned>(opts.registered_files);
  return ro;
}

// The destinations in a mask. Without -mpopcnt (the x86-64 baseline) std::popcount is a libgcc
// call; a publish mostly goes to no or one other worker, which needs no count at all.
size_t bit_count(uint64_t mask) {
  if ((mask & (mask - 1)) == 0) return mask != 0 ? 1 : 0;
  return static_cast<size_t>(std::popcount(mask));
}

}  // namespace

Worker::Worker(ServerContext& context, unsigned index)
    : context_(context),
      options_(context.initial_options),
      info_(context.info),
      index_(index),
      timers_(kTimerResolutionNs, kTimerSlots, 0),
      overflow_(context.mesh.size()),
      paused_(context.mesh.size()),
      touched_(context.mesh.size(), 0),
      received_seq_(context.mesh.size(), 0),
      seen_moves_from_(context.mesh.size(), 0),
      idle_poll_(static_cast<uint64_t>(reactor_options(*context.initial_options, context.mesh.size()).idle_poll.count()) *
                 1000),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(index) << 32)),
      stream_imports_(*options_, context.accounts),
      service_imports_(*options_, context.accounts, context.system_account),
      mappings_(*options_, context.accounts),
      responses_(context.server_id.substr(1, 8) + std::to_string(index)),
      response_interest_(context.accounts.size(), false) {
  if (index_ == 0 && context_.system_services != nullptr) services_account_ = context_.system_services->account();
  for (size_t a = 0; a < context_.accounts.size(); ++a) {
    auto local = std::make_unique<LocalAccount>();
    if (indexed()) local->interest.emplace(*context_.interest[a], kInterestCacheSize);
    accounts_.push_back(std::move(local));
  }
}

Worker::~Worker() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool Worker::init(int listen_fd, std::string* error) {
  listen_fd_ = listen_fd;
  core::ReactorOptions ro = reactor_options(options(), context_.mesh.size());
  ro.features = context_.uring;  // the kernel's, narrowed to --io_uring_tier (Server::start)
  if (!reactor_.init(ro, error)) return false;
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
  if (indexed()) rcu.emplace();
  hold_system_service_interest();
  reactor_.run(*this);
}

void Worker::stop() {
  stop_accepting([this] { reactor_.stop(); });
}

// The accept is cancelled before the socket is closed: a pending multishot accept would keep
// the socket, and its port, alive for a while after the process exits.
void Worker::stop_accepting(std::function<void()> done) {
  post([this, done = std::move(done)]() mutable {
    if (listen_fd_ < 0) return done();
    int fd = std::exchange(listen_fd_, -1);
    reactor_.close_listener(fd, std::move(done));
  });
}

// Clients only: routes are the cluster's to tell (Server::on_lame_duck).
void Worker::announce_lame_duck(const std::vector<std::string>& peer_urls, std::vector<core::SocketId>* open) {
  info_.connect_urls = peer_urls;  // only the other servers: this one is leaving
  proto::ServerInfo info = info_;
  info.ldm = true;
  for (auto& c : connections_) {
    if (!c || c->closing() || c->kind() != Connection::Kind::Client) continue;
    Client& client = static_cast<Client&>(*c);
    if (client.accepts_async_info()) client.send_info(info);
    open->push_back(client.socket());
  }
}

void Worker::close_client(core::SocketId id) {
  if (Connection* c = connection(id)) c->close(CloseReason::ServerShutdown);
}

void Worker::post(Mesh::Task task) {
  context_.mesh.post(index_, std::move(task));
  reactor_.notify();
}

void Worker::adopt(int fd) {
  post([this, fd] { start_client(fd); });
}

void Worker::attach(int fd, ConnectionFactory make) {
  post([this, fd, make = std::move(make)] { start_connection(fd, make); });
}

void Worker::apply_options(std::shared_ptr<const Options> next) {
  post([this, next = std::move(next)]() mutable {
    options_ = std::move(next);
    stream_imports_ = StreamImportTable(*options_, context_.accounts);
    service_imports_ = ServiceImportTable(*options_, context_.accounts, context_.system_account);
    mappings_ = SubjectMappingTable(*options_, context_.accounts);
    for (auto& c : connections_)
      if (c) c->on_options_changed();
  });
}

void Worker::set_connect_urls(std::vector<std::string> urls) {
  post([this, urls = std::move(urls)]() mutable {
    if (info_.connect_urls == urls) return;
    info_.connect_urls = std::move(urls);
    info_changed();
  });
}

void Worker::set_cluster_name(std::string name) {
  post([this, name = std::move(name)]() mutable {
    if (info_.cluster == name) return;
    info_.cluster = std::move(name);
    info_changed();
  });
}

void Worker::info_changed() {
  info_changed_ns_ = now_ns();
  for (auto& c : connections_)
    if (c) c->on_info_changed();
}

Connection* Worker::connection(core::SocketId id) {
  if (id.slot >= connections_.size()) return nullptr;
  Connection* c = connections_[id.slot].get();
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

// A client also takes one of the server's connection slots (max_connections) and gets its INFO.
void Worker::start_client(int fd) {
  Connection* conn = start_connection(fd, [](Worker& worker, core::SocketId socket, uint64_t cid, std::string ip,
                                             int port) {
    return std::make_unique<Client>(worker, socket, cid, std::move(ip), port);
  });
  if (conn == nullptr) return;
  int64_t open = context_.connections.fetch_add(1, std::memory_order_relaxed) + 1;
  context_.total_connections.fetch_add(1, std::memory_order_relaxed);
  int64_t limit = options().max_connections;
  stats_.accepted++;
  static_cast<Client*>(conn)->start(limit >= 0 && open > (limit == 0 ? 65536 : limit));
}

// Registers the socket, then builds its connection.
Connection* Worker::start_connection(int fd, const ConnectionFactory& make) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string ip;
  int port = 0;
  core::peer_address(fd, &ip, &port);
  core::SocketId id = reactor_.add_socket(fd);
  if (!id.valid()) return nullptr;
  if (connections_.size() <= id.slot) connections_.resize(id.slot + 1);
  uint64_t cid = context_.next_cid.fetch_add(1, std::memory_order_relaxed);
  connections_[id.slot] = make(*this, id, cid, ip, port);
  Connection* conn = connections_[id.slot].get();
  ZATS_DEBUG_FROM(conn->log_origin(), "%s connection created (worker %u)", conn->log_names().kind, index_);
  return conn;
}

void Worker::on_recv(core::SocketId id, const char* data, size_t size) {
  Connection* c = connection(id);
  if (c == nullptr) return;
  // Causality across workers: whatever another worker acknowledged to its publisher (PONG)
  // before these bytes were sent is already in our rings; deliver it before acting on them
  // (e.g. this client's PING or UNSUB).
  if (multi()) drain_incoming(/*everything=*/true);
  c->on_received(data, size);
}

void Worker::on_recv_closed(core::SocketId id, int res) {
  if (Connection* c = connection(id)) c->on_peer_closed(res);
}

void Worker::on_send_done(core::SocketId id, int res) {
  if (Connection* c = connection(id)) c->on_send_done(res);
}

void Worker::on_closed(core::SocketId id) {
  Connection* c = connection(id);
  if (c == nullptr) return;
  c->release();  // no-op when it already has
  apply_deferred_removals();
  if (c->dirty()) std::erase(dirty_, c);
  ZATS_DEBUG_FROM(c->log_origin(), "%s connection closed: %s", c->log_names().kind,
                  std::string(close_reason_text(c->close_reason())).c_str());
  connections_[id.slot].reset();
}

void Worker::on_turn_end() {
  context_.mesh.run_posted(index_);
  // TLS handshake steps that waited for this turn's budget, oldest first.
  handshakes_.run_waiting([this](core::SocketId id) {
    if (Connection* c = connection(id)) c->resume_tls_handshake();
  });
  if (multi()) {
    // While a local consumer is congested, leave other workers' messages in the rings: the
    // rings fill and their publishers pause (cross-worker flow control).
    if (stalling_consumers_ == 0) drain_incoming(/*everything=*/false);
    retry_overflow();
    if (!leaving_.empty() || !skipping_.empty()) advance_moves();
  }
  publish_client_events();
  unindex_removed();  // before the flush: a PONG after an UNSUB leaves with the interest gone
  // Before anything this turn acknowledges (a PONG) goes out, every ring it pushed to is marked.
  if (multi()) mark_touched();
  // flush() never adds to dirty_, but a completion handled later in the turn may.
  std::vector<Connection*> dirty;
  dirty.swap(dirty_);
  for (Connection* c : dirty) c->flush();
  if (dirty_.empty()) {
    dirty.clear();
    dirty_.swap(dirty);  // keep the capacity
  }
  if (multi()) wake_touched();
  if (indexed()) core::rcu_quiescent();
  idle_since_ns_ = 0;  // this turn did work; the next idle time starts after it
}

void Worker::on_tick(uint64_t now_ns) {
  timers_.advance(now_ns, [this, now_ns](uint64_t cookie) {
    core::SocketId id{static_cast<uint32_t>(cookie >> 32), static_cast<uint32_t>(cookie)};
    if (Connection* c = connection(id)) c->on_timer(now_ns);
  });
  expire_stalls(now_ns);
  if (multi()) {
    note_preemptions();
    consider_moves(now_ns);
  }
  if (responses_.size() > 0 && now_ns - last_response_sweep_ns_ >= 1'000'000'000) {
    last_response_sweep_ns_ = now_ns;
    responses_.expire(now_ns);
  }
  if (index_ == 0 && context_.tls_rate_limit && now_ns - last_rate_limit_log_ns_ >= 1'000'000'000) {
    last_rate_limit_log_ns_ = now_ns;
    if (uint64_t blocked = context_.tls_rate_limit->take_blocked())
      ZATS_WARN("Rejected %lu connections due to TLS rate limiting", static_cast<unsigned long>(blocked));
  }
  if (now_ns - last_deadline_scan_ns_ >= kWriteDeadlineScanNs) {
    last_deadline_scan_ns_ = now_ns;
    for (auto& c : connections_)
      if (c) c->check_write_deadline(now_ns);
  }
  if (now_ns - last_memory_release_ns_ >= kMemoryReleaseNs) {
    last_memory_release_ns_ = now_ns;
    release_idle_memory(now_ns);
  }
}

// After a burst, the send buffers of connections that went quiet and this thread's freed heap
// memory go back to the system, as the receive ring's buffers do (core::Reactor): the resident
// size follows the load down again.
void Worker::release_idle_memory(uint64_t now_ns) {
  for (auto& c : connections_)
    if (c) c->release_idle_buffers(now_ns);
  const uint64_t traffic = stats_.in_msgs + stats_.out_msgs;
  core::release_thread_heap(traffic - traffic_at_memory_release_ < kQuietMessages);
  traffic_at_memory_release_ = traffic;
}

void Worker::on_wake() {}  // the turn's end drains the rings and the mailbox

bool Worker::on_idle_poll() { return context_.mesh.has_incoming(index_) || handshakes_.has_waiting(); }

uint64_t Worker::idle_poll_budget_ns(uint64_t max_ns) {
  const uint64_t now = core::monotonic_ns();
  idle_since_ns_ = now;
  return std::min(max_ns, idle_poll_.budget(now));
}

// Another worker's message ended this worker's idle time: how long it took teaches the
// policy how long a poll would have had to last.
void Worker::note_arrival() {
  if (idle_since_ns_ == 0) return;
  const uint64_t now = core::monotonic_ns();
  idle_poll_.arrived(now, now - idle_since_ns_);
  idle_since_ns_ = 0;
}

// getrusage(RUSAGE_THREAD) is a cheap system call, made once per tick.
void Worker::note_preemptions() {
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) == 0) idle_poll_.preempted_total(static_cast<uint64_t>(usage.ru_nivcsw));
}

// Announce the sleep, then look once more: a producer either sees the flag (and wakes us
// with MSG_RING) or we see its message here.
bool Worker::on_before_sleep() {
  if (handshakes_.has_waiting()) return false;  // the next turn runs them
  if (idle_since_ns_ == 0) idle_since_ns_ = core::monotonic_ns();
  if (!multi()) {
    if (indexed()) core::rcu_offline();
    return true;
  }
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
  if (indexed()) core::rcu_online();
  if (multi()) context_.mesh.wake_flag(index_).awake();
}

size_t Worker::publish(Client& from, const MessageView& msg) {
  const AccountId account = from.account();
  size_t delivered = publish_in(&from, account, msg);
  if (!stream_imports_.empty()) delivered += publish_to_importers(from, account, msg);
  if (service_imports_.may_match(account, msg.subject)) delivered += publish_to_services(from, account, msg);
  if (responses_.owns(msg.subject)) delivered += deliver_response(account, msg);
  return delivered;
}

const std::string* Worker::map_subject(AccountId account, std::string_view subject) {
  if (!mappings_.map(account, subject, info_.cluster, rng_(), mapped_subject_)) return nullptr;
  return &mapped_subject_;
}

// `from` is null for a message the worker publishes itself (an imported request's response).
size_t Worker::publish_in(Connection* from, AccountId account, const MessageView& msg) {
  if (account >= accounts_.size()) return 0;
  // What the server publishes itself never asks its own services (nats-server's internal
  // client does not hear itself). A request they take counts as delivered, as nats-server's
  // internal subscription does: no no-responders status for it.
  const size_t served = account == services_account_ && from != nullptr && offer_system_request(msg) ? 1 : 0;
  return served + publish_to_subscribers(from, account, msg);
}

size_t Worker::publish_to_subscribers(Connection* from, AccountId account, const MessageView& msg) {
  LocalAccount& local = *accounts_[account];
  const NoInterestMemo::Generations now{local.sublist.generation(), indexed() ? local.interest->index_generation() : 0};
  if (local.no_interest.holds(msg.subject, now)) return 0;
  // The shared index holds this worker's own subscriptions too (add_subscription puts them in
  // both at once, and a removal leaves the index last), so where it has no interest neither
  // does the Sublist.
  const InterestResult* interest = indexed() ? &local.interest->match(msg.subject) : nullptr;
  if (interest != nullptr ? interest->empty() : local.sublist.match(msg.subject).empty()) {
    local.no_interest.remember(msg.subject, now);
    return 0;
  }
  if (interest == nullptr) return deliver_local(account, from, msg, nullptr);
  plan_publish(*interest);
  const size_t sent = dispatch(from, account, msg);
  // Nothing for this worker's own subscribers: no plain one here, no group assigned here.
  if ((interest->plain & (WorkerMask{1} << index_)) == 0 && local_groups_.empty()) return sent;
  return deliver_local(account, from, msg, nullptr) + sent;
}

// Service imports: a request published in the importing account on an imported subject goes to
// the exporting account as well, its reply replaced by one of ours (ServiceResponses) so that the
// responses find their way back, and on through the exporter's own service imports (a chain),
// crossing each export once. Each import counts as a delivery, as nats-server's internal
// subscription for it does.
size_t Worker::publish_to_services(Client& from, AccountId importer, const MessageView& msg,
                                   const RequestInfoShape* upstream) {
  size_t delivered = 0;
  for (const ServiceImportTable::Route& route : service_imports_.from(importer)) {
    if (!proto::subject_matches(route.import.local, msg.subject)) continue;
    if (service_chain_.crossed(route.import.export_index)) continue;
    ServiceImportChain::Hop& hop = service_chain_.enter(route.import.export_index);
    route.import.map(msg.subject, hop.subject);
    // The exporter's mappings apply to what arrives there, as to what its clients publish.
    if (mappings_.maps(route.exporter) &&
        mappings_.map(route.exporter, hop.subject, info_.cluster, rng_(), service_mapped_)) {
      hop.subject.swap(service_mapped_);
      if (hop.subject.empty()) {
        service_chain_.leave();
        continue;
      }
    }
    MessageView request = msg;
    request.subject = hop.subject;
    if (!msg.reply.empty()) {
      map_reply(route.exporter, importer, msg.reply, route.import.response_type == "Singleton",
                route.import.response_threshold_ns, hop.reply);
      request.reply = hop.reply;
    }
    const bool share = route.import.share;
    const RequestInfoShape shape =
        upstream == nullptr ? RequestInfoShape{share, share, share}
                            : RequestInfoShape{upstream->details, upstream->server || (!upstream->last_share && share), share};
    describe_request(from, importer, shape, upstream != nullptr);
    request.header_size = set_request_info(msg.payload, msg.has_headers ? msg.header_size : 0, request_info_, hop.payload);
    request.payload = hop.payload;
    request.has_headers = true;
    request.frame = nullptr;
    request.shared = nullptr;
    delivered += 1 + publish_in(&from, route.exporter, request);
    delivered += publish_to_services(from, route.exporter, request, &shape);
    service_chain_.leave();
  }
  return delivered;
}

// Who asked, for the Nats-Request-Info header (server/request_info.h), into request_info_: the
// requester's account and round trip, the account a chained request came through, and what the
// imports share.
void Worker::describe_request(const Client& from, AccountId importer, const RequestInfoShape& shape, bool chained) {
  RequestInfo info;
  info.account = context_.accounts.name(from.account());
  if (chained) info.service = context_.accounts.name(importer);
  info.rtt_ns = from.rtt_ns();
  if (shape.details) from.describe_requester(info);
  if (shape.server) {
    info.server_info = true;
    info.server = info_.server_name;
    info.cluster = info_.cluster;
  }
  request_info_json(info, request_info_);
}

// A reply in `importer` that a message crossing into `exporter` carries: one of ours there
// (written to `out`), which takes what is published on it back to `reply` (deliver_response).
// Its responses are taken for `threshold_ns` (0: nats-server's default).
void Worker::map_reply(AccountId exporter, AccountId importer, std::string_view reply, bool singleton,
                       uint64_t threshold_ns, std::string& out) {
  ServiceResponses::Entry entry;
  entry.exporter = exporter;
  entry.importer = importer;
  entry.reply.assign(reply);
  entry.singleton = singleton;
  entry.expires_ns = now_ns() + (threshold_ns != 0 ? threshold_ns : ServiceResponses::kThresholdNs);
  responses_.add(std::move(entry), out);
  want_responses(exporter);
}

// Interest in our reply subjects in the exporting account, once, so that responses published on
// any worker or server come to this one.
void Worker::want_responses(AccountId exporter) {
  if (!indexed() || response_interest_[exporter]) return;
  response_interest_[exporter] = true;
  interest_of(exporter).add(index_, std::string(responses_.subject_prefix()) + ">");
}

// A response to an imported request: delivered in the importing account on the request's reply.
// A response's own reply is mapped back the same way (the requester may answer it); a reply that
// is itself one of ours (a chained request) goes back one more hop.
size_t Worker::deliver_response(AccountId account, const MessageView& msg) {
  std::optional<ServiceResponses::Entry> entry = responses_.take(msg.subject, account, now_ns(), msg.payload.empty());
  if (!entry) return 0;
  MessageView response = msg;
  response.subject = entry->reply;
  ServiceImportChain::Hop& hop = service_chain_.enter();
  if (!msg.reply.empty()) {
    map_reply(entry->importer, account, msg.reply, entry->singleton, 0, hop.reply);
    response.reply = hop.reply;
  }
  size_t delivered = publish_in(nullptr, entry->importer, response);
  if (responses_.owns(response.subject)) delivered += deliver_response(entry->importer, response);
  service_chain_.leave();
  return delivered;
}

// Stream imports: the message once more in each account that imports it, under that account's
// subject, planned and dispatched by this (the publisher's) worker like any publish. It goes no
// further: an account importing from an importer does not get it, as in nats-server, and a
// message from a route was imported by the server it was published on.
size_t Worker::publish_to_importers(Client& from, AccountId exporter, const MessageView& msg) {
  size_t delivered = 0;
  for (const StreamImportTable::Route& route : stream_imports_.from(exporter)) {
    if (!proto::subject_matches(route.import.subject, msg.subject)) continue;
    route.import.map(msg.subject, import_subject_);
    MessageView imported = msg;
    imported.subject = import_subject_;
    delivered += publish_in(&from, route.importer, imported);
  }
  return delivered;
}

size_t Worker::publish_from_remote(Connection& from, unsigned source, AccountId account, const MessageView& msg,
                                   std::span<const std::string_view> queues) {
  if (account >= accounts_.size()) return 0;
  const size_t served = account == services_account_ && offer_system_request(msg) ? 1 : 0;
  const InterestResult& interest = accounts_[account]->interest->match(msg.subject);
  plan_remote_delivery(interest, source, queues);
  size_t sent = dispatch(&from, account, msg);
  size_t delivered = served + deliver_local(account, &from, msg, nullptr) + sent;
  if (responses_.owns(msg.subject)) delivered += deliver_response(account, msg);
  return delivered;
}

// A local publish: every worker and remote destination with plain interest, and for every
// queue group the one destination (weighted by members, cluster-wide) that delivers it.
void Worker::plan_publish(const InterestResult& interest) {
  start_plan(interest);
  plan_.remotes = interest.remotes;
  for (const QueueInterest& q : interest.queues) {
    if (q.total > 0) assign_queue(q.name, pick_queue_destination(q, rng_()));
  }
}

// A message from a route (docs/compatibility.md, Clustering): this server's plain
// subscribers, and only the queue groups the message names, to a member of ours; a route's
// message is never passed on to other routes, except for a named group that has no member
// here any more (to a server that still has one, other than the sender).
void Worker::plan_remote_delivery(const InterestResult& interest, unsigned source,
                                  std::span<const std::string_view> queues) {
  start_plan(interest);
  for (const QueueInterest& q : interest.queues) {
    if (std::find(queues.begin(), queues.end(), q.name) == queues.end()) continue;
    uint32_t local_total = 0;
    for (const DestinationWeight& w : q.weights) local_total += is_remote(w.destination) ? 0 : w.members;
    if (local_total > 0) {
      uint64_t r = rng_() % local_total;
      for (const DestinationWeight& w : q.weights) {
        if (is_remote(w.destination)) continue;
        if (r < w.members) {
          assign_queue(q.name, w.destination);
          break;
        }
        r -= w.members;
      }
      continue;
    }
    for (const DestinationWeight& w : q.weights) {
      if (w.destination != kRemoteBase + source) {
        assign_queue(q.name, w.destination);
        break;
      }
    }
  }
}

void Worker::start_plan(const InterestResult& interest) {
  local_groups_.clear();
  assignments_.clear();
  plan_.plain_workers = interest.plain;
  plan_.workers = interest.plain & ~(WorkerMask{1} << index_);
  plan_.remotes = 0;
}

void Worker::assign_queue(std::string_view group, uint32_t destination) {
  if (destination == index_) {
    local_groups_.push_back(group);
    return;
  }
  assignments_.push_back({group, destination});
  if (is_remote(destination)) {
    plan_.remotes |= RemoteMask{1} << (destination - kRemoteBase);
  } else {
    plan_.workers |= WorkerMask{1} << destination;
  }
}

// Carries out the plan beyond this worker's own subscribers: remote destinations this worker
// owns get the message at once; everything else travels as one SharedMessage to each worker
// that delivers it or owns a remote destination it goes to. Returns how many destinations
// that reached (for no_responders).
size_t Worker::dispatch(Connection* from, AccountId account, const MessageView& msg) {
  size_t forwarded = 0;
  WorkerMask targets = plan_.workers;
  RemoteMask foreign = 0;
  for (RemoteMask rest = plan_.remotes; rest != 0; rest &= rest - 1) {
    const unsigned r = static_cast<unsigned>(std::countr_zero(rest));
    const int32_t owner = context_.remote_owner[r].load(std::memory_order_acquire);
    if (owner == static_cast<int32_t>(index_)) {
      forward_to_remote(r, account, msg, assignments_);
      ++forwarded;
    } else if (owner >= 0) {
      foreign |= RemoteMask{1} << r;
      targets |= WorkerMask{1} << owner;
    }
  }
  if (targets == 0) return forwarded;
  SharedMessage::Fields fields;
  fields.account = account;
  fields.subject = msg.subject;
  fields.reply = msg.reply;
  fields.payload = msg.payload;
  fields.header_size = msg.header_size;
  fields.has_headers = msg.has_headers;
  fields.origin_worker = index_;
  fields.origin_connection = from != nullptr ? from->cid() : 0;
  fields.local_targets = plan_.plain_workers;
  fields.remotes = foreign;
  fields.origin_seq = ++made_seq_;
  SharedMessageRef m = SharedMessage::make(fields, assignments_);
  if (!arriving_.empty()) capture_for_arrivals(m);
  uint32_t n = 0;
  for (WorkerMask rest = targets; rest != 0; rest &= rest - 1, ++n) {
    const unsigned target = static_cast<unsigned>(std::countr_zero(rest));
    enqueue(target, (rest & (rest - 1)) != 0 ? m.share() : std::move(m), from);
  }
  stats_.mesh_sent += n;
  return forwarded + bit_count(plan_.workers) + bit_count(foreign);
}

// Hands one message to a remote destination this worker owns, with the groups assigned to it.
template <class Assignments>
void Worker::forward_to_remote(unsigned remote, AccountId account, const MessageView& msg,
                               const Assignments& assignments) {
  RemoteDestination* sink = remotes_[remote];
  if (sink == nullptr) return;  // gone since the publisher looked
  remote_groups_.clear();
  const uint32_t destination = kRemoteBase + remote;
  for (const SharedMessage::QueueAssignment& a : assignments)
    if (a.destination == destination) remote_groups_.push_back(a.queue);
  sink->forward(account, msg, remote_groups_);
}

void Worker::attach_remote(unsigned remote, RemoteDestination* sink) {
  remotes_[remote] = sink;
  owned_remotes_ |= RemoteMask{1} << remote;
  context_.remote_owner[remote].store(static_cast<int32_t>(index_), std::memory_order_release);
}

void Worker::detach_remote(unsigned remote) {
  remotes_[remote] = nullptr;
  owned_remotes_ &= ~(RemoteMask{1} << remote);
  context_.remote_owner[remote].store(-1, std::memory_order_release);
}

// Only the rings their producers marked. Per turn each ring gives at most kMeshDrainPerTurn
// (fairness); `everything` takes all that was in the rings when called (a ring never holds
// more than its capacity). A ring left with messages stays marked.
void Worker::drain_incoming(bool everything) {
  uint64_t sources = context_.mesh.take_pending(index_);
  if (sources == 0) return;
  SharedMessage* batch[kMeshBatch];
  const size_t limit = everything ? Mesh::kRingCapacity : kMeshDrainPerTurn;
  uint64_t left = 0;
  for (; sources != 0; sources &= sources - 1) {
    const unsigned from = static_cast<unsigned>(std::countr_zero(sources));
    Mesh::Ring& ring = context_.mesh.ring(from, index_);
    size_t taken = 0;
    while (taken < limit) {
      size_t n = ring.pop_batch(batch, kMeshBatch);
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) receive(SharedMessageRef::adopt(batch[i]));
      taken += n;
    }
    stats_.mesh_received += taken;
    if (taken > 0) note_arrival();
    if (!ring.empty()) left |= uint64_t{1} << from;
    if (taken > 0 && context_.mesh.room_made(from, index_)) reactor_.wake_ring(context_.mesh.ring_fd(from), 0);
  }
  if (left != 0) context_.mesh.keep_pending(index_, left);
}

void Worker::mark_touched() {
  for (unsigned t = 0; t < touched_.size(); ++t)
    if (touched_[t]) context_.mesh.mark_pending(index_, t);
}

// A message from another worker: our subscribers if it names us, and the remote
// destinations we own that it goes to.
void Worker::receive(SharedMessageRef msg) {
  if (msg->marker() != SharedMessage::Marker::None) return on_marker(*msg);
  received_seq_[msg->origin_worker()] = msg->origin_seq();
  if (!arriving_.empty()) capture_for_arrivals(msg);
  const MessageView view = msg->view();
  if (msg->local_target(index_) || msg->has_queue_for(index_)) deliver_local(msg->account(), nullptr, view, &msg);
  if (msg->local_target(index_) && responses_.owns(view.subject)) deliver_response(msg->account(), view);
  if (msg->local_target(index_) && msg->account() == services_account_) offer_system_request(view);
  for (RemoteMask mine = msg->remotes() & owned_remotes_; mine != 0; mine &= mine - 1) {
    const unsigned r = static_cast<unsigned>(std::countr_zero(mine));
    remote_assignments_.clear();
    for (uint32_t i = 0; i < msg->queue_count(); ++i) remote_assignments_.push_back(msg->queue(i));
    forward_to_remote(r, msg->account(), view, remote_assignments_);
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
size_t Worker::deliver_local(AccountId account, const Connection* from, const MessageView& msg,
                             const SharedMessageRef* remote) {
  if (account >= accounts_.size()) return 0;
  ++publish_depth_;
  delivering_remote_ = remote != nullptr ? remote->get() : nullptr;
  const SublistResult& result = accounts_[account]->sublist.match(msg.subject);
  MessageView framed = msg;
  SharedMessageRef shared_payload;  // each subscriber's queue holds its own reference
  if (result.plain.size() + result.queues.size() > 1) {
    frame_.render(msg.subject, msg.reply, msg.has_headers, msg.header_size, msg.payload);
    framed.frame = &frame_;
    // A payload past the frame's inline size is shared: each delivery queues a reference to
    // one copy rather than copying it again (Connection::splice). Another worker's message is
    // that copy already; a publish of our own is copied once here.
    if (!frame_.inline_payload()) {
      if (remote == nullptr) {
        SharedMessage::Fields fields;
        fields.payload = msg.payload;
        shared_payload = SharedMessage::make(fields);
      }
      framed.shared = remote != nullptr ? remote : &shared_payload;
    }
  }
  size_t delivered = 0;
  for (Subscription* sub : result.plain) delivered += deliver_to(from, sub, framed) ? 1 : 0;
  for (const auto& members : result.queues) {
    if (members.empty()) continue;
    std::string_view group = members.front()->queue;
    bool mine = remote != nullptr ? (*remote)->queue_assigned(group, index_)
                : indexed() ? std::find(local_groups_.begin(), local_groups_.end(), group) != local_groups_.end()
                          : true;
    if (mine) delivered += deliver_to_queue(from, members, framed) ? 1 : 0;
  }
  delivering_remote_ = nullptr;
  if (--publish_depth_ == 0) apply_deferred_removals();
  return delivered;
}

bool Worker::deliver_to(const Connection* from, Subscription* sub, const MessageView& msg) {
  Client* to = sub->client;
  if (to->closing() || (to == from && !to->echo()) || to->delivery_denied(msg.subject)) return false;
  if (delivering_remote_ != nullptr && to->delivered_before(*delivering_remote_)) return false;
  if (options_->move_connections && multi()) note_source(*to);
  to->deliver(*sub, msg);
  // Only a client producer is held back for a stalling consumer, never a route.
  if (from != nullptr && to != from && to->stalling() && from->kind() == Connection::Kind::Client) {
    stall_publisher(from->socket());
  }
  return true;
}

// For the move policy (worker_handover.cpp): a message from another worker counts for it only
// when this worker is the one other worker it went to, so that moving the subscriber there
// keeps it on its origin worker; a fan-out that reaches many workers anyway moves no one.
void Worker::note_source(Client& to) {
  if (delivering_remote_ == nullptr) return to.note_source(index_, index_);
  const unsigned origin = delivering_remote_->origin_worker();
  if ((delivering_remote_->local_targets() & ~(WorkerMask{1} << origin)) == WorkerMask{1} << index_)
    to.note_source(origin, index_);
}

// One member per group, chosen uniformly; members that cannot take it are skipped.
bool Worker::deliver_to_queue(const Connection* from, const std::vector<Subscription*>& members,
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
  if (indexed()) interest_of(account).add(index_, sub->subject, sub->queue);
}

void Worker::remove_subscription(std::unique_ptr<Subscription> sub) {
  deferred_removals_.push_back(std::move(sub));
  if (publish_depth_ == 0) apply_deferred_removals();
}

// Local delivery stops at once; the shared index hears of it at the turn's end
// (unindex_removed), so a delivery that reaches an UNSUB max never takes the index's writer
// lock. Until then other workers may still send this worker a message for it, which the
// Sublist no longer matches: dropped, as a message published after the UNSUB must be.
void Worker::apply_deferred_removals() {
  for (std::unique_ptr<Subscription>& sub : deferred_removals_) {
    AccountId account = sub->client->account();
    if (accounts_[account]->sublist.remove(sub.get()) && indexed()) unindexed_.push_back({account, std::move(sub)});
  }
  deferred_removals_.clear();
}

void Worker::unindex_removed() {
  for (const Unindexed& u : unindexed_) interest_of(u.account).remove(index_, u.sub->subject, u.sub->queue);
  unindexed_.clear();
}

void Worker::connection_released(Connection& connection) {
  if (connection.stalling()) consumer_relieved(connection);
}

}  // namespace zats::server
