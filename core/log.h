// Logging in the nats-server format: "[pid] 2026/11/28 01:02:03.123456 [INF] text", or JSON
// lines, or syslog. The calling thread only formats the text and copies it into its own
// bounded queue; a writer thread (log_writer.h) owns the output and does every write, so a
// log line never blocks a worker (a full queue drops the line and counts it, see
// log_lines_dropped) and reopening the file never races a write. Debug and trace lines are
// checked with one relaxed load before any formatting happens.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/log_format.h"
#include "core/log_sink.h"

namespace zats::core {

struct LogSettings {
  bool debug = false;
  bool trace = false;
  LogSinkSettings output;  // file, syslog, format, timestamps
};

// Applies settings (at start-up and on reload) and starts the writer thread if needed;
// false with a message in `error` when the output cannot be opened (nothing changes then).
bool configure_logging(const LogSettings& settings, std::string* error);
// SIGUSR1: the writer opens the log file again (rotation) and says so in the log; without a
// log file it logs that the request was ignored, as nats-server does.
void reopen_log();
// Waits (bounded) until every line logged before the call has been handed to the output.
void flush_log();
// Flushes and stops the writer thread; later lines are written directly. Also run at exit.
void shutdown_logging();
// Lines dropped because a thread's queue was full (the output did not keep up).
uint64_t log_lines_dropped();

namespace detail {
inline std::atomic<bool> g_debug{false};
inline std::atomic<bool> g_trace{false};
}  // namespace detail

inline bool debug_enabled() { return detail::g_debug.load(std::memory_order_relaxed); }
inline bool trace_enabled() { return detail::g_trace.load(std::memory_order_relaxed); }

// The connection a line is about: shown as "ip:port - cid:N - " before the text ("rid:N"
// for a route), or as the "client" and "cid" (or "rid") fields of a JSON line.
struct LogOrigin {
  std::string_view address;
  uint64_t cid = 0;
  std::string_view id_tag = "cid";
};

void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void log_from(LogLevel level, const LogOrigin& origin, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
// An already formatted text (no printf pass).
void log_text(LogLevel level, const LogOrigin* origin, std::string_view text);

#define ZATS_LOG(level, ...) ::zats::core::log(::zats::core::LogLevel::level, __VA_ARGS__)
#define ZATS_NOTICE(...) ZATS_LOG(Notice, __VA_ARGS__)
#define ZATS_WARN(...) ZATS_LOG(Warn, __VA_ARGS__)
#define ZATS_ERROR(...) ZATS_LOG(Error, __VA_ARGS__)
#define ZATS_FATAL(...) ZATS_LOG(Fatal, __VA_ARGS__)
#define ZATS_DEBUG(...) \
  do { if (::zats::core::debug_enabled()) ZATS_LOG(Debug, __VA_ARGS__); } while (0)
#define ZATS_TRACE(...) \
  do { if (::zats::core::trace_enabled()) [[unlikely]] ZATS_LOG(Trace, __VA_ARGS__); } while (0)
// Lines about a connection (origin: a LogOrigin).
#define ZATS_LOG_FROM(level, origin, ...) ::zats::core::log_from(::zats::core::LogLevel::level, origin, __VA_ARGS__)
#define ZATS_DEBUG_FROM(origin, ...) \
  do { if (::zats::core::debug_enabled()) ZATS_LOG_FROM(Debug, origin, __VA_ARGS__); } while (0)

}  // namespace zats::core
