// Server: the assembly. Binds the client listeners, starts one Worker thread per core and the
// cluster (routes) when configured, writes the pid and ports files, applies configuration
// reloads, and stops everything cleanly.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "server/monitor/endpoints.h"
#include "server/monitor/http_server.h"
#include "server/monitor_source.h"
#include "server/options.h"
#include "server/server_context.h"
#include "server/worker.h"

namespace zats::server {

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

  int client_port() const { return bound_port_; }
  int cluster_port() const { return cluster_ ? cluster_->port() : 0; }
  const Options& options() const { return options_; }
  const ServerContext& context() const { return *context_; }

 private:
  bool bind_listeners(std::vector<int>* fds, std::string* error);
  // Monitoring (server_monitor.cpp): the HTTP endpoints on http_port, off the hot path.
  bool start_monitoring(std::string* error);
  void stop_monitoring();
  void write_pid_file(const std::string& path);
  void write_ports_file(const std::string& dir);
  void remove_ports_file();

  Options options_;     // as started (port and cores resolved); ServerContext refers to it
  Options configured_;  // as configured, what a reload is compared with
  std::shared_ptr<const Options> current_;
  std::unique_ptr<ServerContext> context_;
  std::unique_ptr<MonitorSource> monitor_source_;
  std::unique_ptr<monitor::Endpoints> endpoints_;
  std::unique_ptr<monitor::HttpServer> http_;
  std::unique_ptr<cluster::Cluster> cluster_;  // routes; null without clustering
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  int bound_port_ = 0;
  std::string ports_file_;
  bool stopped_ = false;
};

}  // namespace zats::server
