// Reactor over io_uring. Every operation carries a CompletionTag (op | slot | generation) in
// user_data; completions are decoded, acted on, and re-armed at the end of the turn, so each
// turn ends in exactly one io_uring_submit_and_wait_timeout that also sleeps until the tick.
// What the kernel lacks (UringFeatures) is replaced by its older equivalent where it is used:
// setup_ring, arm_recv, and the registered descriptors of add_socket / maybe_finish_close.
#include "core/reactor.h"

#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/buffer_ring.h"
#include "core/clock.h"
#include "core/completion_tag.h"
#include "core/log.h"
#include "core/socket_table.h"
#include "core/uring_probe.h"

namespace zats::core {
namespace {

constexpr uint16_t kBufferGroup = 0;
constexpr unsigned kCqeBatch = 64;
constexpr unsigned kMaxCompletionsPerTurn = 128;
constexpr size_t kMaxSendChunk = size_t{1} << 30;  // an SQE length is 32 bits

// After a short gathered send: the iovecs start past the `sent` bytes.
void skip_sent(msghdr& msg, size_t sent) {
  while (sent > 0 && msg.msg_iovlen > 0) {
    iovec& first = msg.msg_iov[0];
    if (sent < first.iov_len) {
      first.iov_base = static_cast<char*>(first.iov_base) + sent;
      first.iov_len -= sent;
      return;
    }
    sent -= first.iov_len;
    ++msg.msg_iov;
    --msg.msg_iovlen;
  }
}

bool is_fd_exhaustion(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

struct ListenerState {
  int fd = -1;
  bool armed = false;
  bool rearm = false;          // re-arm at the end of this turn
  bool retry_on_tick = false;  // out of file descriptors: wait for the tick
  bool dead = false;           // the listener failed for good (closed, not listening)
  bool closing = false;        // close_listener(): closed once its accept is gone
  std::function<void()> on_closed;
};

}  // namespace

struct Reactor::Impl {
  io_uring ring{};
  bool ring_open = false;
  bool needs_enable = false;  // created R_DISABLED: enabled by the thread that runs the loop
  unsigned poll_misses = 0;  // consecutive idle polls that found nothing
  unsigned poll_skips = 0;
  bool taskrun_flag = false;  // the kernel raises IORING_SQ_TASKRUN when work is deferred
  ReactorOptions options;
  UringFeatures features;  // options.features & what the kernel has
  std::vector<uint32_t> free_files;  // registered descriptor table indices not in use
  uint64_t tick_ns = 0;
  uint64_t buffer_release_ns = 0;  // 0: never
  ProvidedBufferRing buffers;
  SocketTable sockets;
  std::vector<ListenerState> listeners;
  std::vector<SocketId> recv_rearms;
  int wake_fd = -1;
  uint64_t wake_value = 0;
  bool wake_armed = false;
  bool wake_pending = false;
  std::atomic<bool> stop_requested{false};
  uint64_t now = 0;
  uint64_t next_tick = 0;
  uint64_t buffers_filled = 0;  // receive buffers the kernel filled, ever
  uint64_t filled_at_last_release = 0;
  uint64_t next_buffer_release = 0;
  ReactorHandler* handler = nullptr;
  ReactorStats stats;

  ~Impl();
  bool init(const ReactorOptions& opts, std::string* error);
  bool setup_ring(std::string* error);

  io_uring_sqe* next_sqe();
  io_uring_sqe* tagged_sqe(OpKind op, uint32_t slot, uint32_t gen);

  // Arming operations.
  void arm_accept(uint32_t index);
  void arm_recv(uint32_t slot, SocketSlot& s);
  void target(io_uring_sqe* sqe, const SocketSlot& s);
  void register_file(SocketSlot& s);
  void release_file_index(SocketSlot& s);
  void arm_wake_read();
  void start_send(SocketId id, const char* data, msghdr* msg, size_t size);
  void submit_send_chunk(uint32_t slot, SocketSlot& s);
  void queue_recv_rearm(SocketId id, SocketSlot& s);
  void cancel_all(uint32_t slot, SocketSlot& s);
  void maybe_finish_close(uint32_t slot, SocketSlot& s);
  void flush_rearms();

