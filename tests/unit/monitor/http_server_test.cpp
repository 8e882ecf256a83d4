// HttpServer over loopback: normal requests, keep-alive and pipelining, Connection: close,
// HTTP/1.0, HEAD, 404 and 431, a slow-header client dropped while others are served, idle
// sockets beyond the cap, Go-style bind errors, and a transport (what https puts in between).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/monitor/endpoints.h"
#include "server/monitor/http_server.h"
#include "tests/unit/monitor/fixture.h"

using namespace zats::server::monitor;
using namespace std::chrono_literals;

namespace {

int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (431); the reply is what matters
    off += static_cast<std::size_t>(n);
  }
}

// Reads until `done(buffer)` or EOF or the timeout; `eof` says whether the peer closed.
std::string read_until(int fd, bool (*done)(const std::string&), bool& eof,
                       std::chrono::milliseconds timeout = 3000ms) {
  std::string buf;
  eof = false;
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!done(buf)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char tmp[65536];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof = true;
      break;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  return buf;
}

// Complete when the head and Content-Length bytes of body are in (one response).
bool one_response(const std::string& b) {
  std::size_t h = b.find("\r\n\r\n");
  if (h == std::string::npos) return false;
  std::size_t cl = b.find("Content-Length: ");
  if (cl == std::string::npos || cl > h) return true;
  return b.size() >= h + 4 + std::stoul(b.substr(cl + 16));
}

bool never(const std::string&) { return false; }

std::string request(int fd, const std::string& req, bool& eof) {
  send_all(fd, req);
  return read_until(fd, one_response, eof);
}

HttpResponse echo(const HttpRequest& r) {
  HttpResponse resp;
  if (r.path == "/missing") {
    resp.status = 404;
    resp.body = "404 page not found\n";
    return resp;
  }
  resp.body = "{\"path\":\"" + r.path + "\",\"query\":\"" + r.query + "\"}";
  return resp;
}

}  // namespace

