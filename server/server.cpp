#include "server/server.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/clock.h"
#include "core/listener.h"
#include "core/log.h"
#include "core/rcu.h"
#include "core/uring_probe.h"
#include "server/auth/jwt_login.h"
#include "server/log_json.h"
#include "server/config/options_reload.h"

namespace zats::server {
namespace {

// Pins `thread` to the n-th CPU of the process's affinity mask (wrapping when there are more
// workers than CPUs).
void pin_to_cpu(pthread_t thread, unsigned n) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  int count = CPU_COUNT(&allowed);
  if (count <= 0) return;
  unsigned want = n % static_cast<unsigned>(count);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (want-- == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      pthread_setaffinity_np(thread, sizeof one, &one);
      return;
    }
  }
}

unsigned cpus_in_affinity_mask() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 1;
  int count = CPU_COUNT(&allowed);
  return count > 0 ? static_cast<unsigned>(count) : 1;
}

// server.go logStartupInfo and checkResolvePreloads: the trusted operators, and the preloaded
// accounts that are not in force or have problems.
void log_operator_mode(const OperatorMode& mode) {
  if (!mode.enabled()) return;
  if (!mode.operators.empty()) ZATS_NOTICE("Trusted Operators");
  for (const auth::OperatorJwt& op : mode.operators) {
    ZATS_NOTICE("  Operator: \"%s\"", op.claims.name.c_str());
    ZATS_NOTICE("  Subject : %s", op.claims.subject.c_str());
  }
  for (const std::string& w : mode.warnings) ZATS_WARN("%s", w.c_str());
  ZATS_NOTICE("  Accounts: %zu preloaded (memory resolver)", mode.accounts.size());
}

}  // namespace

core::LogSettings log_settings(const Options& o) {
  core::LogSettings log;
  log.debug = o.debug;
  log.trace = o.trace;
  log.output.log_time = o.log_time;
  log.output.file = o.log_file;
  log.output.file_size_limit = o.log_size_limit;
  log.output.syslog = o.syslog;
  log.output.remote_syslog = o.remote_syslog;
  log.output.format = o.log_json ? core::LogFormat::Json : core::LogFormat::Text;
  log.output.json_line = append_json_log_line;
  log.output.tag = program_invocation_short_name;  // nats-server tags syslog lines with argv[0]'s name
  return log;
}

Server::Server(Options options) : options_(std::move(options)), configured_(options_) {
  if (options_.port == 0) options_.port = 4222;
  if (options_.cores <= 0) options_.cores = static_cast<int>(cpus_in_affinity_mask());
  if (options_.cores > static_cast<int>(kMaxInterestWorkers)) options_.cores = static_cast<int>(kMaxInterestWorkers);
}

Server::~Server() { shutdown(); }

// One SO_REUSEPORT listener per worker; with round-robin placement only worker 0 listens.
bool Server::bind_listeners(std::vector<int>* fds, std::string* error) {
  int port = options_.port < 0 ? 0 : options_.port;
  int listeners = options_.placement == Placement::RoundRobin ? 1 : options_.cores;
  for (int i = 0; i < listeners; ++i) {
    int fd = core::listen_tcp(options_.host, port, /*reuse_port=*/options_.cores > 1, error);
    if (fd < 0) return false;
    if (port == 0) port = core::bound_port(fd);  // the other workers share the random port
    fds->push_back(fd);
  }
  bound_port_ = port;
  return true;
}