  // Completions.
  void drain_completions();
  void dispatch(const io_uring_cqe& cqe);
  void on_accept_cqe(uint32_t index, const io_uring_cqe& cqe);
  void on_recv_cqe(CompletionTag tag, const io_uring_cqe& cqe);
  void on_send_cqe(CompletionTag tag, int res);
  void on_control_cqe(CompletionTag tag);
  void on_close_cqe(CompletionTag tag, int res);
  void on_detach_cqe(CompletionTag tag, int res);
  void finish_listener_close(ListenerState& l);

  // The loop.
  void run(ReactorHandler& h);
  void fire_tick();
  void release_buffer_memory();
  bool completions_ready();
  bool poll_idle();
  void wait_for_work(bool found_work);
};

Reactor::Impl::~Impl() {
  if (!ring_open) return;
  sockets.for_each_open([](SocketSlot& s) {
    if (s.fd >= 0 && !s.close_submitted) ::close(s.fd);
  });
  io_uring_queue_exit(&ring);  // before `buffers` unmaps the memory the kernel writes into
  if (wake_fd >= 0) ::close(wake_fd);
}

// SINGLE_ISSUER binds the ring to the task that enables it: such a ring is created disabled
// so that init() may run on another thread than run(). DEFER_TASKRUN (6.1) runs completion
// work only when we enter the kernel; without it, COOP_TASKRUN (5.19) at least spares us
// the interrupts. The probe found which the kernel takes.
bool Reactor::Impl::setup_ring(std::string* error) {
  unsigned flags = IORING_SETUP_TASKRUN_FLAG;
  if (features.single_issuer) flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED;
  flags |= features.defer_taskrun && features.single_issuer ? IORING_SETUP_DEFER_TASKRUN
                                                             : IORING_SETUP_COOP_TASKRUN;
  if (!features.single_issuer) features.defer_taskrun = false;
  io_uring_params params{};
  params.flags = flags | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
  params.cq_entries = options.ring_entries * 4;  // multishot ops post many CQEs per SQE
  int rc = io_uring_queue_init_params(options.ring_entries, &ring, &params);
  if (rc != 0) {
    *error = std::string("io_uring_queue_init: ") + strerror(-rc);
    return false;
  }
  needs_enable = flags & IORING_SETUP_R_DISABLED;
  taskrun_flag = true;
  ring_open = true;
  return true;
}

bool Reactor::Impl::init(const ReactorOptions& opts, std::string* error) {
  options = opts;
  if (!probe_io_uring(error)) return false;
  features = opts.features & uring_support().features;
  tick_ns = uint64_t(std::chrono::nanoseconds(opts.tick).count());
  if (tick_ns == 0) tick_ns = 1'000'000;
  buffer_release_ns = uint64_t(std::chrono::nanoseconds(opts.buffer_release_every).count());
  if (!setup_ring(error)) return false;
  if (!buffers.init(&ring, opts.buffer_count, std::min(opts.initial_buffers, opts.buffer_count), opts.buffer_size,
                    kBufferGroup, error))
    return false;
  stats.recv_buffers = buffers.in_circulation();
  if (features.registered_files && opts.registered_files > 0) {
    int rc = io_uring_register_files_sparse(&ring, opts.registered_files);
    if (rc < 0) {
      *error = std::string("io_uring_register_files_sparse: ") + strerror(-rc);
      rlimit files{};
      if (rc == -EMFILE && getrlimit(RLIMIT_NOFILE, &files) == 0)
        *error += ": a table of " + std::to_string(opts.registered_files) +
                  " descriptors is more than the open-files limit (" + std::to_string(files.rlim_cur) +
                  ") allows";
      return false;
    }
    for (unsigned i = opts.registered_files; i-- > 0;) free_files.push_back(i);  // lowest first
  } else {
    features.registered_files = false;
  }
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    *error = std::string("eventfd: ") + strerror(errno);
    return false;
  }
  arm_wake_read();
  now = monotonic_ns();
  return true;
}

io_uring_sqe* Reactor::Impl::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (sqe == nullptr) {
    // The SQ is full this turn: push it out early rather than drop an operation.
    if (!needs_enable) io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
    if (sqe == nullptr) {
      ZATS_FATAL("reactor: submission queue full (ring_entries=%u)", options.ring_entries);
      abort();
    }
  }
  return sqe;
}

io_uring_sqe* Reactor::Impl::tagged_sqe(OpKind op, uint32_t slot, uint32_t gen) {
  io_uring_sqe* sqe = next_sqe();
  io_uring_sqe_set_data64(sqe, CompletionTag{op, slot, gen}.pack());
  return sqe;
}

