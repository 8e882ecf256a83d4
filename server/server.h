// Server: the assembly. Binds the client listeners, starts one Worker thread per core,
// writes the pid and ports files, and stops everything cleanly.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

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

  int client_port() const { return bound_port_; }
  const Options& options() const { return options_; }
  const ServerContext& context() const { return *context_; }

 private:
  bool bind_listeners(std::vector<int>* fds, std::string* error);
  void write_pid_file();
  void write_ports_file();
  void remove_ports_file();

  Options options_;
  std::unique_ptr<ServerContext> context_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  int bound_port_ = 0;
  std::string ports_file_;
  bool stopped_ = false;
};

}  // namespace zats::server
