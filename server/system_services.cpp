// SystemServices (see system_services.h).
#include "server/system_services.h"

#include <pthread.h>

#include <algorithm>

#include "core/log.h"
#include "server/worker.h"

namespace zats::server {

SystemServices::SystemServices(ServerContext& context, int64_t start_wall_ns,
                               MonitorSource::ClusterDescription describe_cluster)
    : context_(context),
      account_(context.system_account),
      source_(context, start_wall_ns),
      describe_cluster_(std::move(describe_cluster)),
      reported_conns_(context.accounts.size(), 0) {
  if (describe_cluster_) source_.describe_cluster_with(describe_cluster_);
}

SystemServices::~SystemServices() { stop(); }

void SystemServices::start() {
  if (account_ == kNoAccount || thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "zats-sys");
}

void SystemServices::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    waiting_.clear();
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SystemServices::submit(Request request) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || waiting_.size() >= kMaxWaiting) return;
    waiting_.push_back(std::move(request));
  }
  wake_.notify_one();
}

void SystemServices::run() {
  std::chrono::milliseconds statsz_every = kFirstStatsz;
  Clock::time_point next_statsz = Clock::now() + statsz_every;
  Clock::time_point next_conns_check = Clock::now() + kConnsCheckEvery;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_until(lock, std::min(next_statsz, next_conns_check), [this] { return stopping_ || !waiting_.empty(); });
    if (stopping_) return;
    const Clock::time_point now = Clock::now();
    std::optional<Request> request;
    if (!waiting_.empty()) {
      request = std::move(waiting_.front());
      waiting_.pop_front();
    }
    lock.unlock();
    if (now >= next_statsz) {
      send_statsz();
      statsz_every = std::min(statsz_every * 2, kStatszEvery);
      next_statsz = now + statsz_every;
    }
    if (now >= next_conns_check) {
      report_account_connections(now);
      next_conns_check = now + kConnsCheckEvery;
    }
    if (request) answer(*request);
    lock.lock();
  }
}

// The statistics asked for without a reply go where nats-server sends its own.
void SystemServices::send_statsz() { answer(Request{"$SYS.REQ.SERVER.PING", {}, {}}); }

// The accounts whose client count changed since the last look, and every 30 s those with clients,
// from one snapshot. Workers only count logins (an atomic per account); the looking is done here.
void SystemServices::report_account_connections(Clock::time_point now) {
  const bool heartbeat = now >= next_conns_heartbeat_;
  if (heartbeat) next_conns_heartbeat_ = now + kStatszEvery;
  std::vector<AccountId> due;
  for (AccountId a = 0; a < reported_conns_.size(); ++a) {
    const int64_t open = context_.account_connections[a].load(std::memory_order_relaxed);
    if (open != reported_conns_[a] || (heartbeat && open > 0)) due.push_back(a);
    reported_conns_[a] = open;
  }
  if (due.empty()) return;
  monitor::SnapshotRequest what;
  what.accounts = true;
  const monitor::Snapshot snap = source_.take(what);
  EventServer server = describe_server();
  for (AccountId a : due) {
    if (a >= snap.accounts.size()) continue;
    const std::string id = event_ids_.next();
    for (std::string& subject : account_conns_subjects(snap.accounts[a].name)) {
      stamp(server);
      publish(std::move(subject), account_conns_json(id, server, snap.accounts[a]));
    }
  }
}

EventServer SystemServices::describe_server() {
  cluster_name_ = context_.info.cluster;
  if (describe_cluster_) {
    monitor::ServerIdentity id;
    describe_cluster_(id);
    cluster_name_ = id.cluster_name;
  }
  return describe_event_server(context_.info, cluster_name_, context_.options.server_tags);
}

void SystemServices::answer(const Request& request) {
  std::optional<SystemRequest> asked = SystemRequest::parse(request.subject, context_.server_id);
  if (!asked) return;
  if (asked->service() == SystemService::ClaimsUpdate) return update_claims(asked->account(), request);
  std::string reply = request.reply;
  if (reply.empty()) {
    if (asked->service() != SystemService::Statsz) return;  // nowhere to answer
    reply = "$SYS.SERVER." + context_.server_id + ".STATSZ";
  }
  EventServer server = describe_server();
  const bool readable = asked->read_options(request.payload);
  if (readable && asked->leaves_out(server)) return;
  monitor::Snapshot snap;
  if (readable) snap = source_.take(asked->snapshot_request());
  if (http_requests_) snap.http_requests = http_requests_->snapshot();
  stamp(server);
  std::optional<std::string> payload = asked->answer(snap, server, event_ids_.next());
  if (payload) publish(std::move(reply), std::move(*payload));
}

// Each message the server sends in the system account has its own sequence number and time.
void SystemServices::stamp(EventServer& server) { stamp_event_server(server, context_.event_seq); }

void SystemServices::publish(std::string subject, std::string payload) {
  Worker* publisher = context_.workers.front();
  publisher->post([publisher, subject = std::move(subject), payload = std::move(payload)] {
    publisher->publish_system_answer(subject, payload);
  });
}

// Logged and answered as nats-server's respondToUpdate does; not filtered (the payload is the JWT).
void SystemServices::update_claims(const std::string& account, const Request& request) {
  const config::AccountClaimsUpdate update =
      update_claims_ ? update_claims_(account, request.payload) : config::AccountClaimsUpdate{"jwt update skipped", {}};
  if (update.error.empty()) ZATS_DEBUG("%s - %s", update.message.c_str(), account.c_str());
  else ZATS_ERROR("%s - %s - %s", update.message.c_str(), account.c_str(), update.error.c_str());
  if (request.reply.empty()) return;
  EventServer server = describe_server();
  stamp(server);
  publish(request.reply, claims_update_answer(server, account, update.message, update.error));
}

}  // namespace zats::server