void Reactor::Impl::arm_accept(uint32_t index) {
  ListenerState& l = listeners[index];
  io_uring_sqe* sqe = tagged_sqe(OpKind::Accept, index, 0);
  io_uring_prep_multishot_accept(sqe, l.fd, nullptr, nullptr, SOCK_CLOEXEC);
  l.armed = true;
}

// Multishot (6.0) posts a completion per arrival until it ends; the single-shot receive of
// the 5.19 tier ends after one, and on_recv_cqe re-arms it like an ended multishot.
void Reactor::Impl::arm_recv(uint32_t slot, SocketSlot& s) {
  io_uring_sqe* sqe = tagged_sqe(OpKind::Recv, slot, s.gen);
  if (features.multishot_recv) {
    io_uring_prep_recv_multishot(sqe, s.fd, nullptr, 0, 0);
  } else {
    io_uring_prep_recv(sqe, s.fd, nullptr, buffers.buffer_size(), 0);
  }
  target(sqe, s);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers.group();
  s.recv_armed = true;
  ++s.inflight;
}

// A socket with a registered descriptor is named by its table index (IOSQE_FIXED_FILE): the
// kernel skips the descriptor lookup and its reference count on every operation.
void Reactor::Impl::target(io_uring_sqe* sqe, const SocketSlot& s) {
  if (s.file_index < 0) return;
  sqe->fd = s.file_index;
  sqe->flags |= IOSQE_FIXED_FILE;
}

// A free table index if there is one; with the table full (or the update failing) the plain
// descriptor serves: a fallback, not a failure. Once the table holds the socket, the plain
// descriptor is closed: the table's reference keeps the socket open, and a registered
// connection then counts against neither the process's open-files limit nor its table.
void Reactor::Impl::register_file(SocketSlot& s) {
  if (free_files.empty()) return;
  const uint32_t index = free_files.back();
  int fd = s.fd;
  int rc = io_uring_register_files_update(&ring, index, &fd, 1);
  if (rc != 1) {
    ZATS_DEBUG("reactor: registering a descriptor at %u: %s", index, rc < 0 ? strerror(-rc) : "not taken");
    return;
  }
  free_files.pop_back();
  s.file_index = static_cast<int>(index);
  ::close(s.fd);
  s.fd = -1;
  ++stats.registered_sockets;
}

// After the close of a registered socket completed: its table entry is free again.
void Reactor::Impl::release_file_index(SocketSlot& s) {
  if (s.file_index < 0) return;
  free_files.push_back(static_cast<uint32_t>(s.file_index));
  s.file_index = -1;
  --stats.registered_sockets;
}

void Reactor::Impl::arm_wake_read() {
  io_uring_sqe* sqe = tagged_sqe(OpKind::WakeRead, 0, 0);
  io_uring_prep_read(sqe, wake_fd, &wake_value, sizeof wake_value, 0);
  wake_armed = true;
}

void Reactor::Impl::submit_send_chunk(uint32_t slot, SocketSlot& s) {
  if (s.send_msg != nullptr) {
    io_uring_sqe* sqe = tagged_sqe(OpKind::Send, slot, s.gen);
    io_uring_prep_sendmsg(sqe, s.fd, s.send_msg, MSG_NOSIGNAL);
    target(sqe, s);
    ++s.inflight;
    return;
  }
  size_t left = s.send_size - s.send_done;
  if (left > kMaxSendChunk) left = kMaxSendChunk;
  io_uring_sqe* sqe = tagged_sqe(OpKind::Send, slot, s.gen);
  io_uring_prep_send(sqe, s.fd, s.send_data + s.send_done, left, MSG_NOSIGNAL);
  target(sqe, s);
  ++s.inflight;
}

void Reactor::Impl::queue_recv_rearm(SocketId id, SocketSlot& s) {
  if (s.rearm_queued) return;
  s.rearm_queued = true;
  recv_rearms.push_back(id);
}

// Cancels the socket's receive and send by their tags: cancelling by descriptor would need
// IORING_ASYNC_CANCEL_FD_FIXED (6.0) for a registered one.
void Reactor::Impl::cancel_all(uint32_t slot, SocketSlot& s) {
  for (OpKind op : {OpKind::Recv, OpKind::Send}) {
    if (op == OpKind::Recv ? !s.recv_armed : !s.send_busy) continue;
    io_uring_sqe* sqe = tagged_sqe(OpKind::Cancel, slot, s.gen);
    io_uring_prep_cancel64(sqe, CompletionTag{op, slot, s.gen}.pack(), 0);
    ++s.inflight;
  }
}

