// Client: connection state machine and the per-role publish/receive logic.
#include "perf/client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "perf/clock.h"

namespace zats::perf {
namespace {

constexpr uint64_t kIdleTickNs = 2'000'000;
constexpr size_t kMaxBuilt = 4 << 20;  // paced publishers stop building past this backlog

io_uring_sqe* get_sqe(io_uring* ring) {
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  while (sqe == nullptr) {  // submission queue full: hand it to the kernel and retry
    io_uring_submit(ring);
    sqe = io_uring_get_sqe(ring);
  }
  return sqe;
}

uint64_t tag(Client* c, Client::Op op) { return reinterpret_cast<uint64_t>(c) | op; }

}  // namespace

const char* role_name(Role r) {
  switch (r) {
    case Role::Publisher: return "pub";
    case Role::Subscriber: return "sub";
    case Role::Requester: return "req";
    case Role::Responder: return "rep";
    case Role::Churner: return "churn";
    case Role::Idle: return "idle";
    case Role::Slow: return "slow";
    case Role::Handshaker: return "tls";
  }
  return "?";
}

Client::Client(ClientPlan plan, RunState& rs, Histogram* hist, Histogram* lag, uint64_t* received)
    : plan_(std::move(plan)), rs_(rs), hist_(hist), lag_(lag), received_(received) {}

bool Client::needs_tick() const {
  switch (plan_.role) {
    case Role::Publisher:
    case Role::Requester:
    case Role::Churner: return true;
    case Role::Subscriber: return plan_.own_duration_ns > 0;
    case Role::Slow: return plan_.read_bps > 0;
    default: return false;
  }
}

bool Client::is_finisher() const {
  return plan_.role == Role::Publisher || plan_.role == Role::Requester ||
         (plan_.role == Role::Subscriber && (plan_.own_msgs > 0 || plan_.own_duration_ns > 0));
}

// Unpaced, unstamped publishing sends slices of the shared frames without copying.
bool Client::is_static() const {
  return plan_.role == Role::Publisher && plan_.rate <= 0 && !plan_.stamp;
}

void Client::start_connect(io_uring* ring, const sockaddr* addr, socklen_t len) {
  ring_ = ring;
  addr_ = addr;
  addr_len_ = len;
  fd_ = ::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  io_uring_sqe* sqe = get_sqe(ring);
  io_uring_prep_connect(sqe, fd_, addr, len);
  io_uring_sqe_set_data64(sqe, tag(this, kConnect));
}

void Client::post_recv(size_t max) {
  recv_busy_ = true;
  io_uring_sqe* sqe = get_sqe(ring_);
  recv_into_cipher_ = tls_ != nullptr;
  if (recv_into_cipher_) {
    if (cipher_in_.empty()) cipher_in_.resize(64 * 1024);
    io_uring_prep_recv(sqe, fd_, cipher_in_.data(), std::min(cipher_in_.size(), max), 0);
  } else {
    auto w = reader_.writable();
    io_uring_prep_recv(sqe, fd_, w.data(), std::min(w.size(), max), 0);
  }
  io_uring_sqe_set_data64(sqe, tag(this, kRecv));
}

// Ciphertext arrived: the handshake moves on, then records are opened into the parser.
bool Client::take_tls_input(size_t n) {
  tls_->feed(cipher_in_.data(), n);
  if (!tls_->established()) {
    const int h = tls_->handshake();
    if (h < 0) {
      fail(tls_->error());
      return false;
    }
    if (h == 0) return true;
  }
  for (;;) {
    auto w = reader_.writable();
    const long got = tls_->read(w.data(), w.size());
    if (got == 0) return true;
    if (got < 0) {
      fail(tls_->error());
      return false;
    }
    reader_.commit(static_cast<size_t>(got));
    if (!reader_.parse(*this)) {
      fail("unreadable frame from server");
      return false;
    }
  }
}

// Handshaker: this round is done; close and connect again (no operation is in flight).
void Client::restart() {
  restart_pending_ = false;
  ::close(fd_);
  fd_ = -1;
  tls_.reset();
  reader_ = ProtoReader();
  out_.clear();
  sending_.clear();
  session_ready_ = false;
  start_connect(ring_, addr_, addr_len_);
}

void Client::submit_send(const char* p, size_t n) {
  send_ptr_ = p;
  send_left_ = n;
  send_busy_ = true;
  io_uring_sqe* sqe = get_sqe(ring_);
  io_uring_prep_send(sqe, fd_, p, n, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, tag(this, kSend));
}

// One send in flight at a time keeps order; control lines and built frames
// (out_) go before the next static slice.
void Client::flush() {
  if (send_busy_ || closed_) return;
  if (tls_ != nullptr) return flush_tls();
  if (!out_.empty()) {
    sending_.swap(out_);
    out_.clear();
    return submit_send(sending_.data(), sending_.size());
  }
  if (producing_ && is_static()) send_static();
}

void Client::fail(std::string why) {
  if (closed_) return;
  closed_ = true;
  if (stats_.error.empty()) stats_.error = std::move(why);
  rs_.failed.fetch_add(1);
  if (is_finisher() && !finished_) finish();
}

void Client::on_cqe(io_uring* ring, Op op, int res, uint64_t now) {
  ring_ = ring;
  now_ = now;
  if (closed_) return;
  const bool stopping = rs_.phase.load(std::memory_order_relaxed) == Phase::Stopping;
  if (op == kRecv) recv_busy_ = false;
  if (op == kRecv && plan_.role == Role::Slow && ready_ && (res == 0 || res == -ECONNRESET)) {
    closed_ = true;  // the server cut the slow subscriber: expected, not a failure
    stats_.cut = true;
    stats_.cut_ns = now;
    return;
  }
  if (res < 0) {
    if (!stopping) fail(std::strerror(-res));
    return;
  }
  switch (op) {
    case kConnect: return post_recv();
    case kRecv:
      if (res == 0) {
        if (!stopping) fail(stats_.error.empty() ? "closed by server" : stats_.error);
        return;
      }
      now_ = now_ns();  // fresh: latency is measured here
      stats_.read_bytes += static_cast<uint64_t>(res);
      if (recv_into_cipher_) {
        if (!take_tls_input(static_cast<size_t>(res))) return;
      } else {
        reader_.commit(static_cast<size_t>(res));
        if (!reader_.parse(*this)) return fail("unreadable frame from server");
      }
      if (restart_pending_ && !send_busy_) return restart();
      if (plan_.role == Role::Requester && plan_.rate <= 0) produce_closed_loop(now_);
      maybe_finish();
      flush();
      if (!closed_) arm_recv(now_);
      return;
    case kSend:
      if (res == 0) return fail("send made no progress");
      send_ptr_ += res;
      send_left_ -= static_cast<size_t>(res);
      if (send_left_ > 0) {  // short write: send the rest before anything else
        io_uring_sqe* sqe = get_sqe(ring_);
        io_uring_prep_send(sqe, fd_, send_ptr_, send_left_, MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, tag(this, kSend));
        return;
      }
      send_busy_ = false;
      if (restart_pending_) return recv_busy_ ? void() : restart();
      return flush();
  }
}

void Client::on_info(std::string_view) {
  if (session_ready_ || !out_.empty() || pong_seen_ || tls_) return;  // later INFOs are async updates
  if (rs_.tls != nullptr) {  // upgrade: the hello goes first, CONNECT is sealed after the handshake
    tls_ = std::make_unique<TlsChannel>(rs_.tls);
    tls_->handshake();
  }
  out_ += "CONNECT ";
  out_ += plan_.connect_json;
  out_ += "\r\n";
  out_ += plan_.subs;
  out_ += "PING\r\n";
}

void Client::on_ping() { out_ += "PONG\r\n"; }

void Client::on_pong() {
  if (!session_ready_) {
    session_ready_ = true;
    if (!ready_) {
      ready_ = true;
      rs_.ready.fetch_add(1);
    }
    if (plan_.role == Role::Handshaker) {  // a round is done: count it while running, go again
      const Phase phase = rs_.phase.load(std::memory_order_acquire);
      if (phase == Phase::Running) ++stats_.ops;
      if (phase == Phase::Connecting || (phase == Phase::Running && now_ < rs_.start_ns.load() + rs_.duration_ns))
        restart_pending_ = true;
    }
    return;
  }
  if (flushing_ && !pong_seen_) {
    pong_seen_ = true;
    pong_ns_ = now_;
  }
}

void Client::on_err(std::string_view e) {
  if (stats_.error.empty()) stats_.error = "-ERR " + std::string(e);
}

void Client::on_msg(const MsgView& m) {
  ++stats_.recv;
  stats_.recv_bytes += m.payload.size();
  if (stats_.first_ns == 0) stats_.first_ns = now_;
  stats_.last_ns = now_;
  uint64_t stamp = 0;
  const bool stamped = m.payload.size() >= sizeof stamp;
  if (stamped) std::memcpy(&stamp, m.payload.data(), sizeof stamp);
  switch (plan_.role) {
    case Role::Subscriber:
      ++*received_;
      if (plan_.record_latency && stamped && now_ >= stamp) hist_->record(now_ - stamp);
      break;
    case Role::Requester:
      if (stamped && now_ >= stamp) hist_->record(now_ - stamp);
      if (outstanding_ > 0) --outstanding_;
      break;
    case Role::Responder:
      if (m.reply.empty()) break;
      out_ += "PUB ";
      out_ += m.reply;
      out_ += ' ';
      out_ += std::to_string(m.payload.size());
      out_ += "\r\n";
      out_ += m.payload;
      out_ += "\r\n";
      ++stats_.sent;
      stats_.sent_bytes += m.payload.size();
      break;
    default:
      break;
  }
}

void Client::maybe_finish() {
  if (finished_) return;
  if (plan_.role == Role::Subscriber && is_finisher()) {
    if ((plan_.own_msgs > 0 && stats_.recv >= plan_.own_msgs) ||
        (plan_.own_duration_ns > 0 && stats_.first_ns > 0 &&
         now_ - stats_.first_ns >= plan_.own_duration_ns))
      finish();
    return;
  }
  if (!flushing_ || !pong_seen_) return;
  if (outstanding_ > 0 && now_ - pong_ns_ > rs_.drain_ns) {
    stats_.missing = outstanding_;  // counted and reported, not waited for forever
    stats_.error = std::to_string(outstanding_) + " requests unanswered";
    outstanding_ = 0;
  }
  if (outstanding_ == 0) finish();
}

void Client::finish() {
  finished_ = true;
  stats_.end_ns = now_;
  if (plan_.frames && plan_.role != Role::Responder) {
    stats_.sent = produced_;
    stats_.sent_bytes = produced_ * plan_.frames->payload_size();
  }
  // Deliveries owed are published before `finished`, so the coordinator that
  // sees every finisher done also sees the full expected count.
  rs_.expected.fetch_add(hits_ * plan_.fanout);
  rs_.finished.fetch_add(1);
}

// Every role reads as fast as it can, except a slow subscriber once subscribed:
// it reads only what its byte budget since the start allows (nothing at 0 B/s).
void Client::arm_recv(uint64_t now) {
  if (recv_busy_ || closed_) return;
  if (plan_.role != Role::Slow || !ready_) return post_recv();
  if (!started_ || plan_.read_bps <= 0) return;
  const double due = plan_.read_bps * static_cast<double>(now - start_ns_) / 1e9;
  const double allowed = due - static_cast<double>(stats_.read_bytes);
  if (allowed >= std::min(4096.0, plan_.read_bps / 100)) post_recv(static_cast<size_t>(allowed));
}

uint64_t Client::slow_tick(uint64_t now) {
  arm_recv(now);
  return now + 1'000'000;
}

void Client::probe_cut(uint64_t budget_ns) {
  if (plan_.role != Role::Slow || stats_.cut || fd_ < 0) return;
  const uint64_t deadline = now_ns() + budget_ns;
  std::vector<char> buf(1 << 20);
  while (now_ns() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, 300);  // 300 ms of silence: the server still holds it open
    if (n == 0) return;
    if (n < 0 && errno != EINTR) return;
    const ssize_t got = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno == ECONNRESET)) {
      stats_.cut = true;
      return;
    }
    if (got > 0) stats_.read_bytes += static_cast<uint64_t>(got);
  }
}

