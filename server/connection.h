// Connection: one TCP connection owned by one worker at a time (a client may move to another:
// worker_handover.cpp): a client (Client) or, from cluster/, a route to another server. The
// base holds what every kind shares: who the peer is, the outbound buffer (with a fan-out's
// shared payloads spliced in by reference) and its single send in flight, the close sequence
// (Open -> Draining [-> Lingering] -> Closed), the keep-alive PING/PONG timer, write
// deadlines, and the flow control state the worker uses (paused reads, congestion), and
// TLS when the connection uses it (connection_tls.cpp: the session sits between the socket and
// on_bytes / the outbound buffer). A subclass speaks its protocol (on_bytes, always plaintext)
// and says what closing releases (on_closing). Owning worker's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "server/close_reason.h"
#include "server/gather_batch.h"
#include "server/shared_message.h"
#include "server/tls/tls_session.h"

namespace zats::server {

class Worker;
struct WorkerReport;
namespace monitor {
struct SnapshotRequest;
}

struct ConnectionStats {
  uint64_t in_msgs = 0;
  uint64_t in_bytes = 0;
  uint64_t out_msgs = 0;
  uint64_t out_bytes = 0;
};

class Connection {
 public:
  // Why reading is paused: a full mesh ring (backlog) and/or a congested consumer it feeds.
  static constexpr uint8_t kPausedForMesh = 1;
  static constexpr uint8_t kPausedForStall = 2;
  static constexpr uint8_t kPausedForBudget = 4;  // a route spreading a burst over loop turns
  static constexpr uint8_t kPausedForMove = 8;    // moving to another worker (worker_handover.cpp)

  enum class Kind : uint8_t { Client, Route };
  // How the connection names itself in log lines: "cid"/"Client" or "rid"/"Router".
  struct LogNames {
    const char* id_tag;
    const char* kind;
  };

  Connection(Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port, Kind kind,
             LogNames names);
  virtual ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Events from the worker's reactor. Received bytes go through the TLS session when there
  // is one, so on_bytes() always gets plaintext.
  void on_received(const char* data, size_t size) {
    if (state_ == State::Lingering) return;  // read only to be dropped
    if (tls_ != nullptr) return receive_tls(data, size);
    on_bytes(data, size);
  }
  virtual void on_bytes(const char* data, size_t size) = 0;
  void on_send_done(int res);
  void on_peer_closed(int res);
  // The connection's timer fired (keep-alive, or an authentication deadline).
  virtual void on_timer(uint64_t now_ns);
  // The mesh backlog this connection fed has drained: take up input that waited.
  virtual void resume_input() {}
  // A reload changed the worker's options.
  virtual void on_options_changed() {}
  // The worker's INFO changed (the cluster's client URLs).
  virtual void on_info_changed() {}
  // Monitoring: adds this connection to the worker's part of a snapshot.
  virtual void report(const monitor::SnapshotRequest& what, WorkerReport& out) const = 0;
  // Once per loop turn if dirty: hands pending bytes to the kernel (one send in flight).
  void flush();
  // Periodic check (from the worker's tick) of the write deadline.
  void check_write_deadline(uint64_t now_ns);
  // Frees the capacity of the send buffers beyond a small size when nothing was sent for a
  // second: one burst must not keep megabytes per connection resident for good.
  void release_idle_buffers(uint64_t now_ns);
  // Ends the connection: record why, stop taking input, optionally send -ERR first. With an
  // -ERR the close lingers: once it is out the sending side is shut and what the peer still
  // sends is read and dropped until it closes (or kLingerNs pass), so the peer gets the -ERR
  // rather than a reset that may discard it; while the worker has room (Worker::kMaxLingering).
  void close(CloseReason reason, std::string_view err_text = {});
  // Releases what the connection holds in the broker (interest, counts, registrations):
  // once, when the close starts; later calls do nothing.
  void release();
  // The worker's handshake budget has room again for this connection's waiting step.
  void resume_tls_handshake();
  // The TLS session (null without TLS): version, cipher and the peer's certificate.
  const tls::TlsSession* tls() const { return tls_.get(); }

