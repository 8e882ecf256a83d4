#include "server/client.h"

#include <charconv>
#include <chrono>

#include "core/log.h"
#include "server/config/duration.h"
#include "proto/encode.h"
#include "proto/info.h"
#include "proto/subject.h"
#include "server/worker.h"

namespace zats::server {
namespace {

constexpr uint64_t kFirstPingMaxNs = 2'000'000'000;  // client.go firstClientPingInterval
constexpr uint64_t kRttRefreshNs = 3600'000'000'000;  // a PING at least hourly, to refresh the RTT

uint64_t to_ns(Nanos d) { return static_cast<uint64_t>(d.count()); }

// Reply prefixes reserved for service imports, JetStream acks and gateway replies.
bool is_reserved_reply(std::string_view reply) {
  return (reply.size() > 3 && reply.substr(0, 4) == "_R_.") ||
         (reply.size() > 8 && reply.substr(0, 8) == "$JS.ACK.") ||
         (reply.size() > 5 && reply.substr(0, 5) == "_GR_.");
}

bool is_gateway_routed(std::string_view subject) {
  return subject.size() > 5 && subject.substr(0, 5) == "_GR_.";
}

}  // namespace

Client::Client(Worker& worker, core::SocketId socket, uint64_t cid, std::string ip, int port)
    : worker_(worker),
      socket_(socket),
      cid_(cid),
      ip_(std::move(ip)),
      port_(port),
      headers_supported_(!worker.options().no_header_support) {
  proto::ParserLimits limits;
  limits.max_control_line = static_cast<uint32_t>(worker.options().max_control_line);
  limits.max_payload = static_cast<uint32_t>(worker.options().max_payload);
  limits.headers = false;
  parser_.set_limits(limits);
  last_activity_ns_ = worker.now_ns();
  accepted_ns_ = last_activity_ns_;
  start_wall_ns_ = worker.wall_ns(last_activity_ns_);
}

Client::~Client() = default;

void Client::start(bool over_connection_limit) {
  const Options& opts = worker_.options();
  proto::ServerInfo info = worker_.context().info;
  info.client_id = cid_;
  info.client_ip = ip_;
  info.max_payload = opts.max_payload;
  // With no_auth_user a client may skip credentials, so INFO does not ask for them.
  info.auth_required = opts.auth_required() && opts.no_auth_user.empty();
  proto::append_info(out_, info);
  mark_dirty();
  if (over_connection_limit) {
    close(CloseReason::MaxConnectionsExceeded, "maximum connections exceeded");
    return;
  }
  if (opts.auth_required()) {
    auth_pending_ = true;
    schedule_ping(to_ns(opts.auth_timeout));  // the keep-alive timer starts at CONNECT
  }
}

void Client::on_bytes(const char* data, size_t size) {
  // Under auth the first op must be CONNECT (parser.go OP_START), unless no_auth_user lets
  // the client in without one.
  if (auth_pending_ && !saw_first_byte_ && size > 0) {
    saw_first_byte_ = true;
    if (data[0] != 'C' && data[0] != 'c' && !login_without_connect()) {
      close(CloseReason::AuthenticationViolation, "Authorization Violation");
      return;
    }
  }
  if (input_blocked_) {
    stash_.append(data, size);
    return;
  }
  while (size > 0 && state_ == State::Open) {
    proto::FeedResult r = parser_.feed(data, size, *this);
    if (r.error != proto::ParseError::None) {
      handle_parse_error(r.error);
      return;
    }
    if (input_blocked_) {
      stash_.append(data + r.consumed, size - r.consumed);
      return;
    }
    if (r.consumed == 0) return;  // handler stopped (closing)
    data += r.consumed;
    size -= r.consumed;
  }
}

void Client::handle_parse_error(proto::ParseError error) {
  switch (error) {
    case proto::ParseError::UnknownOp:
      close(CloseReason::ProtocolViolation, "Unknown Protocol Operation");
      break;
    case proto::ParseError::ControlLineTooLong:
      close(CloseReason::MaxControlLineExceeded, "maximum control line exceeded");
      break;
    case proto::ParseError::MaxPayload:
      close(CloseReason::MaxPayloadExceeded, "Maximum Payload Violation");
      break;
    case proto::ParseError::ClientError:
      close(CloseReason::ParseError);
      break;
    case proto::ParseError::BadArguments:
    case proto::ParseError::HeadersNotEnabled:
    case proto::ParseError::None:
      close(CloseReason::ProtocolViolation);
      break;
  }
}

bool Client::on_connect(std::string_view json) {
  std::optional<proto::ConnectOptions> parsed = proto::parse_connect(json, connect_);
  if (!parsed) {
    close(CloseReason::ProtocolViolation);
    return false;
  }
  connect_ = std::move(*parsed);
  if (!authenticate_connect() || connect_.has_account) {
    close(CloseReason::AuthenticationViolation, "Authorization Violation");
    return false;
  }
  if (connect_.protocol < 0 || connect_.protocol > 1) {
    close(CloseReason::BadClientProtocolVersion, "invalid client protocol");
    return false;
  }
  if (connect_.no_responders && !connect_.headers) {
    close(CloseReason::NoRespondersRequiresHeaders, "no responders requires headers support");
    return false;
  }
  proto::ParserLimits limits = parser_.limits();
  limits.headers = headers();
  parser_.set_limits(limits);
  connected_ = true;
  uint64_t now = worker_.now_ns();
  last_activity_ns_ = now;
  rtt_ns_ = now - accepted_ns_;  // as nats-server: accept to CONNECT, until a PONG measures it
  if (connect_.verbose) send_ok();
  // The first PING comes early (it also measures RTT), with up to 20% jitter.
  uint64_t first = std::min(to_ns(worker_.options().ping_interval), kFirstPingMaxNs);
  uint64_t jitter = first / 5 ? worker_.rng()() % (first / 5) : 0;
  schedule_ping(first + jitter);
  return true;
}

bool Client::on_ping() {
  // A PONG promises that everything published before the PING has reached its subscribers'
  // workers. While some of it waits for room in a mesh ring, hold the PONG, and the input
  // after it, until the backlog is in the rings (Worker::retry_overflow -> resume_input).
  if (recv_paused()) {
    input_blocked_ = true;
    return false;
  }
  queue(proto::kPong);
  last_peer_ping_ns_ = worker_.now_ns();
  return true;
}

void Client::resume_input() {
  if (!input_blocked_ || state_ != State::Open) return;
  input_blocked_ = false;
  queue(proto::kPong);
  last_peer_ping_ns_ = worker_.now_ns();
  std::string pending;
  pending.swap(stash_);
  on_bytes(pending.data(), pending.size());
}

bool Client::on_pong() {
  pings_out_ = 0;
  if (last_ping_sent_ns_ != 0) rtt_ns_ = worker_.now_ns() - last_ping_sent_ns_;
  return true;
}

bool Client::reserved_reply_or_subject(const proto::PubArgs& args) {
  if (is_gateway_routed(args.subject) || !publish_allowed(args)) {
    send_err("Permissions Violation for Publish to " + proto::go_quoted(args.subject));
    return true;
  }
  if (!args.reply.empty() && is_reserved_reply(args.reply)) {
    send_err("Permissions Violation for Publish with Reply of " + proto::go_quoted(args.reply));
    return true;
  }
  return false;
}

bool Client::on_pub(const proto::PubArgs& args, std::string_view payload) {
  stats_.in_msgs++;
  stats_.in_bytes += payload.size();
  WorkerStats& ws = worker_.stats();
  ws.in_msgs++;
  ws.in_bytes += payload.size();
  last_activity_ns_ = worker_.now_ns();
  // Pedantic: the reference complains but still routes the message.
  if (connect_.pedantic && !proto::is_valid_literal_subject(args.subject)) send_err("Invalid Publish Subject");
  if (reserved_reply_or_subject(args)) return state_ == State::Open;
  if (connect_.verbose) send_ok();

  MessageView msg{args.subject, args.reply, payload, args.header_size,
                  args.has_headers && args.header_size > 0};
  size_t delivered = worker_.publish(*this, msg);
  if (delivered == 0 && connect_.no_responders && !args.reply.empty()) send_no_responders(args.reply);
  return state_ == State::Open;
}

// The 503 status goes to the publisher's own non-queue subscription that matches the reply.
void Client::send_no_responders(std::string_view reply) {
  for (auto& [sid, sub] : subs_) {
    if (!sub->queue.empty() || !proto::subject_matches(sub->subject, reply)) continue;
    static constexpr std::string_view kStatus = "NATS/1.0 503\r\n\r\n";
    proto::append_hmsg(out_, reply, sub->sid, {}, kStatus.size(), kStatus);
    mark_dirty();
    return;
  }
}

bool Client::on_sub(const proto::SubArgs& args) {
  last_activity_ns_ = worker_.now_ns();
  if (!subscribe_allowed(args)) return state_ == State::Open;
  if (!proto::is_valid_subject(args.subject)) {
    send_err("Invalid Subject");
    return state_ == State::Open;
  }
  int64_t max_subs = worker_.options().max_subscriptions;
  if (max_subs > 0 && static_cast<int64_t>(subs_.size()) >= max_subs) {
    send_err("maximum subscriptions exceeded");
    return state_ == State::Open;
  }
  auto [it, inserted] = subs_.try_emplace(std::string(args.sid));
  if (inserted) {  // a reused sid is silently ignored: the first subscription stays
    auto sub = std::make_unique<Subscription>();
    sub->client = this;
    sub->subject = std::string(args.subject);
    sub->queue = std::string(args.queue);
    sub->sid = std::string(args.sid);
    worker_.add_subscription(sub.get());
    it->second = std::move(sub);
  }
  if (connect_.verbose) send_ok();
  return state_ == State::Open;
}

bool Client::on_unsub(const proto::UnsubArgs& args) {
  last_activity_ns_ = worker_.now_ns();
  auto it = subs_.find(absl::string_view(args.sid.data(), args.sid.size()));
  if (it != subs_.end()) {
    Subscription* sub = it->second.get();
    int64_t max = 0;
    bool numeric = !args.max.empty() &&
                   std::from_chars(args.max.data(), args.max.data() + args.max.size(), max).ec == std::errc();
    // With a max above what was already delivered, unsubscribe later; otherwise now.
    if (numeric && max > 0 && static_cast<uint64_t>(max) > sub->delivered) {
      sub->max = static_cast<uint64_t>(max);
    } else {
      remove_subscription(sub);
    }
  }
  if (connect_.verbose) send_ok();
  return state_ == State::Open;
}

void Client::remove_subscription(Subscription* sub) {
  auto it = subs_.find(sub->sid);
  if (it == subs_.end()) return;
  std::unique_ptr<Subscription> owned = std::move(it->second);
  subs_.erase(it);
  worker_.remove_subscription(owned.release());  // the worker frees it once it is unindexed
}

void Client::deliver(Subscription& sub, const MessageView& msg) {
  if (state_ != State::Open) return;
  bool strip = msg.has_headers && !headers();
  std::string_view payload = strip ? msg.payload.substr(msg.header_size) : msg.payload;
  size_t frame = msg.subject.size() + sub.sid.size() + msg.reply.size() + payload.size() + 40;
  if (perms_ && !msg.reply.empty()) perms_->note_reply(msg.reply, worker_.now_ns());
  // Slow means behind on what earlier turns queued: this turn's own burst (bounded by the
  // turn's input) is about to be flushed and does not count against max_pending.
  size_t pending = pending_bytes();  // one read per message: it asks the reactor
  size_t behind = pending - std::min(pending, turn_added_);
  if (behind + frame > static_cast<size_t>(worker_.options().max_pending)) {
    ZATS_NOTICE("%s:%d - cid:%lu - Slow Consumer Detected: MaxPending of %ld Exceeded", ip_.c_str(), port_,
                static_cast<unsigned long>(cid_), static_cast<long>(worker_.options().max_pending));
    worker_.stats().slow_consumers++;
    close(CloseReason::SlowConsumerPendingBytes);
    return;
  }
  size_t before = out_.size();
  if (msg.has_headers && !strip) {
    proto::append_hmsg(out_, msg.subject, sub.sid, msg.reply, msg.header_size, payload);
  } else {
    proto::append_msg(out_, msg.subject, sub.sid, msg.reply, payload);
  }
  size_t added = out_.size() - before;
  turn_added_ += added;
  stats_.out_msgs++;
  stats_.out_bytes += payload.size();
  WorkerStats& ws = worker_.stats();
  ws.out_msgs++;
  ws.out_bytes += payload.size();
  last_activity_ns_ = worker_.now_ns();
  mark_dirty();
  note_congestion(pending + added);
  if (sub.max > 0 && ++sub.delivered >= sub.max) {
    remove_subscription(&sub);
  } else if (sub.max == 0) {
    ++sub.delivered;
  }
}

size_t Client::pending_bytes() const {
  return out_.size() + (sending_ ? worker_.reactor().send_remaining(socket_) : 0);
}

// Over half of max_pending starts a congestion episode (publishers are briefly held back);
// under a quarter ends it.
void Client::note_congestion(size_t pending) {
  size_t limit = static_cast<size_t>(worker_.options().max_pending);
  if (congested_since_ns_ == 0 && pending > limit / 2) {
    congested_since_ns_ = worker_.now_ns();
    worker_.consumer_congested(*this);
  } else if (congested_since_ns_ != 0 && pending < limit / 4) {
    congested_since_ns_ = 0;
    worker_.consumer_relieved(*this);
  }
}

void Client::send_ok() { queue(proto::kOk); }

void Client::send_err(std::string_view text) {
  proto::append_err(out_, text);
  mark_dirty();
}

void Client::queue(std::string_view bytes) {
  out_.append(bytes);
  mark_dirty();
}

void Client::mark_dirty() {
  if (dirty_) return;
  dirty_ = true;
  worker_.mark_dirty(this);
}

void Client::flush() {
  dirty_ = false;
  turn_added_ = 0;
  if (state_ == State::Closed || sending_) return;
  if (out_.empty()) {
    if (state_ == State::Draining) finish_close();
    return;
  }
  inflight_.swap(out_);
  out_.clear();
  sending_ = true;
  send_started_ns_ = worker_.now_ns();
  worker_.reactor().send(socket_, inflight_.data(), inflight_.size());
}

void Client::on_send_done(int res) {
  sending_ = false;
  inflight_.clear();
  if (state_ == State::Closed) return;
  if (res < 0) {
    state_ = State::Draining;  // stop reading, nothing more can be written
    close_reason_ = close_reason_ == CloseReason::None ? CloseReason::WriteError : close_reason_;
    out_.clear();
    finish_close();
    return;
  }
  if (!out_.empty() || state_ == State::Draining) mark_dirty();
  if (congested_since_ns_ != 0) note_congestion(pending_bytes());
}

void Client::check_write_deadline(uint64_t now_ns) {
  if (!sending_ || state_ == State::Closed) return;
  if (now_ns - send_started_ns_ <= to_ns(worker_.options().write_deadline)) return;
  std::string deadline = config::format_go_duration(worker_.options().write_deadline.count());
  ZATS_NOTICE("%s:%d - cid:%lu - Slow Consumer Detected: WriteDeadline of %s exceeded", ip_.c_str(), port_,
              static_cast<unsigned long>(cid_), deadline.c_str());
  worker_.stats().slow_consumers++;
  close_reason_ = CloseReason::SlowConsumerWriteDeadline;
  state_ = State::Draining;
  out_.clear();
  worker_.client_closing(this);
  finish_close();
}

// The end of the client's stream (res == 0) may come in the same read as its last PING: the
// client can still read, so what is queued for it (that PONG) is flushed before the close, as
// nats-server flushes on "Client Closed". After a read error nothing more is written.
void Client::on_peer_closed(int res) {
  if (res == 0) {
    close(CloseReason::ClientClosed);
    return;
  }
  close(CloseReason::ReadError);
  out_.clear();
  finish_close();
}

void Client::close(CloseReason reason, std::string_view err_text) {
  if (state_ != State::Open) return;
  close_reason_ = reason;
  state_ = State::Draining;
  bool slow = reason == CloseReason::SlowConsumerPendingBytes || reason == CloseReason::SlowConsumerWriteDeadline;
  if (slow) out_.clear();  // a slow consumer gets nothing more, not even an -ERR
  if (!err_text.empty()) proto::append_err(out_, err_text);
  worker_.client_closing(this);
  if (slow) {
    finish_close();
  } else {
    mark_dirty();  // flush what is queued (e.g. the -ERR), then close
  }
}

void Client::finish_close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  if (ping_timer_ != 0) worker_.timers().cancel(ping_timer_);
  ping_timer_ = 0;
  worker_.reactor().close(socket_);
}

