// Server::start_monitoring: nats-server's monitoring endpoints on http_port (-m), served by
// a side thread (monitor::HttpServer) that gathers snapshots from the workers' mailboxes.
#include "core/clock.h"
#include "core/listener.h"
#include "core/log.h"
#include "server/server.h"

namespace zats::server {

bool Server::start_monitoring(std::string* error) {
  if (options_.http_port == 0) return true;
  std::string host = options_.http_host.empty() ? options_.host : options_.http_host;
  int port = options_.http_port < 0 ? 0 : options_.http_port;
  monitor_source_ = std::make_unique<MonitorSource>(*context_, core::realtime_ns());
  if (cluster_) monitor_source_->describe_cluster_with([this](monitor::ServerIdentity& id) { cluster_->describe(id); });
  endpoints_ = std::make_unique<monitor::Endpoints>(*monitor_source_, options_.http_base_path);
  http_ = std::make_unique<monitor::HttpServer>(monitor::HttpServer::Limits{});
  std::string err = http_->start(host, port, [this](const monitor::HttpRequest& req) { return endpoints_->handle(req); });
  if (!err.empty()) {
    *error = "can't listen to the monitor port: " + err;
    return false;
  }
  ZATS_NOTICE("Starting http monitor on %s", core::join_host_port(host, http_->port()).c_str());
  return true;
}

void Server::stop_monitoring() {
  if (http_) http_->stop();
  http_.reset();
  endpoints_.reset();
  monitor_source_.reset();
}

}  // namespace zats::server
