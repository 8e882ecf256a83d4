// ControlLoop: the cluster's own thread, off every worker. It accepts route connections on the
// route listener and dials routes with the reference's timing (route.go connectToRoute): a
// 1 s dial timeout, 1 s between tries; an explicit route is tried for as long as it stays
// configured, an implicit one once plus connect_retries. A connected socket is handed to the
// Cluster, which gives it to a worker. Nothing here blocks a worker; name lookups happen here.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/options.h"

namespace zats::cluster {

class ControlLoop {
 public:
  struct Hooks {
    // A route connected (url set: we dialled it; empty: accepted). Takes the fd.
    std::function<void(int fd, std::optional<server::RouteUrl> url)> connected;
    // Still worth dialling? (an explicit route still configured, a peer not yet connected)
    std::function<bool(const server::RouteUrl& url, bool explicit_route)> wanted;
    // "ip:port" is this server's own route listener (a name that resolves to ourselves).
    std::function<bool(const std::string& address)> is_self;
  };
  struct Reporting {
    int64_t connect_error_reports = 3600;
    int64_t reconnect_error_reports = 1;
  };

  ControlLoop(int listen_fd, Hooks hooks, Reporting reporting);
  ~ControlLoop();
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  void start();
  void stop();

  // Dials `url` after `delay_ns`; retries as its kind allows (`retries`: tries after the first
  // for an implicit route). A URL already being dialled is not dialled twice.
  void dial(const server::RouteUrl& url, bool explicit_route, bool first_connect, int retries, uint64_t delay_ns);

 private:
  struct Dial {
    server::RouteUrl url;
    bool explicit_route = false;
    bool first_connect = true;
    int retries = 0;
    int attempts = 0;
    uint64_t due_ns = 0;       // next try (when fd < 0)
    int fd = -1;               // a connect in progress
    uint64_t deadline_ns = 0;  // of the connect in progress
    bool done = false;         // connected, or given up: removed at the end of the turn
  };

  void run();
  void accept_ready();
  void start_connect(Dial& d, uint64_t now);
  void finish_connect(Dial& d, uint64_t now);
  // A try failed: schedule the next one, or drop the dial (false).
  bool failed(Dial& d, uint64_t now, const std::string& why);
  void wake();

  int listen_fd_;
  int event_fd_ = -1;
  Hooks hooks_;
  Reporting reporting_;
  // Requests from other threads wait in incoming_; dials_ belongs to the loop's thread, so
  // lookups, connects and the hooks (which take the Cluster's lock) run with no lock held.
  std::mutex mu_;
  std::vector<Dial> incoming_;
  bool stopping_ = false;
  std::vector<Dial> dials_;
  std::thread thread_;
};

}  // namespace zats::cluster
