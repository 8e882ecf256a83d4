// Reactor: one io_uring ring owned by one worker thread, and everything the broker needs
// from the kernel: multishot accept on the worker's own listener, receives into a provided
// buffer ring (multishot, or single-shot re-armed per completion on the 5.19 tier), ordered
// sends (at most one in flight per socket, short sends resumed), sockets as registered
// (direct) descriptors while the table has room, clean close (cancel, then close,
// generation-checked slots), a coarse tick, and wake-ups from other threads. One loop turn =
// handle completions, on_turn_end(), one io_uring_submit_and_wait. The handler interface has
// no io_uring types, so an epoll backend could sit behind the same interface.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/uring_features.h"

namespace zats::core {

// One socket registered with a reactor. A slot is reused only with a new generation, so a
// stale completion (or a stale id kept by the broker) never reaches the new owner.
struct SocketId {
  uint32_t slot = UINT32_MAX;
  uint32_t gen = 0;
  bool valid() const { return slot != UINT32_MAX; }
  friend bool operator==(SocketId, SocketId) = default;
};

// Callbacks from the loop. Called on the reactor's own thread only. One virtual call per
// completion, never per byte.
class ReactorHandler {
 public:
  virtual ~ReactorHandler() = default;
  // A connection arrived on a listener passed to accept(). The handler calls add_socket()
  // to keep it (or ::close(fd)).
  virtual void on_accept(int listener_fd, int fd) = 0;
  // Bytes arrived; valid only during the call (the buffer goes back to the ring after it).
  virtual void on_recv(SocketId id, const char* data, size_t size) = 0;
  // The peer closed (res == 0) or receiving failed (res < 0, -errno). No on_recv follows.
  virtual void on_recv_closed(SocketId id, int res) = 0;
  // The whole buffer of the last send() has been written (res = bytes) or failed (res < 0).
  virtual void on_send_done(SocketId id, int res) = 0;
  // close() has finished: no completion for this id will come again. Buffers handed to
  // send() for this id may be released now, not before.
  virtual void on_closed(SocketId id) = 0;
  // detach() has finished: the socket is a plain descriptor again, fd, now the handler's own
  // (fd < 0: it could not be recovered, and the socket is closed). No completion for this id
  // will come again.
  virtual void on_detached(SocketId /*id*/, int fd) {
    if (fd >= 0) ::close(fd);
  }
  // Once per loop turn after completions, before submitting: flush outbound buffers here.
  virtual void on_turn_end() = 0;
  // The coarse tick (ReactorOptions::tick) fired; now_ns is CLOCK_MONOTONIC.
  virtual void on_tick(uint64_t now_ns) = 0;
  // Another thread called notify() (or a peer ring sent MSG_RING). Several wake-ups in one
  // loop turn are delivered as one call.
  virtual void on_wake() = 0;
  // Called repeatedly while the loop busy-polls before sleeping (ReactorOptions::idle_poll);
  // must be cheap. Return true when it found work: the loop then runs a new turn at once.
  virtual bool on_idle_poll() { return false; }
  // Before such a poll: how long to poll this time, at most max_ns (0: sleep at once).
  virtual uint64_t idle_poll_budget_ns(uint64_t max_ns) { return max_ns; }
  // Right before the loop blocks in the kernel. Return false when work showed up (the loop
  // then submits without sleeping). After a true, on_after_sleep() follows the wait.
  // Workers use the pair to announce sleep to their producers and to go RCU-offline.
  virtual bool on_before_sleep() { return true; }
  virtual void on_after_sleep() {}
};

struct ReactorOptions {
  unsigned ring_entries = 4096;
  // Provided receive buffers: the ring starts with initial_buffers in circulation and doubles
  // them each time a receive runs out (ENOBUFS), up to buffer_count (powers of two). Only
  // buffers in circulation are ever touched, so an idle or lightly loaded worker keeps
  // initial_buffers * buffer_size resident, not the whole pool; and once a burst is over, the
  // memory of a lightly used ring goes back to the system (ReactorStats::recv_buffer_releases).
  unsigned buffer_count = 32;
  unsigned initial_buffers = 16;
  unsigned buffer_size = 65536;   // bytes each: a receive per 64 KiB, as nats-server reads at most
  // How often to look whether the ring is lightly used and give its memory back (0 = never;
  // only where the kernel has DEFER_TASKRUN: see Reactor::Impl::release_buffer_memory).
  std::chrono::milliseconds buffer_release_every{1000};
  // The io_uring features to use where the kernel has them (the rest fall back to their
  // older equivalents); limit_to_tier() narrows this to a tier.
  UringFeatures features = UringFeatures::all();
  // Sockets registered as direct descriptors (when features.registered_files): the table's
  // size. Sockets beyond it use their plain descriptor. 0 = none.
  unsigned registered_files = 4096;
  std::chrono::milliseconds tick{50};
  // Busy-poll up to this long for new work before sleeping in the kernel (0 = never poll).
  // Adaptive: after a run of polls that found nothing, only every 16th sleep polls, until
  // one finds work again, so an idle or lightly loaded worker does not burn its core.
  std::chrono::microseconds idle_poll{0};
};

// Counters kept by the loop (read them on the loop thread, or after run() returned).
struct ReactorStats {
  uint64_t turns = 0;
  uint64_t recv_out_of_buffers = 0;  // a recv ended with ENOBUFS and was re-armed
  uint64_t recv_buffers = 0;         // receive buffers in circulation (grows on ENOBUFS)
  uint64_t recv_buffer_releases = 0; // times the ring's memory went back to the system
  uint64_t registered_sockets = 0;   // open sockets that use a registered (direct) descriptor
  uint64_t accept_fd_exhausted = 0;  // accept failed with EMFILE/ENFILE; retried on a tick
  uint64_t stale_completions = 0;    // completions whose generation no longer matched
  uint64_t run_ns = 0;                // time inside run() so far (updated once per turn)
  uint64_t sleep_ns = 0;              // of which blocked in the kernel: utilisation = 1 - sleep/run
  uint64_t idle_polls = 0;            // busy-polls before sleeping, and how many found work
  uint64_t idle_poll_hits = 0;
};

class Reactor {
 public:
  Reactor();
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Is io_uring usable in this process? On failure, `why` names the cause (ENOSYS, EPERM,
  // kernel.io_uring_disabled, a seccomp filter, missing features) and the kernel needed (>= 5.19).
  static bool probe(std::string* why);

  bool init(const ReactorOptions& options, std::string* error);

  // Starts a multishot accept on listen_fd (re-armed as needed, also after EMFILE).
  void accept(int listen_fd);
  // Stops accepting on listen_fd and closes it: the pending accept is cancelled first, so no
  // request keeps the socket (and its port) alive once closed() runs (on the loop thread).
  // Connections accepted before the cancel landed are still handed to on_accept.
  void close_listener(int listen_fd, std::function<void()> closed);
  // Takes ownership of fd, registers it as a direct descriptor when the table has room (and
  // then closes fd: the table keeps the socket), and starts receiving on it. Whatever the
  // caller needs from the plain descriptor (setsockopt, getpeername) it does before.
  SocketId add_socket(int fd);
  // Sends data[0..size). At most one send per socket may be outstanding: the caller waits
  // for on_send_done before the next. The bytes must stay valid until on_send_done or on_closed.
  void send(SocketId id, const char* data, size_t size);
  // The same for a gathered send: the bytes msg's iovecs point at, `size` of them in all (at
  // most IOV_MAX iovecs). msg, its iovecs and their bytes stay the caller's and must stay put
  // until on_send_done; a short send advances msg's iovecs in place before the rest goes.
  void send_message(SocketId id, msghdr* msg, size_t size);
  // Stops / restarts delivering on_recv for a socket (backpressure). Bytes already received
  // when pausing are still delivered.
  void pause_recv(SocketId id);
  void resume_recv(SocketId id);
  // Ends the sending side once what was sent so far is out (shutdown(SHUT_WR): the peer reads
  // it all, then the end of the stream); receiving goes on. Only with no send in flight.
  void shutdown_write(SocketId id);
  // Cancels what is in flight and closes the socket; on_closed follows. Idempotent. After
  // close() the handler gets no on_recv, on_recv_closed or on_send_done for this id.
  void close(SocketId id);
  // Whether the id names a socket that is not closed yet (its on_closed has not run).
  bool is_open(SocketId id) const;
  // Hands the socket back instead of closing it (to move it to another reactor): its
  // registered descriptor, if it has one, is made a plain one again, and on_detached(id, fd)
  // follows. Only for a quiet socket, so nothing received is dropped and nothing is half sent.
  // A registered socket can be detached only with UringFeatures::fixed_fd_install.
  void detach(SocketId id);
  // No receive armed and no send in flight (after pause_recv, once its cancel has landed).
  bool quiet(SocketId id) const;
  // A receive is armed (pause_recv's cancel has not landed yet): on_recv may still come.
  bool receiving(SocketId id) const;
  // Whether detach() can hand this socket back (a plain descriptor, or the kernel can make
  // its registered one plain).
  bool detachable(SocketId id) const;
  // Bytes of the outstanding send() the kernel has not taken yet (0 when none is in flight).
  size_t send_remaining(SocketId id) const;

  // Runs the loop on the calling thread until stop(). Every other member except stop() and
  // notify() is for the loop's thread only (before run(): one thread at a time). The
  // ring is bound to the first thread that runs it (IORING_SETUP_SINGLE_ISSUER).
  void run(ReactorHandler& handler);
  // Thread-safe: ends run() at the next turn.
  void stop();
  // Thread-safe: wakes the loop; the handler gets on_wake().
  void notify();

  // CLOCK_MONOTONIC read once per loop turn.
  uint64_t now_ns() const;

  const ReactorStats& stats() const;
  // Bytes of receive buffer memory now resident (a system call: for monitoring, not per message).
  size_t recv_buffer_resident_bytes() const;
  // The features in use: ReactorOptions::features narrowed to what the kernel has (after init()).
  const UringFeatures& features() const;

  // This reactor's ring, as a target for another reactor's wake_ring(); valid after init().
  int ring_fd() const;
  // Loop thread only: posts a MSG_RING completion to another reactor's ring (its ring_fd());
  // that reactor sees on_wake(). Sent with the rest of this turn's submissions.
  void wake_ring(int target_ring_fd, uint32_t data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zats::core