uint64_t Client::sched_ns(uint64_t k) const {
  return start_ns_ + static_cast<uint64_t>(static_cast<double>(k) * 1e9 / plan_.rate);
}

bool Client::quota_left(uint64_t now) const {
  if (plan_.msgs > 0) return produced_ < plan_.msgs;
  return now < start_ns_ + rs_.duration_ns;
}

void Client::begin_run() {
  started_ = true;
  start_ns_ = rs_.start_ns.load();
  if (plan_.role == Role::Publisher || plan_.role == Role::Requester) producing_ = true;
  cursor_ = plan_.frames ? plan_.first_frame % plan_.frames->frames() : 0;
}

void Client::production_over() {
  if (!producing_) return;
  producing_ = false;
  stats_.sent = produced_;
  stats_.sent_bytes = produced_ * plan_.frames->payload_size();
  out_ += "PING\r\n";  // its PONG proves the server has read everything before it
  flushing_ = true;
}

void Client::send_static() {
  const char* data = nullptr;
  size_t size = 0;
  if (!next_static_slice(&data, &size)) return flush();
  submit_send(data, size);
}

// With TLS: protocol lines and frames are sealed, then the records go out in one send.
void Client::flush_tls() {
  if (tls_->established()) {
    const char* data = nullptr;
    size_t size = 0;
    if (out_.empty() && producing_ && is_static() && tls_->output_pending() == 0 && next_static_slice(&data, &size))
      tls_->write(data, size);
    if (!out_.empty()) {
      tls_->write(out_.data(), out_.size());
      out_.clear();
    }
  }
  sending_.clear();
  tls_->take_output(sending_);
  if (!sending_.empty()) submit_send(sending_.data(), sending_.size());
}