// The fd is closed only when nothing tagged with the slot is in flight any more, so the
// kernel never sees a request on a recycled fd number.
// A registered socket is closed by its table entry (which the kernel clears); the entry is
// handed out again only once that close completed.
void Reactor::Impl::maybe_finish_close(uint32_t slot, SocketSlot& s) {
  if (!s.closing || s.detaching || s.close_submitted || s.inflight != 0) return;
  io_uring_sqe* sqe = tagged_sqe(OpKind::Close, slot, s.gen);
  if (s.file_index >= 0)
    io_uring_prep_close_direct(sqe, static_cast<unsigned>(s.file_index));
  else
    io_uring_prep_close(sqe, s.fd);
  s.close_submitted = true;
  s.fd = -1;
  ++s.inflight;
}

void Reactor::Impl::flush_rearms() {
  for (SocketId id : recv_rearms) {
    SocketSlot* s = sockets.find(id);
    if (s == nullptr) continue;
    s->rearm_queued = false;
    if (!s->recv_armed && !s->recv_paused && !s->recv_ended && !s->closing) arm_recv(id.slot, *s);
  }
  recv_rearms.clear();
  for (uint32_t i = 0; i < listeners.size(); ++i) {
    ListenerState& l = listeners[i];
    if (l.rearm && !l.armed && !l.dead) arm_accept(i);
    l.rearm = false;
  }
  if (!wake_armed) arm_wake_read();
}

// ---- completions ----------------------------------------------------------------------

// At most kMaxCompletionsPerTurn per turn: the handler's on_turn_end (which flushes what the
// completions produced) must run between bounded batches, or one burst of receives could
// queue far more output than max_pending before anything is sent. What is left is taken by
// the next turn at once (the wait does not block while completions are ready).
void Reactor::Impl::drain_completions() {
  io_uring_cqe* batch[kCqeBatch];
  unsigned handled = 0;
  while (handled < kMaxCompletionsPerTurn) {
    unsigned n = io_uring_peek_batch_cqe(&ring, batch, kCqeBatch);
    if (n == 0) return;
    for (unsigned i = 0; i < n; ++i) dispatch(*batch[i]);
    io_uring_cq_advance(&ring, n);
    handled += n;
  }
}

void Reactor::Impl::dispatch(const io_uring_cqe& cqe) {
  if (cqe.user_data == LIBURING_UDATA_TIMEOUT) return;
  CompletionTag tag = CompletionTag::unpack(cqe.user_data);
  switch (tag.op) {
    case OpKind::Accept: on_accept_cqe(tag.slot, cqe); break;
    case OpKind::Recv: on_recv_cqe(tag, cqe); break;
    case OpKind::Send: on_send_cqe(tag, cqe.res); break;
    case OpKind::Cancel:
    case OpKind::Shutdown: on_control_cqe(tag); break;
    case OpKind::Close: on_close_cqe(tag, cqe.res); break;
    case OpKind::Detach: on_detach_cqe(tag, cqe.res); break;
    case OpKind::WakeRead:
      wake_armed = false;
      if (cqe.res > 0) wake_pending = true;
      break;
    case OpKind::RingMessage: wake_pending = true; break;
    case OpKind::RingMessageSent:
      ZATS_DEBUG("reactor: MSG_RING failed: %s", strerror(-cqe.res));
      break;
    case OpKind::None: break;
  }
}

void Reactor::Impl::on_accept_cqe(uint32_t index, const io_uring_cqe& cqe) {
  if (index >= listeners.size()) return;
  int listen_fd = listeners[index].fd;
  if (cqe.res >= 0) handler->on_accept(listen_fd, cqe.res);
  if (cqe.flags & IORING_CQE_F_MORE) return;
  ListenerState& l = listeners[index];  // on_accept may have called accept() and grown the list
  l.armed = false;
  if (l.closing) return finish_listener_close(l);
  int err = cqe.res < 0 ? -cqe.res : 0;
  if (is_fd_exhaustion(err)) {
    ++stats.accept_fd_exhausted;
    l.retry_on_tick = true;  // a retry now would fail again: never spin on EMFILE
  } else if (err == EBADF || err == EINVAL || err == ENOTSOCK || err == ECANCELED) {
    ZATS_DEBUG("reactor: listener %d stops accepting: %s", listen_fd, strerror(err));
    l.dead = true;
  } else {
    l.rearm = true;
  }
}

