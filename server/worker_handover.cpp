// Moving a client connection to another worker (--move_connections): a client whose messages
// mostly come from one other worker moves there, so that talking peers share a worker and
// their messages cross no CPU (docs/architecture.md, Moving connections).
//
// The move must keep every message for the client exactly once and in each publisher's
// order, with publishers on every worker going on meanwhile. Messages carry their origin
// worker and that worker's running count (SharedMessage::origin_seq), and the SPSC rings keep
// each producer's order, so "everything worker A sent before this point" is a marker pushed
// into A's ring. The steps, for a client moving from F to T (one move at a time server-wide):
//
//  1. F pauses the client's reads and asks T to prepare (start_move).
//  2. T adds the client's subscriptions to the interest index under T, beside F's entries, so
//     from now on publishers that see the index send its messages to both; T keeps a
//     reference to each such message it receives or makes (capture_for_arrivals), and every
//     worker but F pushes a Barrier marker into its ring to F (prepare_arrival).
//  3. Once F has every Barrier (so each message published before its publisher saw T's entries
//     has reached F and been delivered) and the client's receive has stopped, F stops
//     delivering to it (its Sublist entries go) and notes, per origin worker, the last
//     origin_seq it processed: everything up to there was delivered on F, everything after
//     reaches T too (switch_out). No send starts any more; once the one in flight is done, the
//     socket is detached from F's ring (Reactor::detach).
//  4. F hands the connection (its queued output, parser, stats, cid, timer) to T, and pushes a
//     Released marker into every other worker's ring: when a worker takes it, it has delivered
//     everything the client published on F.
//  5. T registers the socket, puts the subscriptions in its Sublist, removes F's index
//     entries, delivers the captured messages that F had not (origin_seq past F's mark), and
//     skips those F had delivered that are still on their way (Client::delivered_before).
//     Once every worker has taken its Released marker, the client's reads resume: what it
//     publishes from T cannot overtake what it published from F.
//
// If the client closes, or changes its subscriptions, before step 3, the move is called off:
// F keeps it, and T takes its index entries and captures back.
#include <algorithm>

#include "core/log.h"
#include "proto/subject.h"
#include "server/worker.h"

