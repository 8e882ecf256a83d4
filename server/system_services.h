// SystemServices: answers the monitoring requests made in the system account
// (server/system_requests.h) on a thread of its own, since an answer's snapshot waits for every
// worker, which no worker may do. Worker 0 holds the interest in the services' subjects (so
// requests from every worker and every route reach it) and hands each request here; the answer
// goes back to worker 0, which publishes it in the system account like any message, to the
// request's reply. A statistics request without a reply is answered on
// $SYS.SERVER.<server id>.STATSZ, as nats-server does; and, as nats-server does, the thread sends
// the statistics there on its own, first 250 ms after the start, then at doubling intervals up to
// every 30 s. It also sends each account's connection event (server/system_events.h) when the
// account's client count has changed, looking every 100 ms, and every 30 s while it has clients.
// An account's new JWT sent to it (a claims update) is handed to the server, which applies it as
// a reload would; the outcome is the answer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/config/options_config.h"
#include "server/monitor_source.h"
#include "server/server_context.h"
#include "server/system_requests.h"

namespace zats::server {

class SystemServices {
 public:
  // Requests waiting past this are dropped (a flood must not grow the server without bound).
  static constexpr size_t kMaxWaiting = 256;
  static constexpr std::chrono::milliseconds kFirstStatsz{250};
  static constexpr std::chrono::milliseconds kStatszEvery{30'000};  // nats-server's eventsHBInterval
  static constexpr std::chrono::milliseconds kConnsCheckEvery{100};

  struct Request {
    std::string subject, reply, payload;  // payload: the message's body, without headers
  };

  SystemServices(ServerContext& context, int64_t start_wall_ns, MonitorSource::ClusterDescription describe_cluster);
  ~SystemServices();  // stops
  SystemServices(const SystemServices&) = delete;
  SystemServices& operator=(const SystemServices&) = delete;

  // The system account the services answer in; kNoAccount when the server has none.
  AccountId account() const { return account_; }
  // Who applies claims updates (before start; without one, every update is skipped).
  using ClaimsUpdater = std::function<config::AccountClaimsUpdate(std::string_view key, std::string_view token)>;
  void update_claims_with(ClaimsUpdater updater) { update_claims_ = std::move(updater); }
  // The monitoring port's request counts, which VARZ shows (before start; none: no counts).
  void show_http_requests_of(std::shared_ptr<const monitor::HttpRequestCounts> counts) {
    http_requests_ = std::move(counts);
  }
  void start();
  // Drops what waits and joins the thread; idempotent.
  void stop();
  // Thread-safe (worker 0 calls it); brief: a push under the queue's lock.
  void submit(Request request);

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  void answer(const Request& request);
  void update_claims(const std::string& account, const Request& request);
  void send_statsz();
  void report_account_connections(Clock::time_point now);
  void stamp(EventServer& server);
  // Through worker 0, in the system account.
  void publish(std::string subject, std::string payload);
  EventServer describe_server();

  ServerContext& context_;
  AccountId account_;
  MonitorSource source_;
  MonitorSource::ClusterDescription describe_cluster_;
  ClaimsUpdater update_claims_;
  std::shared_ptr<const monitor::HttpRequestCounts> http_requests_;
  std::string cluster_name_;  // what describe_server() names, kept for its views
  std::mt19937_64 rng_{std::random_device{}()};
  EventIds event_ids_{rng_};  // after rng_: made from it
  std::vector<int64_t> reported_conns_;  // by AccountId: the count last looked at
  Clock::time_point next_conns_heartbeat_ = Clock::now() + kStatszEvery;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> waiting_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace zats::server