  Kind kind() const { return kind_; }
  core::SocketId socket() const { return socket_; }
  uint64_t cid() const { return cid_; }
  const std::string& ip() const { return ip_; }
  uint64_t rtt_ns() const { return rtt_ns_; }  // 0 until a PING of ours was answered
  const LogNames& log_names() const { return names_; }
  // Who log lines about this connection are about ("ip:port - cid:N - ").
  core::LogOrigin log_origin() const { return {address_, cid_, names_.id_tag}; }
  int port() const { return port_; }
  bool closing() const { return state_ != State::Open; }
  CloseReason close_reason() const { return close_reason_; }
  const ConnectionStats& stats() const { return stats_; }
  bool dirty() const { return dirty_; }
  // Bytes queued for the socket and not yet taken by the kernel (what max_pending limits).
  size_t pending_bytes() const;

  // Moving to another worker (worker_handover.cpp). begin_move, on the old worker once nothing
  // more is delivered to it there: no send starts from here any more and the timer stops (its
  // due time kept); what is queued travels with the connection. arrive, on the new worker
  // with the socket registered there: reads stay paused (kPausedForMove) until the worker
  // lifts that, the timer runs again, and what is queued goes out.
  void begin_move();
  void arrive(Worker& worker, core::SocketId socket);
  bool moving() const { return moving_; }

  // Flow control (worker_flow.cpp). Reads stop while any pause reason is set.
  void pause_input(uint8_t reason);
  void unpause_input(uint8_t reason);
  bool paused_for(uint8_t reason) const { return (pause_reasons_ & reason) != 0; }
  // As a consumer: over half of max_pending since congested_since() (0: not congested), and
  // whether that episode still holds publishers back (Worker::expire_stalls ends it).
  uint64_t congested_since() const { return congested_since_ns_; }
  bool stalling() const { return stalling_; }
  void set_stalling(bool stalling) { stalling_ = stalling; }

 protected:
  enum class State : uint8_t { Open, Draining, Lingering, Closed };

  // Called once, when the close starts: release interest, counts and registrations.
  virtual void on_closing() = 0;

  Worker& worker() const { return *worker_; }
  State state() const { return state_; }
  bool open() const { return state_ == State::Open; }
  // Outbound bytes: encoders append to out() and then call mark_dirty().
  std::string& out() { return out_; }
  // Queues the payload of the message `owner` holds where out() ends now, without copying it:
  // the send gathers it from the message. Not with TLS (the session seals out() only).
  void splice(const SharedMessageRef& owner);
  bool can_splice() const { return tls_ == nullptr; }
  void queue(std::string_view bytes);
  void send_err(std::string_view text);
  void mark_dirty();
  // A message frame of `frame` bytes is about to be queued: false (and the connection is
  // closed as a slow consumer) when what earlier turns left unsent plus it would pass
  // max_pending. This turn's own burst does not count: it is about to be flushed.
  // `pending` receives the bytes pending before the frame (for count_delivery). `spliced` of
  // the frame's bytes will be spliced in (splice) rather than written to out().
  bool room_for(size_t frame, size_t& pending, size_t spliced = 0);
  // After queueing `added` bytes of a message for a subscriber (payload_bytes of them
  // payload), with `pending` from room_for: counts it and watches congestion.
  void count_delivery(size_t pending, size_t added, size_t payload_bytes);
  // After queueing a message for a peer that is not a subscriber (a route): counts it.
  void count_sent(size_t payload_bytes);
  // For on_timer overrides: the timer is spent; true when the connection is still open. A
  // lingering close that ran out of time ends here.
  bool timer_fired();
  // The keep-alive rules (client.go processPingTimer) once the timer fires.
  void keep_alive(uint64_t now_ns);
  void schedule_timer(uint64_t delay_ns);
  void cancel_timer();
  void note_activity() { last_activity_ns_ = now_ns(); }
  void note_peer_ping() { last_peer_ping_ns_ = now_ns(); }
  void note_pong();
  uint64_t now_ns() const;
  void set_rtt(uint64_t rtt_ns) { rtt_ns_ = rtt_ns; }
  void finish_close();