namespace zats::server {
namespace {

constexpr uint64_t kMoveCheckNs = 100'000'000;  // how often the policy looks
// After a look that started a move, the next comes sooner: the client's fellow subscribers of
// one publisher mostly want to follow it (moves still run one at a time).
constexpr uint64_t kFollowUpCheckNs = 20'000'000;
constexpr uint32_t kMinVotes = 64;              // deliveries from the peer per look, at least
// A move waits for every worker's Barrier with the client's reads paused; on a starved machine
// that can take long, so past this it is given up (the client stays, its reads resume) and the
// worker starts no other move for kGiveUpBackoffNs.
constexpr uint64_t kMaxBarrierWaitNs = 100'000'000;
constexpr uint64_t kGiveUpBackoffNs = 1'000'000'000;

}  // namespace

// The policy: once per kMoveCheckNs (kFollowUpCheckNs after a look that started a move; not
// while a move runs), the first movable client most of whose deliveries came from one other
// worker moves there. Votes for a worker that a client has left since the last
// look are stale (its messages come from elsewhere now) and do not count, so two
// peers do not both move towards each other on old counts.
void Worker::consider_moves(uint64_t now_ns) {
  if (!options().move_connections || !multi() || now_ns < next_move_check_ns_) return;
  // While a move runs no other can start: keep counting until it is done.
  if (context_.moving.load(std::memory_order_acquire)) return;
  next_move_check_ns_ = now_ns + kMoveCheckNs;
  const bool may_start = now_ns >= moves_resume_ns_;
  WorkerMask left = 0;  // workers some client moved away from since the last look
  for (unsigned w = 0; w < seen_moves_from_.size(); ++w) {
    const uint64_t moves = context_.moves_from[w].load(std::memory_order_acquire);
    if (moves != seen_moves_from_[w]) left |= WorkerMask{1} << w;
    seen_moves_from_[w] = moves;
  }
  for (auto& c : connections_) {
    if (!c || c->kind() != Connection::Kind::Client) continue;
    Client& client = static_cast<Client&>(*c);
    unsigned target = 0;
    const bool wants =
        may_start && client.wants_to_move(kMinVotes, &target) && (left & (WorkerMask{1} << target)) == 0;
    client.forget_sources();
    if (!wants || target >= context_.mesh.size() || target == index_ || !client.movable() ||
        !reactor_.detachable(client.socket()))
      continue;
    bool idle = false;
    if (!context_.moving.compare_exchange_strong(idle, true, std::memory_order_acq_rel)) continue;
    start_move(client, target);
    next_move_check_ns_ = now_ns + kFollowUpCheckNs;
  }
}

void Worker::start_move(Client& client, unsigned target) {
  auto h = std::make_shared<Handover>();
  h->id = context_.next_move_id.fetch_add(1, std::memory_order_relaxed);
  h->from = index_;
  h->to = target;
  h->account = client.account();
  h->socket = client.socket();
  h->subjects = client.subscription_subjects();
  h->started_ns = now_ns();
  client.pause_input(Connection::kPausedForMove);
  leaving_.push_back(h);
  ZATS_DEBUG_FROM(client.log_origin(), "moving from worker %u to worker %u", index_, target);
  Worker* to = context_.workers[target];
  to->post([to, h]() mutable { to->prepare_arrival(std::move(h)); });
}

// Step 2, on the target.
void Worker::prepare_arrival(std::shared_ptr<Handover> h) {
  InterestIndex& index = interest_of(h->account);
  for (const std::string& subject : h->subjects) index.add(index_, subject);
  arriving_.push_back(h);
  for (unsigned w = 0; w < context_.mesh.size(); ++w) {
    if (w == h->from) continue;
    if (w == index_) {
      push_marker(h->from, SharedMessage::Marker::Barrier, h->id, h->to);
      continue;
    }
    Worker* other = context_.workers[w];
    other->post([other, from = h->from, id = h->id, to = h->to] {
      other->push_marker(from, SharedMessage::Marker::Barrier, id, to);
    });
  }
}

// A marker names its move by id (origin_connection) and the move's target (origin_seq).
void Worker::push_marker(unsigned target, SharedMessage::Marker marker, uint64_t move_id, unsigned move_to) {
  SharedMessage::Fields fields;
  fields.origin_worker = index_;
  fields.origin_connection = move_id;
  fields.origin_seq = move_to;
  fields.marker = marker;
  enqueue(target, SharedMessage::make(fields), nullptr);
}

void Worker::on_marker(const SharedMessage& marker) {
  const uint64_t id = marker.origin_connection();
  if (marker.marker() == SharedMessage::Marker::Barrier) {
    for (auto& h : leaving_)
      if (h->id == id) ++h->barriers;
    return;  // a move called off meanwhile has none left here
  }
  const unsigned to = static_cast<unsigned>(marker.origin_seq());
  if (to == index_) return released(id);
  Worker* target = context_.workers[to];
  target->post([target, id] { target->released(id); });
}

// Steps 3 and 4 on the worker the clients leave, and the end of skipping on the one they
// reached; at each turn's end, after the rings were drained.
void Worker::advance_moves() {
  if (!skipping_.empty()) stop_skipping_when_caught_up();
  for (size_t i = 0; i < leaving_.size();) {
    std::shared_ptr<Handover> h = leaving_[i];
    Connection* c = connection(h->socket);
    Client* client = c != nullptr && c->kind() == Connection::Kind::Client ? static_cast<Client*>(c) : nullptr;
    if (h->detaching) {  // on_detached takes it from here, closed meanwhile or not
      ++i;
      continue;
    }
    if (client == nullptr || client->closing()) {
      abort_move(h);
      continue;  // abort_move took it out of leaving_
    }
    if (!h->switched) {
      if (h->barriers + 1 < context_.mesh.size() || reactor_.receiving(h->socket)) {
        if (now_ns() - h->started_ns > kMaxBarrierWaitNs) {
          give_up_move(h, *client);
          continue;
        }
        ++i;
        continue;
      }
      // Its own input, read before the pause, may have changed what it subscribes to.
      if (!client->movable() || client->subscription_subjects() != h->subjects) {
        client->unpause_input(Connection::kPausedForMove);
        abort_move(h);
        continue;
      }
      switch_out(*h, *client);
    }
    if (reactor_.quiet(h->socket)) {
      h->detaching = true;
      reactor_.detach(h->socket);
    }
    ++i;
  }
}

void Worker::give_up_move(const std::shared_ptr<Handover>& h, Client& client) {
  ZATS_DEBUG_FROM(client.log_origin(), "move to worker %u given up: %u of %u barriers in %llu ms", h->to,
                  h->barriers, context_.mesh.size() - 1,
                  static_cast<unsigned long long>((now_ns() - h->started_ns) / 1'000'000));
  client.unpause_input(Connection::kPausedForMove);
  abort_move(h);
  moves_resume_ns_ = now_ns() + kGiveUpBackoffNs;
  stats_.moves_given_up++;
}

void Worker::switch_out(Handover& h, Client& client) {
  Sublist& sublist = accounts_[h.account]->sublist;
  client.each_subscription([&](Subscription* sub) { sublist.remove(sub); });
  h.delivered_through = received_seq_;
  h.delivered_through[index_] = made_seq_;
  client.begin_move();
  std::erase(dirty_, static_cast<Connection*>(&client));
  h.switched = true;
}

// The client closed (or cannot move any more) before it left: it stays here, and the target
// gives back what it prepared. Once switched, its Sublist entries are gone already, so its
// close cannot take its index entries out: that is done here.
void Worker::abort_move(const std::shared_ptr<Handover>& h) {
  if (h->switched) {
    InterestIndex& index = interest_of(h->account);
    for (const std::string& subject : h->subjects) index.remove(index_, subject);
  }
  Worker* to = context_.workers[h->to];
  to->post([to, id = h->id] { to->cancel_arrival(id); });
  std::erase(leaving_, h);
}

void Worker::cancel_arrival(uint64_t id) {
  auto it = std::find_if(arriving_.begin(), arriving_.end(), [id](const auto& h) { return h->id == id; });
  if (it == arriving_.end()) return;
  InterestIndex& index = interest_of((*it)->account);
  for (const std::string& subject : (*it)->subjects) index.remove(index_, subject);
  arriving_.erase(it);
  context_.moving.store(false, std::memory_order_release);
}

void Worker::on_detached(core::SocketId id, int fd) {
  auto it = std::find_if(leaving_.begin(), leaving_.end(), [id](const auto& h) { return h->socket == id; });
  if (it == leaving_.end()) {
    if (fd >= 0) ::close(fd);
    return;
  }
  std::shared_ptr<Handover> h = *it;
  Connection* c = connections_[id.slot].get();
  std::erase(dirty_, c);
  if (fd < 0 || c->closing()) {
    // Closed meanwhile (lame duck), or the socket could not be made plain: it ends here.
    if (fd >= 0) ::close(fd);
    c->release();
    abort_move(h);
    connections_[id.slot].reset();
    return;
  }
  leaving_.erase(it);
  h->connection = std::move(connections_[id.slot]);
  h->fd = fd;
  for (unsigned w = 0; w < context_.mesh.size(); ++w)
    if (w != index_) push_marker(w, SharedMessage::Marker::Released, h->id, h->to);
  stats_.connections_moved_out++;
  Worker* to = context_.workers[h->to];
  to->post([to, h]() mutable { to->arrive(std::move(h)); });
}

// Step 5, on the target.
void Worker::arrive(std::shared_ptr<Handover> h) {
  auto* client = static_cast<Client*>(h->connection.get());
  core::SocketId id = reactor_.add_socket(h->fd);  // closes the descriptor if it cannot take it
  Sublist& sublist = accounts_[h->account]->sublist;
  client->each_subscription([&](Subscription* sub) { sublist.insert(sub); });
  InterestIndex& index = interest_of(h->account);
  for (const std::string& subject : h->subjects) index.remove(h->from, subject);
  if (!id.valid()) {
    // This worker's socket table is full: the client is gone, as after a failed write.
    ZATS_LOG_FROM(Warn, client->log_origin(), "lost its connection moving to worker %u", index_);
    client->arrive(*this, id);  // owned here now, with no socket: its timer finds nothing
    client->release();
    std::erase(dirty_, static_cast<Connection*>(client));
    h->connection.reset();
  } else {
    if (connections_.size() <= id.slot) connections_.resize(id.slot + 1);
    connections_[id.slot] = std::move(h->connection);
    client->arrive(*this, id);
    client->forget_sources();  // what it counted on its way belongs to its old worker's view
    replay_captured(*h, *client);
    h->arrived_as = id;
    stats_.connections_moved_in++;
  }
  h->captured.clear();
  h->arrived = true;
  auto it = std::find(arriving_.begin(), arriving_.end(), h);
  if (it != arriving_.end()) finish_arrival(it);
}

// What reached this worker for the client before it did: delivered unless its old worker had.
// Then the same rule for what is still on its way (stop_skipping_when_caught_up ends it).
void Worker::replay_captured(Handover& h, Client& client) {
  for (const SharedMessageRef& msg : h.captured) {
    if (msg->origin_seq() <= h.delivered_through[msg->origin_worker()]) continue;
    const MessageView view = msg->view();
    delivering_remote_ = msg.get();
    client.each_subscription([&](Subscription* sub) {
      if (proto::subject_matches(sub->subject, view.subject)) deliver_to(nullptr, sub, view);
    });
    delivering_remote_ = nullptr;
  }
  bool behind = false;
  for (unsigned w = 0; w < context_.mesh.size(); ++w)
    if (w != index_ && received_seq_[w] < h.delivered_through[w]) behind = true;
  if (!behind) return;
  client.skip_delivered(h.delivered_through);
  skipping_.push_back(client.socket());
}

void Worker::released(uint64_t id) {
  auto it = std::find_if(arriving_.begin(), arriving_.end(), [id](const auto& h) { return h->id == id; });
  if (it == arriving_.end()) return;
  ++(*it)->released;
  finish_arrival(it);
}

// Once arrived and released by every other worker: reads resume, the next move may start.
void Worker::finish_arrival(std::vector<std::shared_ptr<Handover>>::iterator it) {
  Handover& h = **it;
  if (!h.arrived || h.released + 1 < context_.mesh.size()) return;
  if (Connection* c = connection(h.arrived_as)) c->unpause_input(Connection::kPausedForMove);
  context_.moves_from[h.from].fetch_add(1, std::memory_order_acq_rel);
  arriving_.erase(it);  // the last owner of h, mostly
  context_.moving.store(false, std::memory_order_release);
}

// While a client is on its way here, every message that it would match is kept for it.
void Worker::capture_for_arrivals(const SharedMessageRef& msg) {
  if (!msg->local_target(index_)) return;
  for (auto& h : arriving_) {
    if (h->arrived || h->account != msg->account()) continue;
    for (const std::string& subject : h->subjects) {
      if (!proto::subject_matches(subject, msg->subject())) continue;
      h->captured.push_back(msg.share());
      break;
    }
  }
}

void Worker::stop_skipping_when_caught_up() {
  std::erase_if(skipping_, [this](core::SocketId id) {
    Connection* c = connection(id);
    if (c == nullptr) return true;
    auto& client = static_cast<Client&>(*c);
    const std::vector<uint64_t>& through = client.skipping();
    for (unsigned w = 0; w < through.size(); ++w)
      if (w != index_ && received_seq_[w] < through[w]) return false;
    client.stop_skipping();
    return true;
  });
}

}  // namespace zats::server
