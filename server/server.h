// Server: the assembly. Binds the client listeners, starts one Worker thread per core and the
// cluster (routes) when configured, writes the pid and ports files, applies configuration
// reloads, and stops everything cleanly.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "core/log.h"

#include "server/config/options_config.h"
#include "server/monitor/endpoints.h"
#include "server/monitor/http_server.h"
#include "server/monitor_tls.h"
#include "server/monitor_source.h"
#include "server/options.h"
#include "server/server_context.h"
#include "server/system_services.h"
#include "server/worker.h"

namespace zats::server {

// A client connection named from outside its worker (lame duck closes them one by one).
struct ClientRef {
  unsigned worker = 0;
  core::SocketId socket;
};

// What the service manager is told about (systemd STATUS=), summed over the workers.
struct ServiceCounts {
  int64_t connections = 0;
  uint64_t in_msgs = 0;
  uint64_t out_msgs = 0;
  bool all_answered = false;  // every worker answered in time (the watchdog's liveness test)
};

// The logging settings that options ask for (start-up and reload).
core::LogSettings log_settings(const Options& options);

class Server {
 public:
  explicit Server(Options options);
  ~Server();

  // Binds, starts the workers; false with a message on failure (e.g. the port is taken).
  bool start(std::string* error);
  // Thread-safe; returns once every worker has finished.
  void shutdown();
  // Reload (from main's signal loop, after start): applies `next` (file merged with flags) or
  // refuses it with the reference's message, leaving the options in force unchanged.
  bool reload(const Options& next, std::string* error);
  // An account's new JWT from the system services' thread (config::update_account_claims),
  // applied to the configured options and to those in force, as a reload applies them.
  config::AccountClaimsUpdate update_account_claims(std::string_view key, std::string_view token);

  // Lame duck mode (lame_duck.h drives it from the main thread; server_lame_duck.cpp).
  // Closes every client listener and waits (bounded) until they are gone: new connections
  // are refused from then on.
  void stop_accepting();
  // Enters lame duck mode: tells the lame duck listeners (clustering), sends INFO with
  // "ldm":true to the clients that take an asynchronous INFO, and returns every open client.
  std::vector<ClientRef> announce_lame_duck();
  // Ends one client as a shutdown does (a plain close, no -ERR).
  void close_client(const ClientRef& client);
  bool in_lame_duck() const { return lame_duck_.load(std::memory_order_acquire); }
  // Clustering: `listener` runs (main thread) when lame duck mode starts, before the
  // clients hear of it (the place to send the ldm INFO to routes); `peers` gives the client
  // URLs of the other servers, which the clients' ldm INFO lists in connect_urls.
  void on_lame_duck(std::function<void()> listener);
  void set_peer_client_urls(std::function<std::vector<std::string>()> peers);

  // Service manager support: every worker's counters; all_answered is false when one did
  // not answer within `bound` (a stuck worker: the watchdog then stays silent).
  ServiceCounts service_counts(std::chrono::milliseconds bound);

  int client_port() const { return bound_port_; }
  int cluster_port() const { return cluster_ ? cluster_->port() : 0; }
  const Options& options() const { return options_; }
  const ServerContext& context() const { return *context_; }

 private:
  bool bind_listeners(std::vector<int>* fds, std::string* error);
  // Monitoring (server_monitor.cpp): the HTTP endpoints on http_port, off the hot path.
  bool start_monitoring(std::string* error);
  void stop_monitoring();
  MonitorSource::ClusterDescription describe_cluster();
  void reload_monitoring_tls();
  void write_pid_file(const std::string& path);
  void write_ports_file(const std::string& dir);
  void remove_ports_file();

  Options options_;     // as started (port and cores resolved); ServerContext refers to it
  Options configured_;  // as configured, what a reload is compared with
  std::shared_ptr<const Options> current_;
  std::mutex reload_mutex_;  // reload() (main thread) and update_account_claims() (services' thread)
  std::unique_ptr<ServerContext> context_;
  int64_t start_wall_ns_ = 0;  // when start() began: /varz's start, the statistics' too
  std::unique_ptr<MonitorSource> monitor_source_;
  std::unique_ptr<SystemServices> system_services_;  // the system account's monitoring services
  std::unique_ptr<monitor::Endpoints> endpoints_;
  std::unique_ptr<monitor::HttpServer> http_;
  std::unique_ptr<MonitorTls> monitor_tls_;  // https_port only
  std::unique_ptr<cluster::Cluster> cluster_;  // routes; null without clustering
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  int bound_port_ = 0;
  std::string ports_file_;
  bool stopped_ = false;
  std::atomic<bool> lame_duck_{false};
  std::vector<std::function<void()>> lame_duck_listeners_;
  std::function<std::vector<std::string>()> peer_client_urls_;
};

}  // namespace zats::server
