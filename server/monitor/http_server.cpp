// HttpServer (see http_server.h): one thread, poll() over non-blocking sockets. Each connection
// is a small state machine — reading a head, writing a response — with one deadline, so every
// way a client can stall ends in a close within a known time.
#include "server/monitor/http_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <list>
#include <vector>

#include "core/listener.h"
#include "server/monitor/go_format.h"
#include "server/monitor/http_parser.h"

namespace zats::server::monitor {
namespace {

using Clock = std::chrono::steady_clock;

UnixNanos wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Conn {
  int fd = -1;
  std::unique_ptr<HttpTransport> transport;  // null: plain HTTP
  std::string in;                            // plaintext
  std::string out;                           // bytes for the socket
  std::size_t out_off = 0;
  bool close_after_write = false;
  Clock::time_point since;     // when the current request (or the idle wait) began
  Clock::time_point deadline;
  bool writing() const { return out_off < out.size(); }
};

// The listening socket as the client port's (core::listen_tcp: Go's error texts, dual-stack for
// a wildcard host), made non-blocking for the poll loop.
int listen_on(const std::string& host, int port, std::string& error, int& bound_port) {
  int fd = core::listen_tcp(host, port, /*reuse_port=*/false, &error);
  if (fd < 0) return -1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  bound_port = core::bound_port(fd);
  return fd;
}

}  // namespace

struct HttpServer::Loop {
  Limits limits;
  Handler handler;
  TransportFactory make_transport;
  std::string plaintext;  // what a transport decrypted from one read
  int listen_fd = -1;
  int wake_fd = -1;
  std::atomic<bool>* stopping = nullptr;
  std::atomic<std::size_t>* count = nullptr;
  std::list<Conn> conns;

  void run();
  void accept_all();
  bool make_room();
  bool on_readable(Conn& c);
  bool on_writable(Conn& c);
  void serve_next(Conn& c);
  void respond(Conn& c, const HttpResponse& r, int minor, bool keep_alive, bool head_only);
  void set_idle(Conn& c);
  int poll_timeout_ms() const;
  void close_conn(std::list<Conn>::iterator it);
  void close_all();
};

void HttpServer::Loop::close_conn(std::list<Conn>::iterator it) {
  close(it->fd);
  conns.erase(it);
  count->store(conns.size());
}

void HttpServer::Loop::close_all() {
  while (!conns.empty()) close_conn(conns.begin());
  close(listen_fd);
}

// At the cap, the connection that has waited longest without being answered makes room; one
// busy writing a response is left to finish.
bool HttpServer::Loop::make_room() {
  if (conns.size() < limits.max_connections) return true;
  auto victim = conns.end();
  for (auto it = conns.begin(); it != conns.end(); ++it) {
    if (!it->writing() && (victim == conns.end() || it->since < victim->since)) victim = it;
  }
  if (victim == conns.end()) return false;
  close_conn(victim);
  return true;
}

void HttpServer::Loop::accept_all() {
  while (true) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or EMFILE and the like: try again on the next wake-up
    if (!make_room()) {
      close(fd);
      continue;
    }
    Conn c;
    c.fd = fd;
    if (make_transport) c.transport = make_transport();
    c.since = Clock::now();
    c.deadline = c.since + limits.header_timeout;
    conns.push_back(std::move(c));
    count->store(conns.size());
  }
}

void HttpServer::Loop::set_idle(Conn& c) {
  c.since = Clock::now();
  c.deadline = c.since + limits.idle_timeout;
}

void HttpServer::Loop::respond(Conn& c, const HttpResponse& r, int minor, bool keep_alive,
                               bool head_only) {
  std::string text = serialize_response(r, minor, keep_alive, head_only, format_http_date(wall_now()));
  c.out_off = 0;
  c.close_after_write = !keep_alive;
  if (c.transport == nullptr) {
    c.out = std::move(text);
  } else if (c.out.clear(); !c.transport->send(text, c.out)) {
    c.close_after_write = true;
  }
  c.deadline = Clock::now() + limits.write_timeout;
}