// No accept is in flight any more: the close frees the port at once.
void Reactor::Impl::finish_listener_close(ListenerState& l) {
  if (l.fd >= 0) ::close(l.fd);
  l.fd = -1;
  l.dead = true;
  l.rearm = l.retry_on_tick = false;
  std::function<void()> closed = std::move(l.on_closed);
  l.on_closed = nullptr;
  if (closed) closed();
}

void Reactor::Impl::on_recv_cqe(CompletionTag tag, const io_uring_cqe& cqe) {
  const bool has_buffer = cqe.flags & IORING_CQE_F_BUFFER;
  const uint16_t bid = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
  const bool more = cqe.flags & IORING_CQE_F_MORE;
  const SocketId id{tag.slot, tag.gen};
  SocketSlot* s = sockets.find(id);
  if (s != nullptr && cqe.res > 0 && has_buffer && !s->closing) {
    handler->on_recv(id, buffers.data(bid), size_t(cqe.res));
    s = sockets.find(id);  // the handler may have added sockets (the table may have moved)
  }
  if (has_buffer) {
    buffers.give_back(bid);  // also for stale and cancelled completions
    ++buffers_filled;
  }
  if (s == nullptr) {
    ++stats.stale_completions;
    return;
  }
  if (more) return;

  s->recv_armed = false;
  --s->inflight;
  if (s->closing) return maybe_finish_close(tag.slot, *s);
  const int res = cqe.res;
  if (res > 0 || res == -ENOBUFS || res == -ECANCELED) {
    // The receive ended with the socket still open (single-shot receives always do; a
    // multishot when out of buffers, by our own cancel from pause_recv, or by the kernel's
    // choice): the bytes wait in the socket until re-armed after this turn, when every buffer
    // delivered in it has gone back to the ring.
    if (res == -ENOBUFS) {
      ++stats.recv_out_of_buffers;
      if (buffers.grow()) stats.recv_buffers = buffers.in_circulation();
    }
    if (!s->recv_paused) queue_recv_rearm(id, *s);
    return;
  }
  s->recv_ended = true;
  handler->on_recv_closed(id, res);
}

void Reactor::Impl::on_send_cqe(CompletionTag tag, int res) {
  SocketSlot* s = sockets.find(tag.slot, tag.gen);
  if (s == nullptr) {
    ++stats.stale_completions;
    return;
  }
  --s->inflight;
  if (s->closing) {
    s->send_busy = false;
    return maybe_finish_close(tag.slot, *s);
  }
  if (res > 0) {
    s->send_done += size_t(res);
    if (s->send_done < s->send_size) {  // short send
      if (s->send_msg != nullptr) skip_sent(*s->send_msg, size_t(res));
      return submit_send_chunk(tag.slot, *s);
    }
  } else if (res == 0 && s->send_done < s->send_size) {
    res = -EPIPE;  // nothing written for a non-empty buffer: do not retry forever
  }
  s->send_busy = false;
  handler->on_send_done(SocketId{tag.slot, tag.gen}, res < 0 ? res : int(s->send_done));
}

void Reactor::Impl::on_control_cqe(CompletionTag tag) {
  SocketSlot* s = sockets.find(tag.slot, tag.gen);
  if (s == nullptr) {
    ++stats.stale_completions;
    return;
  }
  --s->inflight;
  maybe_finish_close(tag.slot, *s);
}

void Reactor::Impl::on_close_cqe(CompletionTag tag, int res) {
  SocketSlot* s = sockets.find(tag.slot, tag.gen);
  if (s == nullptr) {
    ++stats.stale_completions;
    return;
  }
  if (res < 0) ZATS_DEBUG("reactor: close: %s", strerror(-res));
  release_file_index(*s);
  const bool detached = s->detaching;
  const int fd = s->fd;  // detaching: the plain descriptor the table entry was installed as
  sockets.release(tag.slot);
  if (detached) return handler->on_detached(SocketId{tag.slot, tag.gen}, fd);
  handler->on_closed(SocketId{tag.slot, tag.gen});
}