// The next slice of the shared frames; false (production over) when the quota is used up.
bool Client::next_static_slice(const char** data, size_t* size) {
  if (!quota_left(now_)) {
    production_over();
    return false;
  }
  const FrameCycle& fc = *plan_.frames;
  const uint64_t left = plan_.msgs > 0 ? plan_.msgs - produced_ : fc.frames();
  const size_t j = fc.end_of_slice(cursor_, static_cast<size_t>(std::min<uint64_t>(left, fc.frames())),
                                   plan_.batch);
  hits_ += fc.hits(cursor_, j);
  produced_ += j - cursor_;
  const size_t from = fc.offset(cursor_);
  cursor_ = j == fc.frames() ? 0 : j;
  *data = fc.data() + from;
  *size = fc.offset(j) - from;
  return true;
}

void Client::append_frame(uint64_t stamp) {
  const FrameCycle& fc = *plan_.frames;
  const size_t at = out_.size();
  out_.append(fc.data() + fc.offset(cursor_), fc.offset(cursor_ + 1) - fc.offset(cursor_));
  if (plan_.stamp && fc.payload_size() >= sizeof stamp)
    std::memcpy(out_.data() + at + fc.payload_at(cursor_), &stamp, sizeof stamp);
  hits_ += fc.hits(cursor_, cursor_ + 1);
  ++produced_;
  if (++cursor_ == fc.frames()) cursor_ = 0;
}

