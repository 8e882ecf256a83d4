#include "server/client.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/log.h"
#include "server/config/duration.h"
#include "proto/encode.h"
#include "proto/info.h"
#include "proto/subject.h"
#include "server/auth/nonce.h"
#include "server/protocol_trace.h"
#include "server/worker.h"

namespace zats::server {
namespace {

constexpr uint64_t kFirstPingMaxNs = 2'000'000'000;  // client.go firstClientPingInterval
constexpr uint64_t kSubscriptionLimitCloseNs = 20'000'000;  // client.go applyAccountLimits

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
    : Connection(worker, socket, cid, std::move(ip), port, Kind::Client, {"cid", "Client"}),
      headers_supported_(!worker.options().no_header_support) {
  proto::ParserLimits limits;
  limits.max_control_line = static_cast<uint32_t>(worker.options().max_control_line);
  limits.max_payload = static_cast<uint32_t>(worker.options().max_payload);
  limits.headers = false;
  parser_.set_limits(limits);
}

Client::~Client() = default;

void Client::start(bool over_connection_limit) {
  const Options& opts = worker().options();
  proto::ServerInfo info = worker().info();
  if (opts.nonce_required()) info.nonce = nonce_ = auth::make_nonce();
  send_info(std::move(info));
  if (over_connection_limit) {
    close(CloseReason::MaxConnectionsExceeded, "maximum connections exceeded");
    return;
  }
  auth_pending_ = opts.auth_required();
  if (opts.tls != nullptr) return begin_tls(opts);  // the auth timer starts after the handshake
  if (auth_pending_) schedule_timer(to_ns(opts.auth_timeout));  // the keep-alive timer starts at CONNECT
}

// The worker's INFO (the cluster's client URLs included) with this connection's own fields.
void Client::send_info() { send_info(worker().info()); }

void Client::send_info(proto::ServerInfo info) {
  const Options& opts = worker().options();
  info.client_id = cid();
  info.client_ip = ip();
  info.max_payload = parser_.limits().max_payload;  // a JWT user's may be lower than the server's
  // With no_auth_user a client may skip credentials, so INFO does not ask for them.
  info.auth_required = opts.auth_required() && opts.no_auth_user.empty();
  info.tls_required = opts.tls != nullptr && !opts.allow_non_tls;
  info.tls_verify = opts.tls != nullptr && opts.tls->verify();
  info.tls_available = opts.tls != nullptr && opts.allow_non_tls;
  proto::append_info(out(), info);
  mark_dirty();
}

// Clients that said protocol 1 hear about changes (client URLs as servers join and leave the
// cluster), but only once their first PING was answered (route.go sendAsyncInfoToClients).
void Client::on_info_changed() {
  if (open() && connect_.protocol >= 1 && first_pong_sent_) send_info();
}

void Client::on_bytes(const char* data, size_t size) {
  if (tls_choice_pending_) return choose_tls(data, size);
  // Under auth the first op must be CONNECT (parser.go OP_START), unless no_auth_user lets
  // the client in without one.
  if (auth_pending_ && !saw_first_byte_ && size > 0) {
    saw_first_byte_ = true;
    if (data[0] != 'C' && data[0] != 'c' && !login_without_connect()) {
      announce(ClientEvent::AuthError);
      close(CloseReason::AuthenticationViolation, "Authorization Violation");
      return;
    }
  }
  if (input_blocked_) {
    stash_.append(data, size);
    return;
  }
  while (size > 0 && open()) {
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
  if (core::trace_enabled()) [[unlikely]] trace_connect(log_origin(), json);
  std::optional<proto::ConnectOptions> parsed = proto::parse_connect(json, connect_);
  if (!parsed) {
    close(CloseReason::ProtocolViolation);
    return false;
  }
  connect_ = std::move(*parsed);
  uint64_t now = worker().now_ns();
  set_rtt(now - accepted_ns_);  // as nats-server: accept to CONNECT, until a PONG measures it
  if (!authenticate_connect()) {
    close(CloseReason::AuthenticationViolation, "Authorization Violation");
    return false;
  }
  if (connect_.has_account) {  // client.go processConnect: after the login (and its event)
    announce(ClientEvent::AuthError);
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
  last_activity_ns_ = now;
  if (connect_.verbose) send_ok();
  // The first PING comes early (it also measures RTT), with up to 20% jitter.
  uint64_t first = std::min(to_ns(worker().options().ping_interval), kFirstPingMaxNs);
  uint64_t jitter = first / 5 ? worker().rng()() % (first / 5) : 0;
  schedule_timer_until_expiry(first + jitter);
  // client.go applyAccountLimits: a JWT that allows no subscriptions at all (a hand-written one
  // without `subs`) closes the connection, 20ms after what the CONNECT's input asked for.
  if (subscription_limit() == 0) {
    closing_at_subscription_limit_ = true;
    schedule_timer(kSubscriptionLimitCloseNs);
  }
  return true;
}

void Client::schedule_timer_until_expiry(uint64_t delay_ns) {
  if (expires_ns_ != 0) {
    uint64_t now = worker().now_ns();
    delay_ns = std::min(delay_ns, expires_ns_ > now ? expires_ns_ - now : 0);
  }
  schedule_timer(delay_ns);
}

bool Client::on_ping() {
  if (core::trace_enabled()) [[unlikely]] trace_in(log_origin(), "PING");
  // A PONG promises that everything published before the PING has reached its subscribers'
  // workers. While some of it waits for room in a mesh ring, hold the PONG, and the input
  // after it, until the backlog is in the rings (Worker::retry_overflow -> resume_input).
  if (paused_for(kPausedForMesh)) {
    input_blocked_ = true;
    return false;
  }
  answer_ping();
  return true;
}

// PONG; after the first one a protocol-1 client gets the INFO it missed, if the cluster's
// URLs (or max_payload) changed since it connected (client.go processPing).
void Client::answer_ping() {
  if (core::trace_enabled()) [[unlikely]] trace_out(log_origin(), "PONG");
  queue(proto::kPong);
  note_peer_ping();
  if (first_pong_sent_ || !connected_) return;
  first_pong_sent_ = true;
  if (connect_.protocol >= 1 &&
      (worker().info_changed_ns() >= accepted_ns_ || parser_.limits().max_payload != worker().options().max_payload)) {
    send_info();
  }
}

void Client::resume_input() {
  if (!input_blocked_ || !open()) return;
  input_blocked_ = false;
  answer_ping();
  std::string pending;
  pending.swap(stash_);
  on_bytes(pending.data(), pending.size());
}

bool Client::on_pong() {
  if (core::trace_enabled()) [[unlikely]] trace_in(log_origin(), "PONG");
  note_pong();
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
  if (worker().maps(account_)) [[unlikely]] return on_mapped_pub(args, payload);
  if (core::trace_enabled()) [[unlikely]] {
    trace_pub(log_origin(), args, payload.size());
    trace_payload(log_origin(), payload, worker().options().max_traced_msg_len);
  }
  return take_pub(args, args, payload);
}

// In an account with subject mappings: the subject is replaced before anything but the pedantic
// check looks at it, and a message the weights send nowhere is dropped. Kept apart so that the
// path without mappings stays as short as it was.
bool Client::on_mapped_pub(const proto::PubArgs& published, std::string_view payload) {
  if (core::trace_enabled()) [[unlikely]] trace_pub(log_origin(), published, payload.size());
  proto::PubArgs args = published;
  if (const std::string* mapped = worker().map_subject(account_, published.subject)) {
    if (core::trace_enabled()) trace_in(log_origin(), "MAPPING", std::string(published.subject) + " -> " + *mapped);
    args.subject = *mapped;
  }
  if (core::trace_enabled()) [[unlikely]] trace_payload(log_origin(), payload, worker().options().max_traced_msg_len);
  return take_pub(published, args, payload);
}

// A publish as it arrived (`published`) and as it goes out (`args`: mapped, or the same); an
// empty subject in `args` means a mapping dropped it.
bool Client::take_pub(const proto::PubArgs& published, const proto::PubArgs& args, std::string_view payload) {
  stats_.in_msgs++;
  stats_.in_bytes += payload.size();
  WorkerStats& ws = worker().stats();
  ws.in_msgs++;
  ws.in_bytes += payload.size();
  last_activity_ns_ = worker().now_ns();
  // Pedantic: the reference complains but still routes the message.
  if (connect_.pedantic && !proto::is_valid_literal_subject(published.subject)) send_err("Invalid Publish Subject");
  if (args.subject.empty()) [[unlikely]] {
    if (connect_.verbose) send_ok();
    return open();
  }
  if (reserved_reply_or_subject(args)) return open();
  if (connect_.verbose) send_ok();

  MessageView msg{args.subject, args.reply, payload, args.header_size,
                  args.has_headers && args.header_size > 0};
  size_t delivered = worker().publish(*this, msg);
  if (delivered == 0 && connect_.no_responders && !args.reply.empty()) send_no_responders(args.reply);
  return open();
}

// The 503 status goes to the publisher's own non-queue subscription that matches the reply.
void Client::send_no_responders(std::string_view reply) {
  for (auto& [sid, sub] : subs_) {
    if (!sub->queue.empty() || !proto::subject_matches(sub->subject, reply)) continue;
    static constexpr std::string_view kStatus = "NATS/1.0 503\r\n\r\n";
    size_t before = out().size();
    proto::append_hmsg(out(), reply, sub->sid, {}, kStatus.size(), kStatus);
    if (core::trace_enabled()) [[unlikely]] trace_sent_message(before);
    mark_dirty();
    return;
  }
}

bool Client::on_sub(const proto::SubArgs& args) {
  if (core::trace_enabled()) [[unlikely]] trace_sub(log_origin(), args);
  last_activity_ns_ = worker().now_ns();
  if (!subscribe_allowed(args)) return open();
  if (!proto::is_valid_subject(args.subject)) {
    send_err("Invalid Subject");
    return open();
  }
  int64_t max_subs = subscription_limit();
  if (max_subs >= 0 && static_cast<int64_t>(subs_.size()) >= max_subs) {
    send_err("maximum subscriptions exceeded");
    return open();
  }
  auto [it, inserted] = subs_.try_emplace(std::string(args.sid));
  if (inserted) {  // a reused sid is silently ignored: the first subscription stays
    auto sub = std::make_unique<Subscription>();
    sub->client = this;
    sub->subject = std::string(args.subject);
    sub->queue = std::string(args.queue);
    sub->sid = std::string(args.sid);
    worker().add_subscription(sub.get());
    it->second = std::move(sub);
  }
  if (connect_.verbose) send_ok();
  return open();
}

bool Client::on_unsub(const proto::UnsubArgs& args) {
  if (core::trace_enabled()) [[unlikely]] trace_unsub(log_origin(), args);
  last_activity_ns_ = worker().now_ns();
  if (connect_.verbose) send_ok();  // queued before the removal is traced, as the reference does
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
  return open();
}

void Client::remove_subscription(Subscription* sub) {
  auto it = subs_.find(sub->sid);
  if (it == subs_.end()) return;
  std::unique_ptr<Subscription> owned = std::move(it->second);
  subs_.erase(it);
  if (core::trace_enabled()) [[unlikely]] trace_internal(log_origin(), "DELSUB", owned->sid);
  worker().remove_subscription(std::move(owned));  // freed once it is unindexed
}

void Client::deliver(Subscription& sub, const MessageView& msg) {
  if (!open()) return;
  bool strip = msg.has_headers && !headers();
  std::string_view payload = strip ? msg.payload.substr(msg.header_size) : msg.payload;
  size_t frame = msg.subject.size() + sub.sid.size() + msg.reply.size() + payload.size() + 40;
  if (perms_ && !msg.reply.empty()) perms_->note_reply(msg.reply, worker().now_ns());
  // A shared payload is queued by reference (the frame's inline size keeps small ones copied).
  const bool share = msg.shared != nullptr && !strip && can_splice() && !core::trace_enabled();
  const std::string_view shared = share ? (*msg.shared)->payload() : std::string_view();
  size_t pending = 0;
  if (!room_for(frame, pending, shared.size())) return;
  std::string& buffer = out();
  size_t before = buffer.size();
  if (share) {
    msg.frame->append_head_to(buffer, sub.sid);
    splice(*msg.shared);
    buffer.append("\r\n");
  } else if (msg.frame != nullptr && !strip) {
    msg.frame->append_to(buffer, sub.sid);
  } else if (msg.has_headers && !strip) {
    proto::append_hmsg(buffer, msg.subject, sub.sid, msg.reply, msg.header_size, payload);
  } else {
    proto::append_msg(buffer, msg.subject, sub.sid, msg.reply, payload);
  }
  if (core::trace_enabled()) [[unlikely]] trace_sent_message(before);
  count_delivery(pending, buffer.size() - before + shared.size(), payload.size());
  if (sub.max > 0 && ++sub.delivered >= sub.max) {
    remove_subscription(&sub);
  } else if (sub.max == 0) {
    ++sub.delivered;
  }
}

bool Client::movable() const {
  if (!open() || !connected_ || tls() != nullptr || tls_choice_pending_ || auth_pending_ || input_blocked_ ||
      !stash_.empty() || closing_at_subscription_limit_ || stalling() || congested_since() != 0)
    return false;
  if (paused_for(static_cast<uint8_t>(~kPausedForMove))) return false;
  if (subs_.empty() || subs_.size() > kMaxMovingSubscriptions) return false;
  for (const auto& [sid, sub] : subs_)
    if (!sub->queue.empty() || sub->max != 0) return false;
  return true;
}

std::vector<std::string> Client::subscription_subjects() const {
  std::vector<std::string> subjects;
  subjects.reserve(subs_.size());
  for (const auto& [sid, sub] : subs_) subjects.push_back(sub->subject);
  std::sort(subjects.begin(), subjects.end());
  return subjects;
}

void Client::send_ok() {
  if (core::trace_enabled()) [[unlikely]] trace_out(log_origin(), "OK");
  queue(proto::kOk);
}

// "->> [MSG foo 1 5]": the control line of the frame queued at out()[start].
void Client::trace_sent_message(size_t start) {
  std::string_view frame(out().data() + start, out().size() - start);
  trace_out(log_origin(), frame.substr(0, frame.find("\r\n")));
}

// From the moment a connection starts closing it holds no interest and no connection slot
// (max_connections), as in the reference; the socket itself goes a little later.
void Client::on_closing() {
  if (counted_) worker().record_closed(*this);  // first time only, with its subscriptions
  for (auto& [sid, sub] : subs_) {
    if (core::trace_enabled()) [[unlikely]] trace_internal(log_origin(), "DELSUB", sid);
    worker().remove_subscription(std::move(sub));
  }
  subs_.clear();
  if (counted_) {
    counted_ = false;
    worker().context().connections.fetch_sub(1, std::memory_order_relaxed);
  }
  release_account_slot();
  if (announced_) {
    announced_ = false;
    announce(ClientEvent::Disconnect);
  }
}

// Before CONNECT under auth the timer is the authentication deadline; after it, keep-alive.
void Client::on_timer(uint64_t now_ns) {
  if (!timer_fired()) return;
  if (tls_timer_fired()) return;
  if (auth_pending_) {
    close(CloseReason::AuthenticationTimeout, "Authentication Timeout");
    return;
  }
  if (closing_at_subscription_limit_) {
    ZATS_LOG_FROM(Error, log_origin(), "maximum subscriptions exceeded");
    send_err("maximum subscriptions exceeded");
    close(CloseReason::MaxSubscriptionsExceeded);
    return;
  }
  if (expires_ns_ != 0 && now_ns >= expires_ns_) {
    const char* text = account_expiry_ ? "Account Authentication Expired" : "User Authentication Expired";
    ZATS_DEBUG_FROM(log_origin(), "%s", text);
    close(CloseReason::AuthenticationExpired, text);
    return;
  }
  keep_alive(now_ns);
  if (open() && expires_ns_ != 0) schedule_timer_until_expiry(to_ns(worker().options().ping_interval));
}

}  // namespace zats::server