// A registered socket now has a plain descriptor too (res), and its table entry is closed; a
// plain one (a NOP went round, so on_detached never runs inside detach()) is done at once.
void Reactor::Impl::on_detach_cqe(CompletionTag tag, int res) {
  SocketSlot* s = sockets.find(tag.slot, tag.gen);
  if (s == nullptr) {
    ++stats.stale_completions;
    return;
  }
  --s->inflight;
  if (s->file_index < 0) {
    const int fd = s->fd;
    sockets.release(tag.slot);
    return handler->on_detached(SocketId{tag.slot, tag.gen}, fd);
  }
  if (!features.fixed_fd_install) res = -EOPNOTSUPP;  // detach() was asked for what it cannot do
  if (res < 0) ZATS_WARN("reactor: making a registered socket plain: %s", strerror(-res));
  s->fd = res < 0 ? -1 : res;
  io_uring_sqe* sqe = tagged_sqe(OpKind::Close, tag.slot, tag.gen);
  io_uring_prep_close_direct(sqe, static_cast<unsigned>(s->file_index));
  s->close_submitted = true;
  ++s->inflight;
}

// ---- the loop -------------------------------------------------------------------------

void Reactor::Impl::fire_tick() {
  next_tick += tick_ns;
  if (next_tick <= now) next_tick = now + tick_ns;  // fell behind: skip, don't burst
  for (ListenerState& l : listeners) {
    if (l.retry_on_tick) {
      l.retry_on_tick = false;
      l.rearm = true;
    }
  }
  release_buffer_memory();
  handler->on_tick(now);
}

// A burst grows the receive ring (up to buffer_count) and leaves every buffer in it resident; once
// the ring is lightly used (it did not go round once since the last look) their pages go back
// to the system, and only the receives that come fault pages in again. That is safe only
// where no buffer can be filled and unreported while we drop it: with DEFER_TASKRUN the kernel
// fills buffers only inside our own io_uring_enter and posts each completion with it, so an
// empty completion queue (no overflow either) means every filled buffer was handed back. The
// 5.19 tier runs completion work on any return to user space: it keeps its buffers resident.
void Reactor::Impl::release_buffer_memory() {
  if (!features.defer_taskrun || buffer_release_ns == 0 || now < next_buffer_release) return;
  next_buffer_release = now + buffer_release_ns;
  const uint64_t filled = buffers_filled - filled_at_last_release;
  filled_at_last_release = buffers_filled;
  if (filled >= buffers.in_circulation()) return;
  if (io_uring_cq_ready(&ring) > 0 || (IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW)) return;
  buffers.release_memory();
  ++stats.recv_buffer_releases;
}

bool Reactor::Impl::completions_ready() {
  if (io_uring_cq_ready(&ring) > 0) return true;
  return taskrun_flag && (IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_TASKRUN);
}

// Spins for up to idle_poll before sleeping; true when work showed up. Our sends go out
// first, so the peer's answer can arrive while we spin.
bool Reactor::Impl::poll_idle() {
  constexpr unsigned kMissesBeforeBackoff = 8;
  constexpr unsigned kBackoffEvery = 16;
  const uint64_t budget = handler->idle_poll_budget_ns(uint64_t(options.idle_poll.count()) * 1000u);
  if (budget == 0) return false;
  if (poll_misses >= kMissesBeforeBackoff && ++poll_skips % kBackoffEvery != 0) return false;
  if (io_uring_sq_ready(&ring) > 0) io_uring_submit(&ring);
  ++stats.idle_polls;
  const uint64_t until = monotonic_ns() + budget;
  do {
    if (completions_ready() || handler->on_idle_poll() || stop_requested.load(std::memory_order_relaxed)) {
      ++stats.idle_poll_hits;
      poll_misses = 0;
      return true;
    }
    for (int i = 0; i < 32; ++i) cpu_relax();
  } while (monotonic_ns() < until);
  ++poll_misses;
  return false;
}

void Reactor::Impl::wait_for_work(bool found_work) {
  const uint64_t t = monotonic_ns();
  const uint64_t wait_ns = next_tick > t ? next_tick - t : 0;
  __kernel_timespec ts{int64_t(wait_ns / 1'000'000'000u), int64_t(wait_ns % 1'000'000'000u)};
  io_uring_cqe* cqe = nullptr;
  // found_work without completions (the handler's own queues): submit, don't sleep.
  unsigned wait_nr = found_work && io_uring_cq_ready(&ring) == 0 && !completions_ready() ? 0 : 1;
  bool sleeping = wait_nr == 1 && handler->on_before_sleep();
  if (wait_nr == 1 && !sleeping) wait_nr = 0;
  int rc = io_uring_submit_and_wait_timeout(&ring, &cqe, wait_nr, &ts, nullptr);
  if (wait_nr == 1) stats.sleep_ns += monotonic_ns() - t;
  if (sleeping) handler->on_after_sleep();
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
    ZATS_ERROR("reactor: io_uring_submit_and_wait_timeout: %s", strerror(-rc));
}

