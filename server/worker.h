// Worker: one per core. Owns a Reactor (its ring, buffer ring and SO_REUSEPORT listener),
// every connection accepted on it, its local subscription index, timers and statistics.
// Other workers reach it only through the mesh: SPSC rings of SharedMessages (one copy per
// interested worker, not per subscriber) and the control mailbox. A publish matches the
// local Sublist for local subscribers and the shared InterestIndex for other workers.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "server/account_imports.h"
#include "server/subject_mapping.h"
#include "server/service_responses.h"
#include "server/client.h"
#include "server/idle_poll_policy.h"
#include "server/connection.h"
#include "server/handover.h"
#include "server/interest_index.h"
#include "server/message.h"
#include "server/no_interest_memo.h"
#include "server/remote_destination.h"
#include "server/server_context.h"
#include "server/shared_message.h"
#include "server/sublist.h"
#include "server/system_events.h"
#include "server/tls/handshake_budget.h"
#include "server/worker_report.h"

namespace zats::server {

// Per-worker counters, written only by the owning thread; summed on demand.
struct WorkerStats {
  uint64_t in_msgs = 0;
  uint64_t in_bytes = 0;
  uint64_t out_msgs = 0;
  uint64_t out_bytes = 0;
  uint64_t slow_consumers = 0;
  uint64_t accepted = 0;
  uint64_t mesh_sent = 0;          // messages handed to other workers
  uint64_t mesh_received = 0;
  uint64_t mesh_backpressure = 0;  // times a ring was full and a publisher was paused
  uint64_t connections_moved_in = 0;   // clients that moved here from another worker
  uint64_t connections_moved_out = 0;
  uint64_t moves_given_up = 0;  // moves out of here given up while waiting to switch
};

class Worker final : public core::ReactorHandler {
 public:
  Worker(ServerContext& context, unsigned index);
  ~Worker() override;

  // Sets up the ring; listen_fd < 0 means this worker accepts nothing itself (connections
  // are handed to it). The fd is owned by the worker from now on.
  bool init(int listen_fd, std::string* error);
  // The thread body; returns after stop().
  void run();
  // Thread-safe: closes the listener (so the port is free once run() returns), then stops.
  void stop();
  // Thread-safe: closes the listener; done() runs on this worker's thread once it is closed.
  void stop_accepting(std::function<void()> done);
  // Thread-safe: runs task on this worker's thread soon (control plane, not per message).
  void post(Mesh::Task task);
  // Thread-safe: hands an accepted client socket to this worker.
  void adopt(int fd);
  // What attach() builds for a socket once the worker has registered it.
  using ConnectionFactory = std::function<std::unique_ptr<Connection>(
      Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port)>;
  // Thread-safe: hands a connected socket of another kind (a route) to this worker, which
  // registers it and lets `make` build the connection (on this worker's thread).
  void attach(int fd, ConnectionFactory make);
  // This worker's connection on `socket`, or null when it is gone. Worker thread only.
  Connection* connection(core::SocketId socket);
  // Thread-safe (reload): this worker switches to `next` and re-checks its clients.
  void apply_options(std::shared_ptr<const Options> next);
  // Thread-safe: the cluster's client URLs (INFO connect_urls) or its name changed; clients
  // that take INFO updates are told.
  void set_connect_urls(std::vector<std::string> urls);
  void set_cluster_name(std::string name);

  // For clients.
  unsigned index() const { return index_; }
  core::Reactor& reactor() { return reactor_; }
  // The options in force on this worker (swapped by a reload; see apply_options).
  const Options& options() const { return *options_; }
  // The INFO clients of this worker get (before their own fields), and when it last changed.
  const proto::ServerInfo& info() const { return info_; }
  uint64_t info_changed_ns() const { return info_changed_ns_; }
  ServerContext& context() { return context_; }
  core::TimerWheel& timers() { return timers_; }
  WorkerStats& stats() { return stats_; }
  uint64_t now_ns() const { return reactor_.now_ns(); }
  std::mt19937_64& rng() { return rng_; }
  // Subject mappings (server/subject_mapping.h): whether `account` has any, and the subject a
  // client's publish on `subject` goes out on when one takes it (empty: nowhere), or null. The
  // result lives until the next call.
  bool maps(AccountId account) const { return mappings_.maps(account); }
  const std::string* map_subject(AccountId account, std::string_view subject);
  tls::HandshakeBudget& handshake_budget() { return handshakes_; }
  // Lingering closes (Connection::linger) take a place here, given back when they end. Past
  // kMaxLingering a close is immediate: a flood of refused connections cannot hold a
  // descriptor for seconds each.
  static constexpr size_t kMaxLingering = 256;
  bool take_linger_place() { return lingering_ < kMaxLingering ? (++lingering_, true) : false; }
  void give_back_linger_place() { --lingering_; }

