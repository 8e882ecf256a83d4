#include "core/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace zats::core {
namespace {

std::atomic<bool> g_debug{false};
std::atomic<bool> g_trace{false};
std::atomic<bool> g_log_time{true};
std::atomic<int> g_fd{STDERR_FILENO};
std::mutex g_reopen_mutex;  // only reopen/configure take it, never a log line
std::string g_file;

const char* level_tag(LogLevel level) {
  switch (level) {
    case LogLevel::Fatal: return "[FTL]";
    case LogLevel::Error: return "[ERR]";
    case LogLevel::Warn: return "[WRN]";
    case LogLevel::Notice: return "[INF]";
    case LogLevel::Debug: return "[DBG]";
    case LogLevel::Trace: return "[TRC]";
  }
  return "[INF]";
}

int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
}

}  // namespace

bool configure_logging(const LogSettings& settings, std::string* error) {
  std::lock_guard lock(g_reopen_mutex);
  int fd = STDERR_FILENO;
  if (!settings.file.empty()) {
    fd = open_log_file(settings.file);
    if (fd < 0) {
      if (error) *error = "cannot open log file " + settings.file;
      return false;
    }
  }
  int old = g_fd.exchange(fd);
  if (old != STDERR_FILENO && old != fd) ::close(old);
  g_file = settings.file;
  g_debug = settings.debug;
  g_trace = settings.trace;
  g_log_time = settings.log_time;
  return true;
}

void reopen_log() {
  std::lock_guard lock(g_reopen_mutex);
  if (g_file.empty()) return;
  int fd = open_log_file(g_file);
  if (fd < 0) return;
  int old = g_fd.exchange(fd);
  if (old != STDERR_FILENO) ::close(old);
}

bool debug_enabled() { return g_debug.load(std::memory_order_relaxed); }
bool trace_enabled() { return g_trace.load(std::memory_order_relaxed); }

void log(LogLevel level, const char* fmt, ...) {
  char line[4096];
  size_t n = 0;
  n += static_cast<size_t>(std::snprintf(line, sizeof line, "[%d] ", static_cast<int>(::getpid())));
  if (g_log_time.load(std::memory_order_relaxed)) {
    timeval tv;
    ::gettimeofday(&tv, nullptr);
    tm local;
    ::localtime_r(&tv.tv_sec, &local);
    n += std::strftime(line + n, sizeof line - n, "%Y/%m/%d %H:%M:%S", &local);
    n += static_cast<size_t>(std::snprintf(line + n, sizeof line - n, ".%06ld ", static_cast<long>(tv.tv_usec)));
  }
  n += static_cast<size_t>(std::snprintf(line + n, sizeof line - n, "%s ", level_tag(level)));
  va_list args;
  va_start(args, fmt);
  int body = std::vsnprintf(line + n, sizeof line - n, fmt, args);
  va_end(args);
  n = body < 0 ? n : std::min(sizeof line - 2, n + static_cast<size_t>(body));
  line[n++] = '\n';
  ssize_t ignored = ::write(g_fd.load(std::memory_order_relaxed), line, n);
  (void)ignored;
}

}  // namespace zats::core