void Reactor::Impl::run(ReactorHandler& h) {
  if (needs_enable) {
    // liburing 2.3 declares io_uring_enable_rings but does not export it: the raw call.
    long rc = syscall(__NR_io_uring_register, ring.ring_fd, IORING_REGISTER_ENABLE_RINGS,
                      nullptr, 0);
    if (rc < 0) {
      ZATS_FATAL("reactor: IORING_REGISTER_ENABLE_RINGS: %s", strerror(errno));
      return;
    }
    needs_enable = false;
  }
  handler = &h;
  now = monotonic_ns();
  next_tick = now + tick_ns;
  const uint64_t started = now;
  while (!stop_requested.load(std::memory_order_acquire)) {
    ++stats.turns;
    now = monotonic_ns();  // fresh for the completions: the wait may have slept a whole tick
    stats.run_ns = now - started;
    drain_completions();
    now = monotonic_ns();
    if (now >= next_tick) fire_tick();
    if (wake_pending) {
      wake_pending = false;
      h.on_wake();
    }
    h.on_turn_end();
    flush_rearms();
    bool found_work = false;
    if (options.idle_poll.count() > 0 && !completions_ready()) found_work = poll_idle();
    wait_for_work(found_work);
  }
  stop_requested.store(false, std::memory_order_relaxed);
  handler = nullptr;
}

// ---- Reactor ----------------------------------------------------------------------------

Reactor::Reactor() : impl_(std::make_unique<Impl>()) {}
Reactor::~Reactor() = default;

bool Reactor::probe(std::string* why) { return probe_io_uring(why); }

bool Reactor::init(const ReactorOptions& options, std::string* error) {
  return impl_->init(options, error);
}

void Reactor::accept(int listen_fd) {
  impl_->listeners.push_back(ListenerState{listen_fd});
  impl_->listeners.back().rearm = true;
}

void Reactor::close_listener(int listen_fd, std::function<void()> closed) {
  for (ListenerState& l : impl_->listeners) {
    if (l.fd != listen_fd || l.closing) continue;
    l.closing = true;
    l.on_closed = std::move(closed);
    if (!l.armed) return impl_->finish_listener_close(l);
    // Its final accept completion (-ECANCELED) finishes the close; the cancel's own result
    // carries no information.
    io_uring_sqe* sqe = impl_->tagged_sqe(OpKind::None, 0, 0);
    io_uring_prep_cancel_fd(sqe, listen_fd, IORING_ASYNC_CANCEL_ALL);
    return;
  }
  ::close(listen_fd);  // never handed to accept()
  if (closed) closed();
}

SocketId Reactor::add_socket(int fd) {
  SocketId id = impl_->sockets.acquire(fd);
  if (!id.valid()) {
    ZATS_ERROR("reactor: socket table full, closing fd %d", fd);
    ::close(fd);
    return id;
  }
  SocketSlot& s = *impl_->sockets.find(id);
  impl_->register_file(s);
  impl_->queue_recv_rearm(id, s);
  return id;
}

void Reactor::send(SocketId id, const char* data, size_t size) { impl_->start_send(id, data, nullptr, size); }

void Reactor::send_message(SocketId id, msghdr* msg, size_t size) { impl_->start_send(id, nullptr, msg, size); }

// One of data (a plain send) or msg (a gathered one).
void Reactor::Impl::start_send(SocketId id, const char* data, msghdr* msg, size_t size) {
  SocketSlot* s = sockets.find(id);
  if (s == nullptr || s->closing) return;
  assert(!s->send_busy && "Reactor: one send per socket at a time");
  if (s->send_busy) {
    ZATS_ERROR("reactor: send while a send is in flight (slot %u); ignored", id.slot);
    return;
  }
  s->send_busy = true;
  s->send_data = data;
  s->send_msg = msg;
  s->send_size = size;
  s->send_done = 0;
  submit_send_chunk(id.slot, *s);
}

void Reactor::pause_recv(SocketId id) {
  SocketSlot* s = impl_->sockets.find(id);
  if (s == nullptr || s->closing || s->recv_paused) return;
  s->recv_paused = true;
  if (!s->recv_armed) return;
  io_uring_sqe* sqe = impl_->tagged_sqe(OpKind::Cancel, id.slot, id.gen);
  io_uring_prep_cancel64(sqe, CompletionTag{OpKind::Recv, id.slot, id.gen}.pack(), 0);
  ++s->inflight;
}

