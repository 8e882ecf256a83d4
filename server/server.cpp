#include "server/server.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>

#include "core/listener.h"
#include "core/log.h"

namespace zats::server {
namespace {

std::string host_port(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Pins the calling thread to the n-th CPU of the process's affinity mask (wrapping when
// there are more workers than CPUs).
void pin_to_cpu(unsigned n) {
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
      pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      return;
    }
  }
}

}  // namespace

Server::Server(Options options) : options_(std::move(options)) {
  if (options_.port == 0) options_.port = 4222;
}

Server::~Server() { shutdown(); }

bool Server::bind_listeners(std::vector<int>* fds, std::string* error) {
  int port = options_.port < 0 ? 0 : options_.port;
  for (int i = 0; i < options_.cores; ++i) {
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
    *error = "Error listening on port: " + host_port(options_.host, options_.port) + ", \"" + *error + "\"";
    return false;
  }
  options_.port = bound_port_;
  context_ = std::make_unique<ServerContext>(options_);
  ZATS_NOTICE("Starting zats (nats-server 2.9.10 compatible)");
  ZATS_NOTICE("  Version:  0.1.0");
  ZATS_NOTICE("  ID:       %s", context_->server_id.c_str());
  for (int i = 0; i < options_.cores; ++i) {
    auto worker = std::make_unique<Worker>(*context_, static_cast<unsigned>(i));
    if (!worker->init(fds[static_cast<size_t>(i)], error)) {
      for (size_t j = static_cast<size_t>(i) + 1; j < fds.size(); ++j) ::close(fds[j]);
      shutdown();
      return false;
    }
    workers_.push_back(std::move(worker));
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    threads_.emplace_back([this, i] {
      pin_to_cpu(static_cast<unsigned>(i));
      workers_[i]->run();
    });
  }
  ZATS_NOTICE("Listening for client connections on %s", host_port(options_.host, bound_port_).c_str());
  write_pid_file();
  write_ports_file();
  ZATS_NOTICE("Server is ready");
  return true;
}

void Server::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) w->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  workers_.clear();
  remove_ports_file();
}

// The decimal pid, no trailing newline, mode 0660 (as nats-server writes it).
void Server::write_pid_file() {
  if (options_.pid_file.empty()) return;
  int fd = ::open(options_.pid_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
  if (fd < 0) {
    ZATS_ERROR("Could not write pidfile: %s", options_.pid_file.c_str());
    return;
  }
  std::string pid = std::to_string(::getpid());
  ssize_t ignored = ::write(fd, pid.data(), pid.size());
  (void)ignored;
  ::close(fd);
}

void Server::write_ports_file() {
  if (options_.ports_file_dir.empty()) return;
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string name = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "zats";
  name = name.substr(name.find_last_of('/') + 1);
  ports_file_ = options_.ports_file_dir + "/" + name + "_" + std::to_string(::getpid()) + ".ports";
  std::string host = options_.host == "0.0.0.0" || options_.host == "::" ? "127.0.0.1" : options_.host;
  std::string body = "{\"nats\":[\"nats://" + host_port(host, bound_port_) + "\"]}";
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

}  // namespace zats::server
