#include "cluster/control_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "core/clock.h"
#include "core/listener.h"
#include "core/log.h"

namespace zats::cluster {
namespace {

constexpr uint64_t kDialTimeoutNs = 1'000'000'000;   // const.go DEFAULT_ROUTE_DIAL
constexpr uint64_t kRetryDelayNs = 1'000'000'000;    // const.go DEFAULT_ROUTE_CONNECT
constexpr int kIdlePollMs = 1000;

}  // namespace

ControlLoop::ControlLoop(int listen_fd, Hooks hooks, Reporting reporting)
    : listen_fd_(listen_fd), hooks_(std::move(hooks)), reporting_(reporting) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // accept_ready() takes every waiting connection and must never block.
  ::fcntl(listen_fd_, F_SETFL, ::fcntl(listen_fd_, F_GETFL) | O_NONBLOCK);
}

ControlLoop::~ControlLoop() {
  stop();
  if (event_fd_ >= 0) ::close(event_fd_);
}

void ControlLoop::start() { thread_ = std::thread([this] { run(); }); }

void ControlLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
  for (Dial& d : dials_)
    if (d.fd >= 0) ::close(d.fd);
  dials_.clear();
}

void ControlLoop::dial(const server::RouteUrl& url, bool explicit_route, bool first_connect, int retries,
                       uint64_t delay_ns) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    Dial d;
    d.url = url;
    d.explicit_route = explicit_route;
    d.first_connect = first_connect;
    d.retries = retries;
    d.due_ns = core::monotonic_ns() + delay_ns;
    incoming_.push_back(std::move(d));
  }
  wake();
}

void ControlLoop::wake() {
  const uint64_t one = 1;
  ssize_t ignored = ::write(event_fd_, &one, sizeof one);
  (void)ignored;
}

void ControlLoop::run() {
  std::vector<pollfd> fds;
  std::vector<size_t> owners;  // dial index of fds[i] (from i = 2)
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      for (Dial& d : incoming_) {
        const bool dialling = std::any_of(dials_.begin(), dials_.end(), [&](const Dial& have) {
          return have.url.host == d.url.host && have.url.port == d.url.port;
        });
        if (!dialling) dials_.push_back(std::move(d));
      }
      incoming_.clear();
    }
    fds.clear();
    owners.clear();
    fds.push_back({event_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    int timeout_ms = kIdlePollMs;
    uint64_t now = core::monotonic_ns();
    for (size_t i = 0; i < dials_.size(); ++i) {
      const Dial& d = dials_[i];
      const uint64_t when = d.fd >= 0 ? d.deadline_ns : d.due_ns;
      const int ms = when <= now ? 0 : static_cast<int>((when - now) / 1'000'000 + 1);
      timeout_ms = std::min(timeout_ms, ms);
      if (d.fd >= 0) {
        fds.push_back({d.fd, POLLOUT, 0});
        owners.push_back(i);
      }
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if (fds[0].revents & POLLIN) {
      uint64_t drained = 0;
      ssize_t ignored = ::read(event_fd_, &drained, sizeof drained);
      (void)ignored;
    }
    if (fds[1].revents & POLLIN) accept_ready();
    now = core::monotonic_ns();
    for (size_t k = 2; k < fds.size(); ++k) {
      Dial& d = dials_[owners[k - 2]];
      if (d.fd >= 0 && fds[k].revents != 0) finish_connect(d, now);
    }
    for (Dial& d : dials_) {
      if (d.fd >= 0 && now >= d.deadline_ns) {
        ::close(d.fd);
        d.fd = -1;
        if (!failed(d, now, "i/o timeout")) d.done = true;
      } else if (d.fd < 0 && !d.done && now >= d.due_ns) {
        start_connect(d, now);
      }
    }
    std::erase_if(dials_, [](const Dial& d) { return d.done; });
  }
}

void ControlLoop::accept_ready() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    hooks_.connected(fd, std::nullopt);
  }
}

// One try: resolve (a name that resolves only to ourselves is not dialled), then a
// non-blocking connect. Marks the dial done when it must not go on.
void ControlLoop::start_connect(Dial& d, uint64_t now) {
  if (!hooks_.wanted(d.url, d.explicit_route)) {
    d.done = true;
    return;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(d.url.port);
  if (const int rc = ::getaddrinfo(d.url.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    if (!failed(d, now, "lookup for host \"" + d.url.host + "\": " + ::gai_strerror(rc))) d.done = true;
    return;
  }
  std::vector<const addrinfo*> candidates;
  const bool literal = core::is_ip_literal(d.url.host);
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* addr = ai->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                                                 : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    ::inet_ntop(ai->ai_family, addr, text, sizeof text);
    // As the reference does, only a name is checked against our own addresses.
    if (!literal && hooks_.is_self(core::join_host_port(text, d.url.port))) continue;
    candidates.push_back(ai);
  }
  if (candidates.empty()) {
    ::freeaddrinfo(found);
    d.done = true;  // every address is this server: nothing to dial
    return;
  }
  static thread_local std::mt19937 rng{std::random_device{}()};
  const addrinfo* ai = candidates[rng() % candidates.size()];
  ZATS_DEBUG("Trying to connect to route on %s", core::join_host_port(d.url.host, d.url.port).c_str());
  const int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int rc = fd < 0 ? -1 : ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  const int err = errno;
  ::freeaddrinfo(found);
  if (fd >= 0 && (rc == 0 || err == EINPROGRESS)) {
    d.fd = fd;
    d.deadline_ns = now + kDialTimeoutNs;
    return;
  }
  if (fd >= 0) ::close(fd);
  if (!failed(d, now, std::strerror(err))) d.done = true;
}

void ControlLoop::finish_connect(Dial& d, uint64_t now) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(d.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS) return;
  const int fd = d.fd;
  d.fd = -1;
  if (err != 0) {
    ::close(fd);
    if (!failed(d, now, std::string("connect: ") + std::strerror(err))) d.done = true;
    return;
  }
  // Back to blocking mode: the worker's ring does the I/O from now on.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  server::RouteUrl url = d.url;
  d.done = true;
  hooks_.connected(fd, std::move(url));
}

// server.go shouldReportConnectErr: the first failure and every n-th after it are errors,
// the others debug lines.
bool ControlLoop::failed(Dial& d, uint64_t now, const std::string& why) {
  ++d.attempts;
  const int64_t every = d.first_connect ? reporting_.connect_error_reports : reporting_.reconnect_error_reports;
  const std::string address = core::join_host_port(d.url.host, d.url.port);
  if (d.attempts == 1 || (every > 0 && d.attempts % every == 0)) {
    ZATS_ERROR("Error trying to connect to route (attempt %d): dial tcp %s: %s", d.attempts, address.c_str(),
               why.c_str());
  } else {
    ZATS_DEBUG("Error trying to connect to route (attempt %d): dial tcp %s: %s", d.attempts, address.c_str(),
               why.c_str());
  }
  if (!d.explicit_route && (d.retries <= 0 || d.attempts > d.retries)) return false;
  d.due_ns = now + kRetryDelayNs;
  return true;
}

}  // namespace zats::cluster