void Reactor::resume_recv(SocketId id) {
  SocketSlot* s = impl_->sockets.find(id);
  if (s == nullptr || s->closing || !s->recv_paused) return;
  s->recv_paused = false;
  // Still armed when the cancel has not landed yet: its -ECANCELED completion re-arms.
  if (!s->recv_armed) impl_->queue_recv_rearm(id, *s);
}

// Its result is not needed: a peer already gone makes it fail (ENOTCONN), and the close follows
// anyway. It counts as in flight, so the descriptor is not closed under it.
void Reactor::shutdown_write(SocketId id) {
  SocketSlot* s = impl_->sockets.find(id);
  if (s == nullptr || s->closing) return;
  assert(!s->send_busy && "Reactor::shutdown_write: not with a send in flight");
  io_uring_sqe* sqe = impl_->tagged_sqe(OpKind::Shutdown, id.slot, id.gen);
  io_uring_prep_shutdown(sqe, s->fd, SHUT_WR);
  impl_->target(sqe, *s);
  ++s->inflight;
}

void Reactor::close(SocketId id) {
  SocketSlot* s = impl_->sockets.find(id);
  if (s == nullptr || s->closing) return;
  s->closing = true;
  if (s->recv_armed || s->send_busy) impl_->cancel_all(id.slot, *s);
  impl_->maybe_finish_close(id.slot, *s);
}

bool Reactor::is_open(SocketId id) const { return impl_->sockets.find(id) != nullptr; }

bool Reactor::quiet(SocketId id) const {
  const SocketSlot* s = impl_->sockets.find(id);
  return s != nullptr && !s->recv_armed && !s->send_busy;
}

bool Reactor::receiving(SocketId id) const {
  const SocketSlot* s = impl_->sockets.find(id);
  return s != nullptr && s->recv_armed;
}

bool Reactor::detachable(SocketId id) const {
  const SocketSlot* s = impl_->sockets.find(id);
  return s != nullptr && (s->file_index < 0 || impl_->features.fixed_fd_install);
}

void Reactor::detach(SocketId id) {
  SocketSlot* s = impl_->sockets.find(id);
  if (s == nullptr || s->closing) return;
  assert(quiet(id) && detachable(id) && "Reactor::detach: only a quiet, detachable socket");
  s->closing = true;  // no re-arm, no handler calls for it from now on
  s->detaching = true;
  io_uring_sqe* sqe = impl_->tagged_sqe(OpKind::Detach, id.slot, id.gen);
  if (s->file_index >= 0 && impl_->features.fixed_fd_install) {
    io_uring_prep_rw(kOpFixedFdInstall, sqe, s->file_index, nullptr, 0, 0);
    sqe->flags |= IOSQE_FIXED_FILE;  // the kernel wants the table index; the new fd is CLOEXEC
  } else {
    io_uring_prep_nop(sqe);
  }
  ++s->inflight;
}

size_t Reactor::send_remaining(SocketId id) const {
  const SocketSlot* s = impl_->sockets.find(id);
  return s == nullptr || !s->send_busy ? 0 : s->send_size - s->send_done;
}

void Reactor::run(ReactorHandler& handler) { impl_->run(handler); }

void Reactor::stop() {
  impl_->stop_requested.store(true, std::memory_order_release);
  notify();
}

void Reactor::notify() {
  uint64_t one = 1;
  (void)!::write(impl_->wake_fd, &one, sizeof one);  // EAGAIN only when already saturated
}

uint64_t Reactor::now_ns() const { return impl_->now; }

size_t Reactor::recv_buffer_resident_bytes() const { return impl_->buffers.resident_bytes(); }

const ReactorStats& Reactor::stats() const { return impl_->stats; }

const UringFeatures& Reactor::features() const { return impl_->features; }

int Reactor::ring_fd() const { return impl_->ring.ring_fd; }

void Reactor::wake_ring(int target_ring_fd, uint32_t data) {
  io_uring_sqe* sqe = impl_->tagged_sqe(OpKind::RingMessageSent, 0, 0);
  io_uring_prep_msg_ring(sqe, target_ring_fd, 0, CompletionTag{OpKind::RingMessage, 0, data}.pack(),
                         0);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

}  // namespace zats::core
