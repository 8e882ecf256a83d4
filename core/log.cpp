#include "core/log.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/clock.h"
#include "core/log_writer.h"

namespace zats::core {
namespace {

constexpr std::chrono::milliseconds kFlushBound{1000};

std::mutex g_config_mutex;  // configure, reopen, shutdown: never taken for a line
std::mutex g_direct_mutex;  // lines written directly (no writer thread running)
std::atomic<bool> g_log_time{true};
std::once_flag g_at_exit;

// Before the writer starts (start-up errors) and after it stopped: straight to stderr.
void write_directly(const LogEntry& entry) {
  std::string line;
  append_text_line(line, entry, static_cast<int>(::getpid()), g_log_time.load(std::memory_order_relaxed));
  std::lock_guard lock(g_direct_mutex);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

void emit(LogLevel level, const LogOrigin* origin, std::string_view text) {
  LogEntry entry;
  entry.level = level;
  entry.wall_ns = realtime_ns();
  entry.text = text;
  if (origin != nullptr) {
    entry.address = origin->address;
    entry.cid = origin->cid;
    entry.id_tag = origin->id_tag;
  }
  LogWriter& writer = LogWriter::instance();
  if (!writer.running()) {
    write_directly(entry);
    return;
  }
  writer.submit(entry);  // a full queue drops the line; the writer counts and reports it
  if (level == LogLevel::Fatal) writer.flush(kFlushBound);  // the process is about to stop
}

// The text of a line, formatted into a buffer each thread reuses.
std::string_view format(const char* fmt, va_list args) {
  thread_local std::string text;
  va_list again;
  va_copy(again, args);
  text.resize(text.capacity() > 256 ? text.capacity() : 256);
  int n = std::vsnprintf(text.data(), text.size() + 1, fmt, args);
  if (n < 0) n = 0;
  if (static_cast<size_t>(n) > text.size()) {
    text.resize(static_cast<size_t>(n));
    std::vsnprintf(text.data(), text.size() + 1, fmt, again);
  }
  va_end(again);
  return std::string_view(text.data(), static_cast<size_t>(n));
}

}  // namespace

bool configure_logging(const LogSettings& settings, std::string* error) {
  std::lock_guard lock(g_config_mutex);
  std::string why;
  std::unique_ptr<LogSink> sink = open_log_sink(settings.output, &why);
  if (!sink) {
    if (error != nullptr) *error = why;
    return false;
  }
  detail::g_debug.store(settings.debug, std::memory_order_relaxed);
  detail::g_trace.store(settings.trace, std::memory_order_relaxed);
  g_log_time.store(settings.output.log_time, std::memory_order_relaxed);
  std::call_once(g_at_exit, [] { std::atexit(shutdown_logging); });
  LogWriter::instance().use(std::move(sink));  // false only after a stuck writer: lines stay direct
  return true;
}

void reopen_log() {
  std::lock_guard lock(g_config_mutex);
  LogWriter& writer = LogWriter::instance();
  if (writer.running()) {
    writer.reopen();
  } else {
    log(LogLevel::Notice, "File log re-open ignored, not a file logger");
  }
}

void flush_log() { LogWriter::instance().flush(kFlushBound); }

void shutdown_logging() {
  std::lock_guard lock(g_config_mutex);
  LogWriter::instance().stop();
}

uint64_t log_lines_dropped() { return LogWriter::instance().dropped(); }

void log(LogLevel level, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string_view text = format(fmt, args);
  va_end(args);
  emit(level, nullptr, text);
}

void log_from(LogLevel level, const LogOrigin& origin, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string_view text = format(fmt, args);
  va_end(args);
  emit(level, &origin, text);
}

void log_text(LogLevel level, const LogOrigin* origin, std::string_view text) { emit(level, origin, text); }

}  // namespace zats::core