void Client::schedule_ping(uint64_t delay_ns) {
  if (ping_timer_ != 0) worker_.timers().cancel(ping_timer_);
  uint64_t cookie = (static_cast<uint64_t>(socket_.slot) << 32) | socket_.gen;
  ping_timer_ = worker_.timers().schedule(worker_.now_ns() + delay_ns, cookie);
}

// client.go processPingTimer: skip the PING when there was recent activity; past ping_max
// unanswered PINGs the connection is stale.
void Client::on_timer(uint64_t now_ns) {
  ping_timer_ = 0;
  if (state_ != State::Open) return;
  if (auth_pending_) {
    close(CloseReason::AuthenticationTimeout, "Authentication Timeout");
    return;
  }
  uint64_t interval = to_ns(worker_.options().ping_interval);
  bool recent = now_ns - last_activity_ns_ < interval || now_ns - last_peer_ping_ns_ < interval;
  bool need_rtt = last_ping_sent_ns_ == 0 || now_ns - last_ping_sent_ns_ > kRttRefreshNs;
  if (need_rtt || !recent) {
    if (pings_out_ + 1 > worker_.options().ping_max) {
      close(CloseReason::StaleConnection, "Stale Connection");
      return;
    }
    queue(proto::kPing);
    pings_out_++;
    last_ping_sent_ns_ = now_ns;
  }
  schedule_ping(interval);
}

}  // namespace zats::server
