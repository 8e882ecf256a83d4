// Logging in the nats-server format: "[pid] 2026/11/28 01:02:03.123456 [INF] text".
// One process-wide sink (stderr or a file), written with one write(2) per line so lines
// from different workers never interleave. Not for the hot path: debug/trace are checked
// with a cheap flag test before any formatting happens.
#pragma once

#include <cstdarg>
#include <string>
#include <string_view>

namespace zats::core {

enum class LogLevel { Fatal, Error, Warn, Notice, Debug, Trace };

struct LogSettings {
  bool debug = false;
  bool trace = false;
  bool log_time = true;
  std::string file;  // empty: stderr
};

// Applies settings (called at start-up and on reload); returns false with a message in
// `error` when the log file cannot be opened.
bool configure_logging(const LogSettings& settings, std::string* error);
// Reopens the log file (SIGUSR1, for rotation).
void reopen_log();

bool debug_enabled();
bool trace_enabled();

void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define ZATS_LOG(level, ...) ::zats::core::log(::zats::core::LogLevel::level, __VA_ARGS__)
#define ZATS_NOTICE(...) ZATS_LOG(Notice, __VA_ARGS__)
#define ZATS_WARN(...) ZATS_LOG(Warn, __VA_ARGS__)
#define ZATS_ERROR(...) ZATS_LOG(Error, __VA_ARGS__)
#define ZATS_FATAL(...) ZATS_LOG(Fatal, __VA_ARGS__)
#define ZATS_DEBUG(...) \
  do { if (::zats::core::debug_enabled()) ZATS_LOG(Debug, __VA_ARGS__); } while (0)
#define ZATS_TRACE(...) \
  do { if (::zats::core::trace_enabled()) ZATS_LOG(Trace, __VA_ARGS__); } while (0)

}  // namespace zats::core