  void mark_dirty(Connection* connection) { dirty_.push_back(connection); }
  // Delivers a message published by `from` to every matching subscription, here, on other
  // workers and on other servers; returns how many destinations received it (for
  // no_responders).
  size_t publish(Client& from, const MessageView& msg);
  // Delivers a message that remote destination `source` (a route) sent us, with the queue
  // groups its sender picked for this server.
  size_t publish_from_remote(Connection& from, unsigned source, AccountId account, const MessageView& msg,
                             std::span<const std::string_view> queues);
  // A remote destination this worker owns from now on / no more (its route's thread).
  // Attach before its interest enters the index; detach after that interest is gone.
  void attach_remote(unsigned remote, RemoteDestination* sink);
  void detach_remote(unsigned remote);
  // sub->client is set and bound to its account.
  void add_subscription(Subscription* sub);
  // The removal (and the free) is deferred while a publish is iterating a match result.
  void remove_subscription(std::unique_ptr<Subscription> sub);
  // A connection released what it held (Connection::release).
  void connection_released(Connection& connection);
  // A local consumer crossed half of max_pending / came back under a quarter of it.
  void consumer_congested(Connection& consumer);
  void consumer_relieved(Connection& consumer);
  // Monitoring: keeps a closed client for /connz?state=closed.
  void record_closed(const Client& client);
  // A client event for the system account (server/system_events.h) about the client `client`
  // describes. Published at the end of the loop turn, never inside another publish (a client can
  // close in the middle of one); nothing without a system account.
  void queue_client_event(ClientEvent kind, const RequestInfo& client, const EventClosing& closing);
  // Worker 0: publishes a system service's answer (server/system_services.h) in the system
  // account, on this thread.
  void publish_system_answer(std::string_view subject, std::string_view payload);

  // Lame duck mode, on this worker's thread: sends INFO with "ldm":true (connect_urls: the
  // other servers') to the clients that take an asynchronous INFO and adds every open client
  // to `open`; close_client() ends one of them as a server shutdown does (no -ERR).
  void announce_lame_duck(const std::vector<std::string>& peer_urls, std::vector<core::SocketId>* open);
  void close_client(core::SocketId id);

  // Monitoring (worker_report.cpp): fills this worker's part of a snapshot, on its thread.
  void report(const monitor::SnapshotRequest& what, WorkerReport& out);
  // Wall-clock time (ns since the epoch) of a monotonic reading.
  int64_t wall_ns(uint64_t monotonic_ns) const;

  // ReactorHandler.
  void on_accept(int listener_fd, int fd) override;
  void on_recv(core::SocketId id, const char* data, size_t size) override;
  void on_recv_closed(core::SocketId id, int res) override;
  void on_send_done(core::SocketId id, int res) override;
  void on_closed(core::SocketId id) override;
  void on_detached(core::SocketId id, int fd) override;
  void on_turn_end() override;
  void on_tick(uint64_t now_ns) override;
  void on_wake() override;
  bool on_idle_poll() override;
  uint64_t idle_poll_budget_ns(uint64_t max_ns) override;
  bool on_before_sleep() override;
  void on_after_sleep() override;

