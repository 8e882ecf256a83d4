// Server::start_monitoring: nats-server's monitoring endpoints on http_port (-m), served by
// a side thread (monitor::HttpServer) that gathers snapshots from the workers' mailboxes.
#include "core/clock.h"
#include "core/listener.h"
#include "core/log.h"
#include "server/server.h"

namespace zats::server {

bool Server::start_monitoring(std::string* error) {
  if (options_.http_port == 0 && options_.https_port == 0) return true;
  auto failed = [error](const std::string& why) {
    *error = "Can't start monitoring: " + why;
    return false;
  };
  if (options_.http_port != 0 && options_.https_port != 0)
    return failed("can't specify both HTTP (" + std::to_string(options_.http_port) + ") and HTTPs (" +
                  std::to_string(options_.https_port) + ") ports");
  const bool secure = options_.https_port != 0;
  monitor::TransportFactory transport;
  if (secure) {
    monitor_tls_ = std::make_unique<MonitorTls>();
    std::string why;
    if (!monitor_tls_->configure(options_.tls, &why)) return failed(why);
    transport = monitor_tls_->factory();
  }
  std::string host = options_.http_host.empty() ? options_.host : options_.http_host;
  int configured = secure ? options_.https_port : options_.http_port;
  int port = configured < 0 ? 0 : configured;
  monitor_source_ = std::make_unique<MonitorSource>(*context_, start_wall_ns_);
  monitor_source_->describe_cluster_with(describe_cluster());
  endpoints_ = std::make_unique<monitor::Endpoints>(*monitor_source_, options_.http_base_path);
  http_ = std::make_unique<monitor::HttpServer>(monitor::HttpServer::Limits{});
  std::string err = http_->start(
      host, port, [this](const monitor::HttpRequest& req) { return endpoints_->handle(req); }, std::move(transport));
  if (!err.empty()) return failed("can't listen to the monitor port: " + err);
  ZATS_NOTICE("Starting %s monitor on %s", secure ? "https" : "http", core::join_host_port(host, http_->port()).c_str());
  return true;
}

// A reload's new certificates serve monitoring connections made after it, as clients'.
void Server::reload_monitoring_tls() {
  if (!monitor_tls_) return;
  std::string why;
  if (!monitor_tls_->configure(current_->tls, &why))
    ZATS_ERROR("https monitoring keeps its certificate: %s", why.c_str());
}

void Server::stop_monitoring() {
  if (http_) http_->stop();
  http_.reset();
  endpoints_.reset();
  monitor_source_.reset();
}

}  // namespace zats::server
