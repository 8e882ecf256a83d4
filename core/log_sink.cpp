#include "core/log_sink.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include "core/clock.h"

namespace zats::core {
namespace {

constexpr size_t kFlushAt = 64 * 1024;

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int open_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
}

// Go prints errno texts in lower case ("connection refused").
std::string errno_text(int err) {
  std::string text = strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// The size of the file behind fd (0 when it cannot tell).
int64_t file_size(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// ".2026.12.04.22.10.05.123456789": the suffix nats-server gives a file it rotated (local time).
std::string backup_suffix(int64_t wall_ns) {
  time_t seconds = static_cast<time_t>(wall_ns / 1'000'000'000);
  tm local{};
  ::localtime_r(&seconds, &local);
  char text[64];
  std::snprintf(text, sizeof text, ".%04d.%02d.%02d.%02d.%02d.%02d.%09lld", local.tm_year + 1900, local.tm_mon + 1,
                local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<long long>(wall_ns % 1'000'000'000));
  return text;
}

// stderr or a file, text or JSON lines; lines are buffered and written together. A file with a
// size limit is rotated by the line that takes it past the limit, as nats-server's file
// logger does: renamed aside, opened afresh, and the new file starts with where the old one went.
class FdSink final : public LogSink {
 public:
  // json_line: null for text lines. size_limit: > 0 for a file to rotate by size.
  FdSink(int fd, std::string path, JsonLineWriter json_line, bool log_time, int64_t size_limit)
      : fd_(fd), path_(std::move(path)), json_line_(json_line), log_time_(log_time),
        pid_(static_cast<int>(::getpid())), size_limit_(path_.empty() ? 0 : size_limit), limit_now_(size_limit_) {
    start_counting();
  }
  ~FdSink() override {
    flush();
    if (fd_ != STDERR_FILENO) ::close(fd_);
  }

  void write(const LogEntry& entry) override {
    if (std::exchange(over_limit_at_open_, false)) {
      // A file already past the limit when opened: say so in it, and rotate at once.
      LogEntry notice;
      notice.wall_ns = entry.wall_ns;
      notice.text = "Rotating logfile...";
      write(notice);
    }
    written_ += static_cast<int64_t>(append_line(entry));
    if (limit_now_ > 0 && written_ > limit_now_) {
      rotate(entry.wall_ns);
    } else if (buffer_.size() >= kFlushAt) {
      flush();
    }
  }

  void flush() override {
    if (!buffer_.empty()) write_all(fd_, buffer_.data(), buffer_.size());  // a failed write loses the batch
    buffer_.clear();
  }

  bool reopen() override {
    if (path_.empty()) return false;
    flush();
    int fd = open_append(path_);
    if (fd < 0) return true;  // keep writing to the old file rather than to nothing
    ::close(fd_);
    fd_ = fd;
    start_counting();
    return true;
  }

 private:
  // Formats one line into the buffer; its size.
  size_t append_line(const LogEntry& entry) {
    size_t before = buffer_.size();
    if (json_line_ != nullptr) {
      json_line_(buffer_, entry, pid_, log_time_);
    } else {
      append_text_line(buffer_, entry, pid_, log_time_);
    }
    return buffer_.size() - before;
  }

  void start_counting() {
    written_ = size_limit_ > 0 ? file_size(fd_) : 0;
    limit_now_ = size_limit_;
    over_limit_at_open_ = size_limit_ > 0 && written_ > size_limit_;
  }

  void rotate(int64_t wall_ns) {
    flush();
    std::string backup = path_ + backup_suffix(wall_ns);
    int fd = -1;
    if (::rename(path_.c_str(), backup.c_str()) != 0 || (fd = open_append(path_)) < 0) {
      // Keep the file we have and try again at twice the size, as nats-server does.
      std::string why = errno_text(errno);
      limit_now_ *= 2;
      LogEntry failed;
      failed.level = LogLevel::Error;
      failed.wall_ns = realtime_ns();
      std::string text = "Unable to rotate logfile (" + why + "), will attempt next rotation at size " +
                         std::to_string(limit_now_);
      failed.text = text;
      written_ += static_cast<int64_t>(append_line(failed));
      return;
    }
    ::close(fd_);
    fd_ = fd;
    LogEntry rotated;
    rotated.wall_ns = realtime_ns();
    std::string text = "Rotated log, backup saved as \"" + backup + "\"";
    rotated.text = text;
    written_ = static_cast<int64_t>(append_line(rotated));
    limit_now_ = size_limit_;
  }

  int fd_;
  std::string path_;  // empty: stderr
  JsonLineWriter json_line_;
  bool log_time_;
  int pid_;
  int64_t size_limit_;   // as configured; 0: no rotation
  int64_t limit_now_;    // doubled while rotating fails
  int64_t written_ = 0;  // bytes in the file, buffered ones included
  bool over_limit_at_open_ = false;
  std::string buffer_;
};

// Where a syslog sink connects: a socket type and address.
struct SyslogTarget {
  int family = AF_UNIX;
  int type = SOCK_DGRAM;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
};

int connect_target(const SyslogTarget& t) {
  int fd = ::socket(t.family, t.type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), t.addr_len) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

SyslogTarget unix_target(const std::string& path, int type) {
  SyslogTarget t;
  t.family = AF_UNIX;
  t.type = type;
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, path.c_str(), sizeof un.sun_path - 1);
  std::memcpy(&t.addr, &un, sizeof un);
  t.addr_len = sizeof un;
  return t;
}

// Go's log/syslog Writer: one message per write; on a failed write it connects again and
// retries once.
class SyslogSink final : public LogSink {
 public:
  SyslogSink(int fd, SyslogTarget target, SyslogStyle style)
      : fd_(fd), target_(target), style_(std::move(style)) {}
  ~SyslogSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void write(const LogEntry& entry) override {
    message_.clear();
    append_syslog_message(message_, entry, style_);
    if (fd_ >= 0 && send_message()) return;
    if (fd_ >= 0) ::close(fd_);
    fd_ = connect_target(target_);
    if (fd_ >= 0) send_message();
  }

 private:
  bool send_message() {
    if (target_.type == SOCK_STREAM) return write_all(fd_, message_.data(), message_.size());
    return ::send(fd_, message_.data(), message_.size(), MSG_NOSIGNAL) >= 0;
  }

  int fd_;
  SyslogTarget target_;
  SyslogStyle style_;
  std::string message_;
};

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// The local syslog daemon: as Go's unixSyslog, datagram then stream, on the usual paths.
std::unique_ptr<LogSink> open_local_syslog(const std::string& tag, std::string* error) {
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    for (const char* path : {"/dev/log", "/var/run/syslog", "/var/run/log"}) {
      SyslogTarget target = unix_target(path, type);
      int fd = connect_target(target);
      if (fd < 0) continue;
      SyslogStyle style{true, tag, "localhost", static_cast<int>(::getpid())};
      return std::make_unique<SyslogSink>(fd, target, std::move(style));
    }
  }
  *error = "error connecting to syslog: \"Unix syslog delivery error\"";
  return nullptr;
}

// "udp://host:port", "tcp://host:port", "unix:///path" (nats-server's getNetworkAndAddr).
std::unique_ptr<LogSink> open_remote_syslog(const std::string& url, const std::string& tag, std::string* error) {
  size_t sep = url.find("://");
  std::string scheme = sep == std::string::npos ? std::string() : url.substr(0, sep);
  std::string rest = sep == std::string::npos ? url : url.substr(sep + 3);
  SyslogStyle style{false, tag, host_name(), static_cast<int>(::getpid())};
  SyslogTarget target;
  std::string dial;  // Go's "dial tcp 127.0.0.1:1" for messages
  if (scheme == "unix") {
    std::string path = rest.substr(rest.find('/') == std::string::npos ? rest.size() : rest.find('/'));
    target = unix_target(path, SOCK_STREAM);
    style.local = true;
    dial = "dial unix " + path;
  } else if (scheme == "udp" || scheme == "tcp") {
    std::string hostport = rest.substr(0, rest.find('/'));
    size_t colon = hostport.rfind(':');
    std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
    std::string port = colon == std::string::npos ? std::string() : hostport.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    dial = "dial " + scheme + " " + hostport;
    if (port.empty()) {
      *error = "error connecting to syslog: \"" + dial + ": missing port in address\"";
      return nullptr;
    }
    addrinfo hints{};
    hints.ai_socktype = scheme == "udp" ? SOCK_DGRAM : SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
      *error = "error connecting to syslog: \"" + dial + ": lookup " + host + ": no such host\"";
      return nullptr;
    }
    target.family = found->ai_family;
    target.type = hints.ai_socktype;
    std::memcpy(&target.addr, found->ai_addr, found->ai_addrlen);
    target.addr_len = found->ai_addrlen;
    ::freeaddrinfo(found);
  } else {
    *error = "error invalid network type: \"" + scheme + "\"";
    return nullptr;
  }
  int fd = connect_target(target);
  if (fd < 0) {
    *error = "error connecting to syslog: \"" + dial + ": connect: " + errno_text(errno) + "\"";
    return nullptr;
  }
  return std::make_unique<SyslogSink>(fd, target, std::move(style));
}

}  // namespace

// nats-server's order: a log file, else a remote syslog, else the local syslog, else stderr.
std::unique_ptr<LogSink> open_log_sink(const LogSinkSettings& s, std::string* error) {
  JsonLineWriter json = s.format == LogFormat::Json ? s.json_line : nullptr;
  if (s.format == LogFormat::Json && json == nullptr) {
    *error = "JSON log lines need a line writer";
    return nullptr;
  }
  if (!s.file.empty()) {
    int fd = open_append(s.file);
    if (fd < 0) {
      *error = "error opening file: open " + s.file + ": " + errno_text(errno);
      return nullptr;
    }
    return std::make_unique<FdSink>(fd, s.file, json, s.log_time, s.file_size_limit);
  }
  if (!s.remote_syslog.empty()) return open_remote_syslog(s.remote_syslog, s.tag, error);
  if (s.syslog) return open_local_syslog(s.tag, error);
  return std::make_unique<FdSink>(STDERR_FILENO, std::string(), json, s.log_time, 0);
}

}  // namespace zats::core