 private:
  bool multi() const { return context_.mesh.size() > 1; }
  bool indexed() const { return context_.indexed; }
  void start_client(int fd);
  Connection* start_connection(int fd, const ConnectionFactory& make);
  size_t publish_in(Connection* from, AccountId account, const MessageView& msg);
  size_t publish_to_subscribers(Connection* from, AccountId account, const MessageView& msg);
  size_t publish_to_importers(Client& from, AccountId exporter, const MessageView& msg);
  // What Nats-Request-Info tells on a chain of service imports so far (client.go
  // processServiceImport): the first import decides whether the requester's details go, a later
  // sharing import after one that did not share adds the server.
  struct RequestInfoShape {
    bool details = false;
    bool server = false;
    bool last_share = false;
  };
  size_t publish_to_services(Client& from, AccountId importer, const MessageView& msg,
                             const RequestInfoShape* upstream = nullptr);
  void describe_request(const Client& from, AccountId importer, const RequestInfoShape& shape, bool chained);
  void want_responses(AccountId exporter);
  void map_reply(AccountId exporter, AccountId importer, std::string_view reply, bool singleton, uint64_t threshold_ns,
                 std::string& out);
  size_t deliver_response(AccountId account, const MessageView& msg);
  size_t deliver_local(AccountId account, const Connection* from, const MessageView& msg,
                       const SharedMessageRef* remote);
  bool deliver_to_queue(const Connection* from, const std::vector<Subscription*>& members, const MessageView& msg);
  bool deliver_to(const Connection* from, Subscription* sub, const MessageView& msg);
  void note_source(Client& to);
  // Where one message goes beyond this worker's own subscribers (reused per publish).
  struct DeliveryPlan {
    WorkerMask plain_workers = 0;  // workers with plain subscribers
    WorkerMask workers = 0;        // other workers that get it (plain or an assigned group)
    RemoteMask remotes = 0;        // remote destinations that get it
  };
  void plan_publish(const InterestResult& interest);
  void plan_remote_delivery(const InterestResult& interest, unsigned source, std::span<const std::string_view> queues);
  void start_plan(const InterestResult& interest);
  void assign_queue(std::string_view group, uint32_t destination);
  // `from`: the publisher, held back when a ring is full; null for a message the server itself
  // publishes (a service response), which waits in the backlog without holding anyone.
  size_t dispatch(Connection* from, AccountId account, const MessageView& msg);
  template <class Assignments>
  void forward_to_remote(unsigned remote, AccountId account, const MessageView& msg, const Assignments& assignments);
  void receive(SharedMessageRef msg);
  InterestIndex& interest_of(AccountId account) { return *context_.interest[account]; }
  void enqueue(unsigned target, SharedMessageRef msg, Connection* from);
  void drain_incoming(bool everything);
  void note_arrival();
  void note_preemptions();
  void pushed(unsigned target);
  void mark_touched();
  void retry_overflow();
  void wake_touched();
  void apply_deferred_removals();
  void unindex_removed();
  void publish_client_events();
  // Worker 0 (worker_events.cpp): interest in the system services' subjects; a request for them.
  void hold_system_service_interest();
  // True when the message is a request one of this server's services takes.
  bool offer_system_request(const MessageView& msg);
  // Moving client connections between workers (worker_handover.cpp).
  void consider_moves(uint64_t now_ns);
  void start_move(Client& client, unsigned target);
  void prepare_arrival(std::shared_ptr<Handover> h);
  void push_marker(unsigned target, SharedMessage::Marker marker, uint64_t move_id, unsigned move_to);
  void on_marker(const SharedMessage& marker);
  void advance_moves();
  void give_up_move(const std::shared_ptr<Handover>& h, Client& client);
  void switch_out(Handover& h, Client& client);
  void abort_move(const std::shared_ptr<Handover>& h);
  void cancel_arrival(uint64_t id);
  void arrive(std::shared_ptr<Handover> h);
  void replay_captured(Handover& h, Client& client);
  void released(uint64_t id);
  void finish_arrival(std::vector<std::shared_ptr<Handover>>::iterator it);
  void capture_for_arrivals(const SharedMessageRef& msg);
  void stop_skipping_when_caught_up();
  // Flow control (worker_flow.cpp).
  void stall_publisher(core::SocketId id);
  void release_stalled_publishers();
  void expire_stalls(uint64_t now_ns);
  void release_idle_memory(uint64_t now_ns);
  void start_wall_clock();
  void info_changed();

  ServerContext& context_;
  std::shared_ptr<const Options> options_;
  proto::ServerInfo info_;
  uint64_t info_changed_ns_ = 0;
  unsigned index_;
  core::Reactor reactor_;
  int listen_fd_ = -1;
  core::TimerWheel timers_;
  // This worker's view of one account: its local subscriptions, and (with several workers)
  // a cache over the account's shared interest index.
  struct LocalAccount {
    Sublist sublist;
    std::optional<InterestCache> interest;
    NoInterestMemo no_interest;  // of what this worker's clients publish
  };
  std::vector<std::unique_ptr<LocalAccount>> accounts_;  // by AccountId
  std::vector<std::unique_ptr<Connection>> connections_;  // by socket slot
  std::vector<Connection*> dirty_;
  std::vector<std::unique_ptr<Subscription>> deferred_removals_;
  // Removed from the Sublist, still in the shared interest index until the turn ends.
  struct Unindexed {
    AccountId account;
    std::unique_ptr<Subscription> sub;
  };
  std::vector<Unindexed> unindexed_;
  int publish_depth_ = 0;
  uint64_t last_deadline_scan_ns_ = 0;
  uint64_t last_memory_release_ns_ = 0;
  uint64_t traffic_at_memory_release_ = 0;  // in + out messages then
  unsigned next_placement_ = 0;

