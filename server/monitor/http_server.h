// HttpServer: a small HTTP/1.1 server for the monitoring port, on its own thread (poll, non-
// blocking sockets), so no client can slow down messaging. It promises bounded memory and time
// per client: requests over max_request_bytes get 431, headers must arrive within
// header_timeout, idle keep-alive connections close after idle_timeout, a response must be
// taken within write_timeout, and at most max_connections sockets are held (at the cap the
// oldest connection not being answered is closed to make room, else the newcomer is).
// Any method is answered (HEAD without a body); request bodies are not read: the connection
// is closed after answering such a request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "server/monitor/http_message.h"
#include "server/monitor/http_transport.h"

namespace zats::server::monitor {

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  struct Limits {
    std::size_t max_request_bytes = 64 * 1024;  // request line + headers
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::size_t max_connections = 64;
  };

  HttpServer();
  explicit HttpServer(Limits limits);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 = any free port) and starts serving on a new thread. Returns ""
  // on success, else an error like Go's: "listen tcp 0.0.0.0:8222: bind: address already in use".
  // With `transport`, every connection talks through one it makes (TLS for https).
  std::string start(const std::string& host, int port, Handler handler, TransportFactory transport = {});
  // Closes every connection and joins the thread. Idempotent.
  void stop();

  int port() const { return port_; }
  bool running() const { return thread_.joinable(); }
  // Connections currently held (for tests and diagnostics).
  std::size_t connection_count() const { return conn_count_.load(); }

 private:
  struct Loop;
  Limits limits_;
  int port_ = 0;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> conn_count_{0};
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace zats::server::monitor