// Answers the next complete request in the input buffer, if any; one response at a time keeps
// pipelining from queuing unbounded output.
void HttpServer::Loop::serve_next(Conn& c) {
  std::size_t end = find_head_end(c.in);
  if (end == 0) {
    if (c.in.size() > limits.max_request_bytes) {
      HttpResponse r;
      r.status = 431;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "431 Request Header Fields Too Large";
      respond(c, r, 1, false, false);
    }
    return;
  }
  if (end > limits.max_request_bytes) {
    c.in.resize(limits.max_request_bytes + 1);  // same answer as an unfinished oversized head
    return serve_next(c);
  }
  ParsedHead p = parse_head(std::string_view(c.in).substr(0, end));
  c.in.erase(0, end);
  if (p.error_status != 0) {
    HttpResponse r;
    r.status = p.error_status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = p.error_body;
    r.reason = p.error_body.substr(p.error_body.find(' ') + 1);  // "400 X" -> "X"
    return respond(c, r, 1, false, false);
  }
  HttpResponse r;
  try {
    r = handler(p.request);
  } catch (const std::exception& e) {
    r = HttpResponse{500, "text/plain; charset=utf-8", std::string("500 Internal Server Error: ") + e.what(), {}};
  }
  respond(c, r, p.request.version_minor, p.keep_alive && !p.has_body, p.request.method == "HEAD");
}

// Returns false when the connection must close.
bool HttpServer::Loop::on_readable(Conn& c) {
  char buf[16384];
  while (true) {
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    // A new request's clock starts at its first byte.
    if (c.in.empty() && !c.writing()) {
      c.since = Clock::now();
      c.deadline = c.since + limits.header_timeout;
    }
    std::string_view got(buf, static_cast<std::size_t>(n));
    if (c.transport != nullptr) {
      plaintext.clear();
      if (!c.transport->receive(got, plaintext, c.out)) {
        // Whatever the transport still has to say goes out before the close.
        c.close_after_write = true;
        c.deadline = Clock::now() + limits.write_timeout;
        return c.writing();
      }
      got = plaintext;
    }
    // Bytes beyond the limit are dropped unread: the answer will be 431 either way.
    std::size_t room = limits.max_request_bytes + 1 - std::min(c.in.size(), limits.max_request_bytes + 1);
    c.in.append(got.substr(0, room));
    if (!c.writing()) serve_next(c);
    if (c.writing() || static_cast<std::size_t>(n) < sizeof buf) return true;
  }
}

bool HttpServer::Loop::on_writable(Conn& c) {
  while (c.writing()) {
    ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.out_off += static_cast<std::size_t>(n);
  }
  if (c.close_after_write) return false;
  c.out.clear();
  c.out_off = 0;
  set_idle(c);
  serve_next(c);  // a pipelined request may already be waiting
  return true;
}

int HttpServer::Loop::poll_timeout_ms() const {
  if (conns.empty()) return -1;
  auto next = conns.front().deadline;
  for (const auto& c : conns) next = std::min(next, c.deadline);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms + 1, 0, 60'000));
}

void HttpServer::Loop::run() {
  std::vector<pollfd> fds;
  while (!stopping->load()) {
    fds.clear();
    fds.push_back({wake_fd, POLLIN, 0});
    fds.push_back({listen_fd, POLLIN, 0});
    for (const auto& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.writing() ? POLLOUT : POLLIN), 0});
    }
    if (poll(fds.data(), fds.size(), poll_timeout_ms()) < 0 && errno != EINTR) break;
    auto now = Clock::now();
    std::size_t i = 2;
    for (auto it = conns.begin(); it != conns.end() && i < fds.size(); ++i) {
      short ev = fds[i].revents;
      bool keep = true;
      if (ev & (POLLERR | POLLNVAL)) keep = false;
      else if (it->writing() && (ev & (POLLOUT | POLLHUP))) keep = on_writable(*it);
      else if (ev & (POLLIN | POLLHUP)) keep = on_readable(*it) && (!it->writing() || on_writable(*it));
      if (keep && now >= it->deadline) keep = false;
      auto cur = it++;
      if (!keep) close_conn(cur);
    }
    // Accepting last keeps `fds` aligned with `conns` in the loop above.
    if (fds[1].revents & POLLIN) accept_all();
  }
  close_all();
}

HttpServer::HttpServer() : HttpServer(Limits{}) {}
HttpServer::HttpServer(Limits limits) : limits_(limits) {}
HttpServer::~HttpServer() { stop(); }

std::string HttpServer::start(const std::string& host, int port, Handler handler, TransportFactory transport) {
  if (running()) return "monitoring server already running";
  std::string error;
  int fd = listen_on(host, port, error, port_);
  if (fd < 0) return error;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  stopping_ = false;
  loop_ = std::make_unique<Loop>();
  loop_->limits = limits_;
  loop_->handler = std::move(handler);
  loop_->make_transport = std::move(transport);
  loop_->listen_fd = fd;
  loop_->wake_fd = wake_fd_;
  loop_->stopping = &stopping_;
  loop_->count = &conn_count_;
  thread_ = std::thread([this] { loop_->run(); });
  return {};
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(wake_fd_);
  wake_fd_ = -1;
  loop_.reset();
}

}  // namespace zats::server::monitor
