#include "server/connection.h"

#include <algorithm>
#include <cstring>

#include "core/heap_release.h"
#include "core/listener.h"
#include "core/log.h"
#include "proto/encode.h"
#include "server/config/duration.h"
#include "server/protocol_trace.h"
#include "server/worker.h"

namespace zats::server {
namespace {

constexpr uint64_t kRttRefreshNs = 3600'000'000'000;  // a PING at least hourly, to refresh the RTT
constexpr uint64_t kIdleBufferNs = 1'000'000'000;       // nothing sent for this long: quiet
constexpr size_t kIdleBufferKeep = 64 * 1024;           // what a quiet connection's buffer may keep
constexpr size_t kSealEarlyBytes = 64 * 1024;           // TLS: plaintext sealed while still in cache
constexpr size_t kMaxIov = 1024;                        // IOV_MAX: iovecs per gathered send
constexpr uint64_t kLingerNs = 2'000'000'000;           // longest wait for the peer to close

uint64_t to_ns(Nanos d) { return static_cast<uint64_t>(d.count()); }

}  // namespace

Connection::Connection(Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port, Kind kind,
                       LogNames names)
    : worker_(&worker),
      socket_(socket),
      cid_(cid),
      ip_(std::move(ip)),
      port_(port),
      address_(core::join_host_port(ip_, port)),
      kind_(kind),
      names_(names) {
  last_activity_ns_ = worker.now_ns();
  accepted_ns_ = last_activity_ns_;
  start_wall_ns_ = worker.wall_ns(last_activity_ns_);
}

// A connection cut in the middle of a burst (a slow consumer) may hold megabytes of output.
Connection::~Connection() { release_large_buffers(); }

uint64_t Connection::now_ns() const { return worker_->now_ns(); }

size_t Connection::pending_bytes() const {
  size_t sealed = tls_ != nullptr ? tls_->output().size() : 0;
  return out_.size() + spliced_bytes_ + sealed +
         (sending_ ? later_bytes_ + worker_->reactor().send_remaining(socket_) : 0);
}

void Connection::splice(const SharedMessageRef& owner) {
  const std::string_view bytes = owner->payload();
  splices_.push_back(Splice{out_.size(), bytes, owner.share()});
  spliced_bytes_ += bytes.size();
}

void Connection::drop_output() {
  out_.clear();
  splices_.clear();
  spliced_bytes_ = 0;
}

void Connection::queue(std::string_view bytes) {
  out_.append(bytes);
  mark_dirty();
}

void Connection::send_err(std::string_view text) {
  if (core::trace_enabled()) [[unlikely]] trace_out(log_origin(), "-ERR", text);
  proto::append_err(out_, text);
  mark_dirty();
}

void Connection::mark_dirty() {
  if (dirty_ || moving_) return;
  dirty_ = true;
  worker_->mark_dirty(this);
}

bool Connection::room_for(size_t frame, size_t& pending, size_t spliced) {
  pending = pending_bytes();  // one read per message: it asks the reactor
  const size_t behind = pending - std::min(pending, turn_added_);
  if (behind + frame <= static_cast<size_t>(worker_->options().max_pending)) {
    const size_t written = frame - spliced;
    if (out_.size() + written > out_.capacity()) [[unlikely]] grow_output(written);
    return true;
  }
  ZATS_LOG_FROM(Notice, log_origin(), "Slow Consumer Detected: MaxPending of %ld Exceeded",
                static_cast<long>(worker_->options().max_pending));
  worker_->stats().slow_consumers++;
  close(CloseReason::SlowConsumerPendingBytes);
  return false;
}

// Past kIdleBufferKeep the output grows here rather than inside an append, so that the block it
// outgrows drops its pages as it goes (core::release_buffer): mimalloc would keep them resident
// on a worker that goes quiet after the burst (core/heap_release.h).
void Connection::grow_output(size_t frame) {
  if (out_.capacity() < kIdleBufferKeep) return;  // std::string's own growth
  std::string bigger;
  bigger.reserve(std::max(out_.size() + frame, 2 * out_.capacity()));
  bigger.append(out_);
  core::release_buffer(out_);
  out_.swap(bigger);
}

void Connection::count_delivery(size_t pending, size_t added, size_t payload_bytes) {
  turn_added_ += added;
  count_sent(payload_bytes);
  note_congestion(pending + added);
  if (tls_ != nullptr && out_.size() >= kSealEarlyBytes) seal_early();
}

void Connection::count_sent(size_t payload_bytes) {
  stats_.out_msgs++;
  stats_.out_bytes += payload_bytes;
  WorkerStats& ws = worker_->stats();
  ws.out_msgs++;
  ws.out_bytes += payload_bytes;
  last_activity_ns_ = now_ns();
  mark_dirty();
}

// Over half of max_pending starts a congestion episode (publishers are briefly held back);
// under a quarter ends it.
void Connection::note_congestion(size_t pending) {
  const size_t limit = static_cast<size_t>(worker_->options().max_pending);
  if (congested_since_ns_ == 0 && pending > limit / 2) {
    congested_since_ns_ = now_ns();
    worker_->consumer_congested(*this);
  } else if (congested_since_ns_ != 0 && pending < limit / 4) {
    congested_since_ns_ = 0;
    worker_->consumer_relieved(*this);
  }
}

void Connection::flush() {
  dirty_ = false;
  turn_added_ = 0;
  if (state_ == State::Closed || sending_ || moving_) return;
  if (tls_ != nullptr) seal_outbound();
  std::string& pending = outbound();
  if (pending.empty() && splices_.empty()) {
    if (state_ == State::Draining) linger_ && worker_->take_linger_place() ? linger() : finish_close();
    return;
  }
  inflight_.swap(pending);
  pending.clear();
  sending_ = true;
  send_started_ns_ = now_ns();
  if (splices_.empty()) return worker_->reactor().send(socket_, inflight_.data(), inflight_.size());
  inflight_splices_.swap(splices_);
  spliced_bytes_ = 0;
  batch_ = GatherBatch{};
  later_bytes_ = inflight_.size();
  for (const Splice& s : inflight_splices_) later_bytes_ += s.bytes.size();
  send_batch();
}

// inflight_'s bytes with each splice's bytes in its place, as many as kMaxIov iovecs take.
bool Connection::send_batch() {
  const size_t size = batch_.next(inflight_, std::span<const Splice>(inflight_splices_), iov_, kMaxIov);
  if (size == 0) return false;
  later_bytes_ -= size;
  msg_ = msghdr{};
  msg_.msg_iov = iov_.data();
  msg_.msg_iovlen = iov_.size();
  worker_->reactor().send_message(socket_, &msg_, size);
  return true;
}

void Connection::on_send_done(int res) {
  if (res >= 0 && state_ != State::Closed && !inflight_splices_.empty() && send_batch()) return;
  sending_ = false;
  inflight_.clear();
  inflight_splices_.clear();
  later_bytes_ = 0;
  if (state_ == State::Closed) return;
  if (res < 0) {
    // Nothing more can be written: stop reading and close.
    if (close_reason_ == CloseReason::None) close_reason_ = CloseReason::WriteError;
    state_ = State::Draining;
    release();
    drop_output();
    finish_close();
    return;
  }
  if (!out_.empty() || !splices_.empty() || !outbound().empty() || state_ == State::Draining) mark_dirty();
  if (congested_since_ns_ != 0) note_congestion(pending_bytes());
}

void Connection::release_idle_buffers(uint64_t now_ns) {
  if (sending_ || !out_.empty() || !splices_.empty() || !outbound().empty() || now_ns - send_started_ns_ < kIdleBufferNs)
    return;
  release_large_buffers();
}

// Over TLS the sealed records are a third buffer, swapped with inflight_ as plaintext is with it
// without TLS: after a burst any of the three may hold its size.
void Connection::release_large_buffers() {
  for (std::string* buffer : {&out_, &inflight_, tls_ != nullptr ? &tls_->output() : nullptr})
    if (buffer != nullptr && buffer->capacity() > kIdleBufferKeep) core::release_buffer(*buffer);
  // A fan-out burst's splice records and iovecs. Only when idle: a connection destroyed with
  // splices queued frees them with itself.
  if (splices_.empty()) splices_.shrink_to_fit();
  if (inflight_splices_.empty()) inflight_splices_.shrink_to_fit();
  iov_.clear();
  iov_.shrink_to_fit();
}

void Connection::check_write_deadline(uint64_t now_ns) {
  if (!sending_ || state_ == State::Closed) return;
  if (now_ns - send_started_ns_ <= to_ns(worker_->options().write_deadline)) return;
  std::string deadline = config::format_go_duration(worker_->options().write_deadline.count());
  ZATS_LOG_FROM(Notice, log_origin(), "Slow Consumer Detected: WriteDeadline of %s exceeded", deadline.c_str());
  worker_->stats().slow_consumers++;
  if (state_ == State::Open) close_reason_ = CloseReason::SlowConsumerWriteDeadline;
  state_ = State::Draining;
  release();
  drop_output();
  finish_close();
}

// The end of the peer's stream (res == 0) may come in the same read as its last PING: it can
// still read, so what is queued for it (that PONG) is flushed before the close, as nats-server
// flushes on "Client Closed". After a read error nothing more is written.
void Connection::on_peer_closed(int res) {
  if (state_ == State::Lingering) return finish_close();
  linger_ = false;  // the peer sends nothing more: nothing is left to read before the close
  // Gone during the handshake: nats-server counts that as a failed handshake.
  if (tls_handshaking()) fail_tls_handshake(res == 0 ? "EOF" : std::strerror(-res));
  if (res == 0) {
    close(CloseReason::ClientClosed);
    return;
  }
  close(CloseReason::ReadError);
  drop_output();
  finish_close();
}

void Connection::close(CloseReason reason, std::string_view err_text) {
  if (state_ != State::Open) return;
  close_reason_ = reason;
  state_ = State::Draining;
  const bool slow = reason == CloseReason::SlowConsumerPendingBytes || reason == CloseReason::SlowConsumerWriteDeadline;
  if (slow) drop_output();  // a slow consumer gets nothing more, not even an -ERR
  linger_ = !slow && !err_text.empty();
  if (!err_text.empty()) {
    if (core::trace_enabled()) [[unlikely]] trace_out(log_origin(), "-ERR", err_text);
    proto::append_err(out_, err_text);
  }
  release();
  if (slow) {
    finish_close();
  } else {
    mark_dirty();  // flush what is queued (e.g. the -ERR), then close
  }
}

void Connection::release() {
  if (released_) return;
  released_ = true;
  on_closing();
  worker_->connection_released(*this);
}

// Closing now, with the peer's bytes unread, would answer them with a reset; the peer's kernel
// or client may then throw away the -ERR it has not read yet (nats.js does when its write
// fails first). After the end of the stream most clients close at once.
void Connection::linger() {
  state_ = State::Lingering;
  worker_->reactor().shutdown_write(socket_);
  if (pause_reasons_ != 0) {
    pause_reasons_ = 0;
    worker_->reactor().resume_recv(socket_);
  }
  schedule_timer(kLingerNs);
}

void Connection::finish_close() {
  if (state_ == State::Closed) return;
  if (state_ == State::Lingering) worker_->give_back_linger_place();
  state_ = State::Closed;
  cancel_timer();
  worker_->reactor().close(socket_);
}

void Connection::pause_input(uint8_t reason) {
  if (pause_reasons_ == 0) worker_->reactor().pause_recv(socket_);
  pause_reasons_ |= reason;
}

void Connection::unpause_input(uint8_t reason) {
  if ((pause_reasons_ & reason) == 0) return;
  pause_reasons_ &= static_cast<uint8_t>(~reason);
  if (pause_reasons_ == 0 && !closing()) worker_->reactor().resume_recv(socket_);
}

void Connection::schedule_timer(uint64_t delay_ns) {
  cancel_timer();
  uint64_t cookie = (static_cast<uint64_t>(socket_.slot) << 32) | socket_.gen;
  timer_due_ns_ = now_ns() + delay_ns;
  timer_ = worker_->timers().schedule(timer_due_ns_, cookie);
}

void Connection::cancel_timer() {
  if (timer_ != 0) worker_->timers().cancel(timer_);
  timer_ = 0;
}

// The monotonic clock is the same on every worker, so the timer's due time carries over.
void Connection::begin_move() {
  moving_ = true;
  if (timer_ == 0) timer_due_ns_ = 0;
  if (timer_ != 0) worker_->timers().cancel(timer_);
  timer_ = 0;
  dirty_ = false;  // the old worker drops it from its dirty list, and no longer adds it
}

void Connection::arrive(Worker& worker, core::SocketId socket) {
  worker_ = &worker;
  socket_ = socket;
  moving_ = false;
  worker_->reactor().pause_recv(socket_);  // pause_reasons_ still holds kPausedForMove
  if (timer_due_ns_ != 0) schedule_timer(timer_due_ns_ > now_ns() ? timer_due_ns_ - now_ns() : 0);
  if (!out_.empty() || !outbound().empty()) mark_dirty();
}

void Connection::note_pong() {
  pings_out_ = 0;
  if (last_ping_sent_ns_ != 0) rtt_ns_ = now_ns() - last_ping_sent_ns_;
}

bool Connection::timer_fired() {
  timer_ = 0;
  if (state_ == State::Lingering) finish_close();
  return state_ == State::Open;
}

void Connection::on_timer(uint64_t now_ns) {
  if (timer_fired()) keep_alive(now_ns);
}

// client.go processPingTimer: skip the PING when there was recent activity; past ping_max
// unanswered PINGs the connection is stale.
void Connection::keep_alive(uint64_t now_ns) {
  const uint64_t interval = to_ns(worker_->options().ping_interval);
  const bool recent = now_ns - last_activity_ns_ < interval || now_ns - last_peer_ping_ns_ < interval;
  const bool need_rtt = last_ping_sent_ns_ == 0 || now_ns - last_ping_sent_ns_ > kRttRefreshNs;
  if (need_rtt || !recent) {
    if (pings_out_ + 1 > worker_->options().ping_max) {
      close(CloseReason::StaleConnection, "Stale Connection");
      return;
    }
    if (core::trace_enabled()) [[unlikely]] trace_out(log_origin(), "PING");
    queue(proto::kPing);
    pings_out_++;
    last_ping_sent_ns_ = now_ns;
  }
  schedule_timer(interval);
}

}  // namespace zats::server