  // TLS (connection_tls.cpp). start_tls: what is queued so far goes out in the clear ahead
  // of the handshake (a client's INFO; a route queues nothing before it); from now on received
  // bytes are records, and what is queued waits for the handshake to complete. Role::Client
  // dials: server_name is the name (or address) the peer's certificate must be for.
  void start_tls(std::shared_ptr<const tls::TlsContext> context, tls::TlsSession::Role role,
                 std::string_view server_name = {});
  bool tls_handshaking() const { return tls_ != nullptr && !tls_->established(); }
  // The handshake failed or timed out: logged as nats-server logs it, closed as a TLS
  // handshake failure.
  void fail_tls_handshake(std::string_view why);
  // The handshake completed: the subclass checks the peer and starts its protocol; false
  // when it closed the connection instead.
  virtual bool on_tls_established() { return true; }

  ConnectionStats stats_;
  uint64_t last_activity_ns_ = 0;
  uint64_t rtt_ns_ = 0;          // last PING -> PONG round trip
  int64_t start_wall_ns_ = 0;    // accepted at (wall clock, for monitoring)
  uint64_t accepted_ns_ = 0;     // accepted at (monotonic)

 private:
  void note_congestion(size_t pending);
  // The send buffers beyond kIdleBufferKeep go, their pages back to the system at once.
  void release_large_buffers();
  // Drops everything queued and not yet handed to the kernel.
  void drop_output();
  // The next batch of a gathered send from inflight_ and inflight_splices_; false when none is left.
  bool send_batch();
  // Draining is done and the -ERR is out: shut the sending side, drop what still comes.
  void linger();
  // Makes room in out_ for a frame, where out_ is past kIdleBufferKeep (room_for).
  void grow_output(size_t frame);
  void receive_tls(const char* data, size_t size);
  bool advance_tls_handshake(bool waited);
  void read_tls_records();
  void seal_outbound();
  // A delivery left out_ past kSealEarlyBytes: sealed now, while the plaintext is in cache.
  void seal_early();
  // out_ into the session's records, and emptied.
  void seal_queued();
  // What goes to the socket next: the session's output with TLS, else the protocol bytes.
  std::string& outbound() { return tls_ != nullptr ? tls_->output() : out_; }

  Worker* worker_;  // the owner: changes only when the connection moves (move_to)
  core::SocketId socket_;
  uint64_t cid_;
  std::string ip_;
  int port_;
  std::string address_;  // "ip:port" ("[ip]:port" for IPv6), as log lines show it
  Kind kind_;
  LogNames names_;
  State state_ = State::Open;
  CloseReason close_reason_ = CloseReason::None;
  bool linger_ = false;  // the close sent an -ERR and the peer may still be sending

  // Outbound: bytes queued since the last flush, and the bytes the kernel is sending.
  std::string out_;
  std::string inflight_;
  // Bytes of shared messages queued between out_'s bytes (splice), and those of inflight_.
  struct Splice {
    size_t at;  // they go after out_[0, at)
    std::string_view bytes;
    SharedMessageRef owner;
  };
  std::vector<Splice> splices_;
  std::vector<Splice> inflight_splices_;
  size_t spliced_bytes_ = 0;
  // A gathered send goes in batches of at most kMaxIov iovecs: where the next batch starts,
  // and the bytes after the batch in flight.
  GatherBatch batch_;
  size_t later_bytes_ = 0;
  std::vector<iovec> iov_;
  msghdr msg_{};
  bool sending_ = false;
  bool dirty_ = false;
  size_t turn_added_ = 0;  // bytes queued during the current loop turn (not yet flushable)
  uint64_t send_started_ns_ = 0;

  std::unique_ptr<tls::TlsSession> tls_;
  bool handshake_waiting_ = false;  // a handshake step waits for the worker's budget

  bool released_ = false;
  uint8_t pause_reasons_ = 0;
  uint64_t congested_since_ns_ = 0;
  bool stalling_ = false;

  bool moving_ = false;
  uint64_t timer_due_ns_ = 0;  // of timer_, so a move can carry it over

  // Keep-alive (client.go processPingTimer).
  core::TimerWheel::TimerId timer_ = 0;
  int pings_out_ = 0;
  uint64_t last_peer_ping_ns_ = 0;
  uint64_t last_ping_sent_ns_ = 0;
};

}  // namespace zats::server