TEST_CASE("GET, keep-alive, pipelining and Connection: close") {
  HttpServer srv;
  REQUIRE(srv.start("127.0.0.1", 0, echo) == "");
  REQUIRE(srv.port() > 0);
  int fd = dial(srv.port());
  bool eof = false;
  std::string r = request(fd, "GET /a%2Fb?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(r.find("Date: ") != std::string::npos);
  CHECK(r.find("\r\n\r\n{\"path\":\"/a/b\",\"query\":\"x=1\"}") != std::string::npos);
  CHECK_FALSE(eof);
  r = request(fd, "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  CHECK(r.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
  // Two pipelined requests get two responses in order.
  send_all(fd, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  r = read_until(fd, [](const std::string& b) { return b.find("\"/2\"") != std::string::npos; }, eof);
  CHECK(r.find("\"/1\"") < r.find("\"/2\""));
  r = request(fd, "HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", eof);
  CHECK(r.find("Connection: close\r\n") != std::string::npos);
  CHECK(r.find("Content-Length: ") != std::string::npos);
  CHECK(r.substr(r.find("\r\n\r\n") + 4).empty());
  read_until(fd, never, eof, 1000ms);
  CHECK(eof);
  close(fd);
  srv.stop();
  CHECK_FALSE(srv.running());
}

TEST_CASE("HTTP/1.0, missing Host, garbage and request bodies") {
  HttpServer srv;
  REQUIRE(srv.start("127.0.0.1", 0, echo) == "");
  bool eof = false;
  int fd = dial(srv.port());
  std::string r = request(fd, "GET /x HTTP/1.0\r\n\r\n", eof);
  CHECK(r.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
  read_until(fd, never, eof, 1000ms);
  CHECK(eof);
  close(fd);
  fd = dial(srv.port());
  r = request(fd, "GET /x HTTP/1.1\r\n\r\n", eof);
  // Go's net/http puts the detail of its own request errors in the status line too.
  CHECK(r.rfind("HTTP/1.1 400 Bad Request: missing required Host header\r\n", 0) == 0);
  CHECK(r.find("\r\n\r\n400 Bad Request: missing required Host header") != std::string::npos);
  close(fd);
  fd = dial(srv.port());
  r = request(fd, "GARBAGE\r\n\r\n", eof);
  CHECK(r.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  close(fd);
  fd = dial(srv.port());
  r = request(fd, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", eof);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("Connection: close") != std::string::npos);
  close(fd);
}

TEST_CASE("431 for headers too large") {
  HttpServer::Limits lim;
  lim.max_request_bytes = 4096;
  HttpServer srv(lim);
  REQUIRE(srv.start("127.0.0.1", 0, echo) == "");
  bool eof = false;
  for (const std::string& req :
       {"GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n",
        "GET /" + std::string(100000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n"}) {
    int fd = dial(srv.port());
    std::string r = request(fd, req, eof);
    CHECK(r.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
    CHECK(r.find("\r\n\r\n431 Request Header Fields Too Large") != std::string::npos);
    close(fd);
  }
}

TEST_CASE("a slow-header client is dropped while others are served") {
  HttpServer::Limits lim;
  lim.header_timeout = 400ms;
  HttpServer srv(lim);
  REQUIRE(srv.start("127.0.0.1", 0, echo) == "");
  int slow = dial(srv.port());
  auto t0 = std::chrono::steady_clock::now();
  std::string head = "GET /slow HTTP/1.1\r\nHost: h\r\nX-Drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  bool dropped = false;
  int served = 0;
  for (char ch : head) {
    if (send(slow, &ch, 1, MSG_NOSIGNAL) != 1) {
      dropped = true;
      break;
    }
    bool eof = false;
    int fd = dial(srv.port());
    std::string r = request(fd, "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n", eof);
    served += r.find("\"/fast\"") != std::string::npos;
    close(fd);
    pollfd p{slow, POLLIN, 0};
    if (poll(&p, 1, 30) == 1) {
      char b;
      if (recv(slow, &b, 1, 0) <= 0) {
        dropped = true;
        break;
      }
    }
  }
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(dropped);
  CHECK(took < 2000ms);
  CHECK(served > 3);
  close(slow);
}

TEST_CASE("idle sockets beyond the cap are closed and new clients still served") {
  HttpServer::Limits lim;
  lim.max_connections = 8;
  HttpServer srv(lim);
  REQUIRE(srv.start("127.0.0.1", 0, echo) == "");
  std::vector<int> idle;
  for (int i = 0; i < 40; ++i) idle.push_back(dial(srv.port()));
  // The server closes the excess as it accepts them; give it (boundedly) the time to.
  int closed = 0;
  std::vector<bool> seen_closed(idle.size(), false);
  for (auto until = std::chrono::steady_clock::now() + 5s; closed < 32 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
    for (size_t i = 0; i < idle.size(); ++i) {
      pollfd p{idle[i], POLLIN, 0};
      char b;
      if (!seen_closed[i] && poll(&p, 1, 0) == 1 && recv(idle[i], &b, 1, MSG_DONTWAIT) == 0) {
        seen_closed[i] = true;
        ++closed;
      }
    }
  }
  CHECK(srv.connection_count() <= 8);
  CHECK(closed >= 32);
  bool eof = false;
  int fd = dial(srv.port());
  std::string r = request(fd, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  CHECK(r.find("\"/ok\"") != std::string::npos);
  close(fd);
  for (int s : idle) close(s);
}

TEST_CASE("idle keep-alive connections time out") {
  HttpServer::Limits lim;
  lim.idle_timeout = 200ms;
  HttpServer srv(lim);
  REQUIRE(srv.start("127.0.0.1", 0, echo) == "");
  int fd = dial(srv.port());
  bool eof = false;
  request(fd, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  read_until(fd, never, eof, 2000ms);
  CHECK(eof);
  close(fd);
}

TEST_CASE("bind failure reads like Go's listen error") {
  HttpServer a;
  REQUIRE(a.start("127.0.0.1", 0, echo) == "");
  HttpServer b;
  std::string err = b.start("127.0.0.1", a.port(), echo);
  CHECK(err == "listen tcp 127.0.0.1:" + std::to_string(a.port()) + ": bind: address already in use");
  CHECK_FALSE(b.running());
}

TEST_CASE("endpoints served over HTTP") {
  test::FakeSource src;
  Endpoints ep(src, "");
  HttpServer srv;
  REQUIRE(srv.start("127.0.0.1", 0, [&](const HttpRequest& r) { return ep.handle(r); }) == "");
  bool eof = false;
  int fd = dial(srv.port());
  std::string r = request(fd, "GET /varz HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  CHECK(r.find("\"server_id\": \"NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR\"") != std::string::npos);
  r = request(fd, "GET /connz?sort=bad HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  CHECK(r.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(r.find("\r\n\r\ninvalid sorting option: bad") != std::string::npos);
  r = request(fd, "GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", eof);
  CHECK(r.find("Content-Type: text/plain; version=0.0.4; charset=utf-8") != std::string::npos);
  close(fd);
}

namespace {

// A transport that shifts every byte by one each way (a stand-in for TLS): it shows that
// requests are read and responses written only through it, and that what it has to say when
// it gives up goes out before the close.
class ShiftTransport : public HttpTransport {
 public:
  bool receive(std::string_view bytes, std::string& plaintext, std::string& to_send) override {
    for (char c : bytes) {
      if (c == '\x01') {
        to_send += "refused\n";
        return false;
      }
      plaintext.push_back(static_cast<char>(c - 1));
    }
    return true;
  }
  bool send(std::string_view plaintext, std::string& to_send) override {
    for (char c : plaintext) to_send.push_back(static_cast<char>(c + 1));
    return true;
  }
};

std::string shifted(std::string_view s, int by) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(c + by));
  return out;
}

}  // namespace

TEST_CASE("a transport carries the requests and responses, and its last word before a close") {
  HttpServer srv;
  REQUIRE(srv.start("127.0.0.1", 0, echo, [] { return std::make_unique<ShiftTransport>(); }) == "");
  int fd = dial(srv.port());
  bool eof = false;
  send_all(fd, shifted("GET /t HTTP/1.1\r\nHost: h\r\n\r\n", +1));
  std::string r = read_until(fd, [](const std::string& b) { return b.find(shifted("\"/t\"", +1)) != std::string::npos; },
                             eof);
  r = shifted(r, -1);
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("{\"path\":\"/t\"") != std::string::npos);
  CHECK_FALSE(eof);
  send_all(fd, std::string(1, '\x01'));
  CHECK(read_until(fd, never, eof, 2000ms) == "refused\n");
  CHECK(eof);
  close(fd);
}
