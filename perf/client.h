// Client: one NATS connection driven by a Worker's io_uring. It connects,
// handshakes (CONNECT, its SUBs, PING/PONG), then plays one role: publisher,
// subscriber, requester, responder, churner, handshaker or idle. At most one recv
// and one send are in flight; sends are large batches, receives parse in place.
// With --tls, after the plaintext INFO the connection upgrades (TlsChannel):
// receives go to a ciphertext buffer and are decrypted into the parser's buffer,
// sends are sealed first.
#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "perf/frame_cycle.h"
#include "perf/histogram.h"
#include "perf/proto_reader.h"
#include "perf/run_state.h"
#include "perf/tls_channel.h"

namespace zats::perf {

// Slow: a subscriber that reads at `read_bps` (0: not at all once subscribed),
// reported apart from the subscribers; being cut by the server is expected of it.
// Handshaker: reconnects in a loop (connect, TLS handshake, CONNECT, PING/PONG,
// close) and counts completed rounds in ops.
enum class Role { Publisher, Subscriber, Requester, Responder, Churner, Idle, Slow, Handshaker };
const char* role_name(Role r);

// What a client is asked to do; filled in by the scenario.
struct ClientPlan {
  Role role = Role::Idle;
  int id = 0;
  std::string connect_json;
  std::string subs;  // SUB lines sent with CONNECT
  // publisher / requester
  std::shared_ptr<const FrameCycle> frames;
  size_t first_frame = 0;
  uint64_t msgs = 0;       // 0: until RunState::duration_ns
  double rate = 0;         // msgs/s for this client; 0: unpaced
  bool stamp = false;      // write the scheduled send time into each payload
  uint64_t fanout = 0;     // deliveries each hit owes subscribers
  size_t batch = 256 * 1024;
  int inflight = 1;        // requester, closed loop
  // subscriber
  bool record_latency = false;
  uint64_t own_msgs = 0;        // sub scenario: finish after this many
  uint64_t own_duration_ns = 0; // sub scenario: finish this long after the first message
  // slow subscriber
  double read_bps = 0;
  // churner
  double churn_rate = 0;
  int window = 0;
};

struct ClientStats {
  uint64_t sent = 0, sent_bytes = 0;  // payload bytes
  uint64_t recv = 0, recv_bytes = 0;
  uint64_t ops = 0;                   // churner SUB/UNSUB operations; handshaker rounds
  uint64_t missing = 0;               // requests never answered within the drain time
  uint64_t first_ns = 0, last_ns = 0; // first/last delivery, or publisher flush end
  uint64_t end_ns = 0;
  std::string error;
  // slow subscriber: the server closed it (seen during the run at cut_ns, or by
  // the end-of-run probe with cut_ns 0); bytes read in all, probe included
  bool cut = false;
  uint64_t cut_ns = 0;
  uint64_t read_bytes = 0;
};

class Client {
 public:
  // `hist` collects latencies and `received` counts deliveries; both belong to the
  // owning worker, so nothing here is shared between threads except `rs`.
  // `lag` collects how late paced sends left versus their schedule (the bench's
  // own error, reported so open-loop latencies can be judged).
  Client(ClientPlan plan, RunState& rs, Histogram* hist, Histogram* lag, uint64_t* received);

  int fd() const { return fd_; }
  const ClientPlan& plan() const { return plan_; }
  const ClientStats& stats() const { return stats_; }
  bool needs_tick() const;
  bool closed() const { return closed_; }
  bool ready() const { return ready_; }
  bool finished() const { return finished_; }
  // Slow subscriber, after the run with its worker stopped: reads what is left
  // (bounded by `budget_ns`) to learn whether the server has closed the connection.
  void probe_cut(uint64_t budget_ns);
  // One line of internal state, printed for clients that did not finish in time.
  std::string describe() const;

  // The user_data tags of this client's operations.
  enum Op : uint64_t { kConnect = 0, kRecv = 1, kSend = 2 };

  void start_connect(io_uring* ring, const sockaddr* addr, socklen_t len);
  void on_cqe(io_uring* ring, Op op, int res, uint64_t now);
  // Called every loop turn for active roles; returns the next time it wants a call.
  uint64_t tick(io_uring* ring, uint64_t now);

  // ProtoReader handler callbacks.
  void on_msg(const MsgView& m);
  void on_info(std::string_view);
  void on_ping();
  void on_pong();
  void on_ok() {}
  void on_err(std::string_view e);

 private:
  void post_recv(size_t max = SIZE_MAX);
  bool take_tls_input(size_t n);
  void flush_tls();
  bool next_static_slice(const char** data, size_t* size);
  void restart();
  void arm_recv(uint64_t now);
  uint64_t slow_tick(uint64_t now);
  void flush();
  void submit_send(const char* p, size_t n);
  void fail(std::string why);
  bool is_finisher() const;
  bool is_static() const;
  void begin_run();
  uint64_t produce_paced(uint64_t now);
  void produce_closed_loop(uint64_t now);
  void append_frame(uint64_t stamp);
  void send_static();
  void production_over();
  void maybe_finish();
  void finish();
  uint64_t churn(uint64_t now);
  bool quota_left(uint64_t now) const;
  uint64_t sched_ns(uint64_t k) const;

  ClientPlan plan_;
  RunState& rs_;
  Histogram* hist_;
  Histogram* lag_;
  uint64_t* received_;
  ClientStats stats_;
  ProtoReader reader_;
  int fd_ = -1;
  const sockaddr* addr_ = nullptr;
  socklen_t addr_len_ = 0;
  bool closed_ = false;
  bool ready_ = false;          // counted in RunState::ready (once)
  bool session_ready_ = false;  // this connection got its first PONG
  bool restart_pending_ = false;
  std::unique_ptr<TlsChannel> tls_;
  std::vector<char> cipher_in_;  // receives land here once TLS is up
  bool recv_into_cipher_ = false;
  bool producing_ = false;  // publisher/requester currently sending
  bool flushing_ = false;   // sent the final PING, awaiting its PONG
  bool finished_ = false;
  bool started_ = false;
  bool pong_seen_ = false;
  uint64_t start_ns_ = 0;
  uint64_t pong_ns_ = 0;
  uint64_t now_ = 0;
  io_uring* ring_ = nullptr;

  std::string out_;      // control lines and built frames, sent next
  std::string sending_;  // the owned buffer in flight
  const char* send_ptr_ = nullptr;
  size_t send_left_ = 0;
  bool send_busy_ = false;
  bool recv_busy_ = false;

  size_t cursor_ = 0;          // next frame in the cycle
  uint64_t produced_ = 0;      // messages handed to the socket
  uint64_t hits_ = 0;          // of those, on subjects with interest
  uint64_t outstanding_ = 0;   // requests without a reply
  // churner
  uint64_t churn_seq_ = 0;
  std::deque<uint64_t> live_;  // sids, oldest first
};

}  // namespace zats::perf