// Open loop: every message has a scheduled time; all that are due go out now,
// stamped with their schedule, so a stall shows up as latency (no coordinated omission).
uint64_t Client::produce_paced(uint64_t now) {
  const size_t per_batch = std::max<size_t>(1, plan_.batch / (plan_.frames->offset(1) + 1));
  size_t made = 0;
  while (producing_ && out_.size() < kMaxBuilt && made < per_batch) {
    const uint64_t t = sched_ns(produced_);
    if (!quota_left(t)) {
      production_over();
      break;
    }
    if (t > now) return t;
    lag_->record(now - t);
    append_frame(t);
    ++made;
    if (plan_.role == Role::Requester) ++outstanding_;
  }
  return producing_ ? now + 50'000 : now + kIdleTickNs;
}

// Closed loop: keep `inflight` requests outstanding, each stamped when sent.
void Client::produce_closed_loop(uint64_t now) {
  while (producing_ && outstanding_ < static_cast<uint64_t>(plan_.inflight)) {
    if (!quota_left(now)) return production_over();
    append_frame(now);
    ++outstanding_;
  }
}

uint64_t Client::churn(uint64_t now) {
  const uint64_t due = static_cast<uint64_t>(static_cast<double>(now - start_ns_) * plan_.churn_rate / 1e9);
  for (int n = 0; stats_.ops < due && n < 4096; ++n, ++stats_.ops) {
    if (live_.size() < static_cast<size_t>(plan_.window)) {
      const uint64_t sid = ++churn_seq_;
      out_ += "SUB churn.";
      out_ += std::to_string(plan_.id);
      out_ += '.';
      out_ += std::to_string(sid);
      if (sid % 8 == 0) out_ += ".>";  // some wildcards, which invalidate caches more widely
      out_ += ' ';
      out_ += std::to_string(sid);
      out_ += "\r\n";
      live_.push_back(sid);
    } else {
      out_ += "UNSUB ";
      out_ += std::to_string(live_.front());
      out_ += "\r\n";
      live_.pop_front();
    }
  }
  return start_ns_ + static_cast<uint64_t>(static_cast<double>(stats_.ops + 1) * 1e9 / plan_.churn_rate);
}

std::string Client::describe() const {
  return "produced " + std::to_string(produced_) + " outstanding " + std::to_string(outstanding_) +
         " producing " + std::to_string(producing_) + " flushing " + std::to_string(flushing_) + " pong " +
         std::to_string(pong_seen_) + " send_busy " + std::to_string(send_busy_) + " send_left " +
         std::to_string(send_left_) + " out " + std::to_string(out_.size()) + " buffered_in " +
         std::to_string(reader_.buffered());
}

uint64_t Client::tick(io_uring* ring, uint64_t now) {
  ring_ = ring;
  now_ = now;
  if (closed_ || !ready_) return now + kIdleTickNs;
  if (rs_.phase.load(std::memory_order_acquire) != Phase::Running) return now + kIdleTickNs;
  if (!started_) begin_run();
  uint64_t next = now + kIdleTickNs;
  switch (plan_.role) {
    case Role::Publisher:
      if (!is_static() && producing_) next = produce_paced(now);
      break;
    case Role::Requester:
      if (plan_.rate > 0) next = produce_paced(now);
      else produce_closed_loop(now);
      break;
    case Role::Churner:
      next = churn(now);
      break;
    case Role::Slow:
      next = slow_tick(now);
      break;

    default:
      break;
  }
  if (plan_.msgs == 0 && producing_) next = std::min(next, start_ns_ + rs_.duration_ns);
  maybe_finish();
  flush();
  return next;
}

}  // namespace zats::perf