bool Server::start(std::string* error) {
  std::vector<int> fds;
  if (!bind_listeners(&fds, error)) {
    for (int fd : fds) ::close(fd);
    *error = "Error listening on port: " + core::join_host_port(options_.host, options_.port) + ", \"" + *error + "\"";
    return false;
  }
  options_.port = bound_port_;
  unsigned workers = static_cast<unsigned>(options_.cores);
  context_ = std::make_unique<ServerContext>(options_, workers);
  current_ = context_->initial_options;  // before any thread that applies claims updates starts
  if (!core::select_uring_features(options_.io_uring_tier, &context_->uring, error)) {
    for (int fd : fds) ::close(fd);
    return false;
  }
  // Before the workers copy the INFO template: it names the cluster.
  if (options_.cluster.enabled()) {
    cluster_ = std::make_unique<cluster::Cluster>(*context_, options_);
    on_lame_duck([this] { cluster_->enter_lame_duck(); });
    set_peer_client_urls([this] { return cluster_->peer_client_urls(); });
  }
  start_wall_ns_ = core::realtime_ns();
  // Before the workers: worker 0 takes the system services' requests.
  system_services_ = std::make_unique<SystemServices>(*context_, start_wall_ns_, describe_cluster());
  system_services_->update_claims_with(
      [this](std::string_view key, std::string_view token) { return update_account_claims(key, token); });
  context_->system_services = system_services_.get();
  ZATS_NOTICE("Starting zats (nats-server 2.9.10 compatible)");
  ZATS_NOTICE("  Version:  0.1.0");
  ZATS_NOTICE("  ID:       %s", context_->server_id.c_str());
  ZATS_NOTICE("  io_uring: %s", core::describe_uring(options_.io_uring_tier, context_->uring).c_str());
  for (unsigned i = 0; i < workers; ++i) {
    auto worker = std::make_unique<Worker>(*context_, i);
    int fd = i < fds.size() ? fds[i] : -1;
    if (!worker->init(fd, error)) {
      for (size_t j = i + 1; j < fds.size(); ++j) ::close(fds[j]);
      shutdown();
      return false;
    }
    context_->workers.push_back(worker.get());
    workers_.push_back(std::move(worker));
  }
  ZATS_NOTICE("  Workers:  %u", workers);
  log_operator_mode(options_.operator_mode);
  auth::preload_local_time_zone();
  // Before any worker runs, as nats-server starts monitoring before it accepts clients: a monitor
  // port that cannot be had stops the start before a client is served, and a client that got in
  // finds the monitor up. Requests meanwhile wait in the workers' mailboxes.
  if (!start_monitoring(error)) {
    shutdown();
    return false;
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    threads_.emplace_back([this, i] { workers_[i]->run(); });
    // Named and pinned before start() returns, as `top -H` and /proc show it (pinned from the
    // thread itself, a reader right after start could see it still floating).
    std::string name = "zats-w" + std::to_string(i);
    pthread_setname_np(threads_.back().native_handle(), name.c_str());
    if (options_.pin_workers) pin_to_cpu(threads_.back().native_handle(), static_cast<unsigned>(i));
  }
  if (endpoints_) system_services_->show_http_requests_of(endpoints_->request_counts());
  system_services_->start();
  ZATS_NOTICE("Listening for client connections on %s", core::join_host_port(options_.host, bound_port_).c_str());
  if (options_.tls != nullptr) {
    ZATS_NOTICE("TLS required for client connections");
    // Records are sealed and opened on the workers in user space; kernel TLS offload is not used.
    ZATS_DEBUG("TLS: kernel TLS offload %s; records are encrypted in user space",
               tls::TlsContext::kernel_tls_available() ? "available but not used" : "not offered by this kernel");
  }
  if (cluster_ && !cluster_->start(error)) {
    shutdown();
    return false;
  }
  write_pid_file(options_.pid_file);
  write_ports_file(options_.ports_file_dir);
  ZATS_NOTICE("Server is ready");
  return true;
}

// What the cluster adds to a monitoring snapshot; none without clustering.
MonitorSource::ClusterDescription Server::describe_cluster() {
  if (!cluster_) return {};
  return [this](monitor::ServerIdentity& id) { cluster_->describe(id); };
}

void Server::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  stop_monitoring();
  if (system_services_) system_services_->stop();  // it posts to the workers
  if (cluster_) cluster_->stop();  // no more routes are accepted or dialled
  for (auto& w : workers_) w->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  {
    // The interest index frees retired records through RCU: tear it down from a
    // registered thread, after every worker has gone.
    core::RcuThread rcu;
    workers_.clear();
    system_services_.reset();
    cluster_.reset();
    context_.reset();
    core::rcu_barrier_wait();
  }
  remove_ports_file();
}