  // Mesh state, per target worker: messages waiting for room in the ring (order kept), the
  // publishers paused until that backlog is gone, and whether we pushed this turn.
  std::vector<std::deque<SharedMessageRef>> overflow_;
  std::vector<std::vector<core::SocketId>> paused_;
  std::vector<uint8_t> touched_;
  DeliveryPlan plan_;                                         // reused per publish
  std::vector<SharedMessage::QueueAssignment> assignments_;  // reused per publish
  std::vector<std::string_view> local_groups_;                // reused per publish
  proto::MsgFrame frame_;  // reused per publish that reaches several local subscribers
  // Remote destinations this worker owns (set by their routes), and scratch for forwarding.
  std::array<RemoteDestination*, kMaxRemotes> remotes_{};
  RemoteMask owned_remotes_ = 0;
  std::vector<std::string_view> remote_groups_;
  std::vector<SharedMessage::QueueAssignment> remote_assignments_;

  // Consumer stalls: congested local consumers, how many still hold publishers back, and
  // the publishers paused for them.
  std::vector<core::SocketId> congested_;
  size_t stalling_consumers_ = 0;
  std::vector<core::SocketId> stalled_publishers_;

  // Moves: where this worker's messages are in its own count (SharedMessage::origin_seq), the
  // last origin_seq received from each worker, moves leaving and arriving, clients that still
  // skip what their old worker delivered, and the moves the policy's last look had seen.
  uint64_t made_seq_ = 0;
  std::vector<uint64_t> received_seq_;
  std::vector<std::shared_ptr<Handover>> leaving_;
  std::vector<std::shared_ptr<Handover>> arriving_;
  std::vector<core::SocketId> skipping_;
  const SharedMessage* delivering_remote_ = nullptr;  // the message deliver_local is delivering
  std::vector<uint64_t> seen_moves_from_;  // context_.moves_from at the last look
  uint64_t next_move_check_ns_ = 0;
  uint64_t moves_resume_ns_ = 0;  // after a move given up, none starts from here before this

  WorkerStats stats_;
  // How long to poll before sleeping, learned from when other workers' messages arrive; and
  // when this worker last went idle (0: busy since), to measure that.
  IdlePollPolicy idle_poll_;
  uint64_t idle_since_ns_ = 0;
  tls::HandshakeBudget handshakes_;
  size_t lingering_ = 0;
  uint64_t last_rate_limit_log_ns_ = 0;
  std::mt19937_64 rng_;
  EventIds event_ids_{rng_};  // after rng_: made from it
  struct QueuedEvent {
    std::string subject, payload;
  };
  std::vector<QueuedEvent> client_events_;  // queue_client_event's, for the turn's end
  // The system account, on the worker that takes the system services' requests (0); else none.
  AccountId services_account_ = kNoAccount;
  StreamImportTable stream_imports_;  // of options_; rebuilt when they change
  std::string import_subject_;        // the subject of the imported copy being published
  ServiceImportTable service_imports_;  // of options_; rebuilt when they change
  SubjectMappingTable mappings_;        // of options_; rebuilt when they change
  std::string mapped_subject_;          // map_subject's result
  std::string service_mapped_;          // an imported request's subject as the exporter maps it
  std::string request_info_;            // an imported request's Nats-Request-Info value
  ServiceResponses responses_;          // replies of imported requests sent from here
  std::vector<bool> response_interest_;  // by exporting account: interest in our reply subjects
  ServiceImportChain service_chain_;     // the hops of the request being imported
  uint64_t last_response_sweep_ns_ = 0;
  int64_t wall_offset_ns_ = 0;
  std::deque<monitor::ConnectionInfo> closed_;  // the most recent closed connections
  std::vector<monitor::Traffic> closed_traffic_;  // by AccountId: all clients that closed here
};

}  // namespace zats::server
