// Options: everything the server is configured with, read once at start (flags over the
// config file) and then immutable. Workers get a const reference; nothing reads a global.
// Defaults are nats-server 2.9.10's (PROTOCOL.md §4.2).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace zats::server {

using Nanos = std::chrono::nanoseconds;

// How new connections are spread over workers: by the kernel (SO_REUSEPORT, the default), or
// round-robin by worker 0 in accept order (deterministic; tests use it to place connections).
enum class Placement { Kernel, RoundRobin };

struct Options {
  // Where clients connect.
  std::string host = "0.0.0.0";
  int port = 4222;                 // -1: random, 0: default (4222)
  std::string server_name;         // empty: the server id
  std::string client_advertise;

  // Limits (PROTOCOL.md §1.9).
  int64_t max_payload = 1048576;
  int64_t max_pending = 64 * 1024 * 1024;
  int32_t max_control_line = 4096;
  int64_t max_connections = 65536;  // < 0: no limit
  int64_t max_subscriptions = 0;    // 0: unlimited
  Nanos ping_interval = std::chrono::minutes(2);
  int ping_max = 2;
  Nanos write_deadline = std::chrono::seconds(10);
  bool no_header_support = false;

  // Logging.
  bool debug = false;
  bool trace = false;
  bool log_time = true;
  std::string log_file;
  std::string pid_file;
  std::string ports_file_dir;

  // Monitoring (served by a later step; parsed now so command lines keep working).
  std::string http_host;
  int http_port = 0;

  // zats's own: worker threads (0: one per CPU in the affinity mask).
  int cores = 0;
  Placement placement = Placement::Kernel;
  // Busy-poll before sleeping in the kernel, per worker.
  std::chrono::microseconds idle_poll{0};

  // Accounts configured besides the global one ($G); filled from the config file.
  std::vector<std::string> accounts;

  std::string config_file;
};

}  // namespace zats::server