// The decimal pid, no trailing newline, mode 0660 (as nats-server writes it).
void Server::write_pid_file(const std::string& path) {
  if (path.empty()) return;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
  if (fd < 0) {
    ZATS_ERROR("Could not write pidfile: %s", path.c_str());
    return;
  }
  std::string pid = std::to_string(::getpid());
  ssize_t ignored = ::write(fd, pid.data(), pid.size());
  (void)ignored;
  ::close(fd);
}

void Server::write_ports_file(const std::string& dir) {
  if (dir.empty()) return;
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string name = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "zats";
  name = name.substr(name.find_last_of('/') + 1);
  ports_file_ = dir + "/" + name + "_" + std::to_string(::getpid()) + ".ports";
  auto reachable = [](const std::string& host) { return host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host; };
  // server.go PortsInfo: "tls://" where the listener requires TLS.
  std::string body = std::string("{\"nats\":[\"") + (options_.tls ? "tls://" : "nats://") +
                     core::join_host_port(reachable(options_.host), bound_port_) + "\"]";
  if (http_) {
    std::string http_host = options_.http_host.empty() ? options_.host : options_.http_host;
    body += std::string(",\"monitoring\":[\"") + (monitor_tls_ ? "https://" : "http://") +
            core::join_host_port(reachable(http_host), http_->port()) + "\"]";
  }
  if (cluster_) {
    body += std::string(",\"cluster\":[\"") + (options_.cluster.tls ? "tls://" : "nats://") +
            core::join_host_port(reachable(options_.cluster.host), cluster_->port()) + "\"]";
  }
  body += "}";
  FILE* f = std::fopen(ports_file_.c_str(), "w");
  if (f == nullptr) {
    ZATS_ERROR("Error writing ports file (%s)", ports_file_.c_str());
    ports_file_.clear();
    return;
  }
  std::fputs(body.c_str(), f);
  std::fclose(f);
}

void Server::remove_ports_file() {
  if (!ports_file_.empty()) ::unlink(ports_file_.c_str());
  ports_file_.clear();
}

bool Server::reload(const Options& next, std::string* error) {
  std::lock_guard lock(reload_mutex_);
  if (std::string why = config::reload_refusal(configured_, next); !why.empty()) {
    *error = why;
    return false;
  }
  Options effective = next;
  // What start() resolved stays: the bound port, the workers and how they share connections.
  effective.host = options_.host;
  effective.port = bound_port_;
  effective.cores = options_.cores;
  effective.placement = options_.placement;
  effective.idle_poll = options_.idle_poll;
  if (effective.debug != current_->debug || effective.trace != current_->trace ||
      effective.log_time != current_->log_time || effective.log_file != current_->log_file ||
      effective.syslog != current_->syslog || effective.remote_syslog != current_->remote_syslog ||
      effective.log_json != current_->log_json) {
    if (!core::configure_logging(log_settings(effective), error)) return false;
  }
  if (effective.pid_file != current_->pid_file) write_pid_file(effective.pid_file);
  if (effective.ports_file_dir != current_->ports_file_dir) {
    remove_ports_file();
    write_ports_file(effective.ports_file_dir);
  }
  std::shared_ptr<const Options> previous = current_;
  configured_ = next;
  current_ = std::make_shared<const Options>(std::move(effective));
  for (auto& w : workers_) w->apply_options(current_);
  if (cluster_) cluster_->reload(*previous, *current_);
  reload_monitoring_tls();
  return true;
}

config::AccountClaimsUpdate Server::update_account_claims(std::string_view key, std::string_view token) {
  std::lock_guard lock(reload_mutex_);
  Options configured = configured_;
  config::AccountClaimsUpdate update = config::update_account_claims(configured, key, token);
  if (!update.changed) return update;
  Options effective = *current_;
  config::update_account_claims(effective, key, token);  // the same preloads: the same outcome
  configured_ = std::move(configured);
  current_ = std::make_shared<const Options>(std::move(effective));
  for (auto& w : workers_) w->apply_options(current_);
  return update;
}

}  // namespace zats::server
