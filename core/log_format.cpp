#include "core/log_format.h"

#include <time.h>

#include <cstdio>

namespace zats::core {
namespace {

constexpr int kFacilityDaemon = 3 << 3;  // log/syslog LOG_DAEMON; a remote logger uses 0 (kern)

void append_number(std::string& out, uint64_t n) {
  char digits[24];
  int len = std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(n));
  out.append(digits, static_cast<size_t>(len));
}

// "127.0.0.1:5000 - cid:4 - " before the text of a line about a connection.
void append_origin(std::string& out, const LogEntry& e) {
  if (e.address.empty() && e.cid == 0) return;
  out.append(e.address);
  out.append(" - ");
  out.append(e.id_tag);
  out.push_back(':');
  append_number(out, e.cid);
  out.append(" - ");
}

tm broken_down(int64_t wall_ns, bool utc) {
  time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000);
  tm t{};
  if (utc) {
    gmtime_r(&secs, &t);
  } else {
    localtime_r(&secs, &t);
  }
  return t;
}

long micros_of(int64_t wall_ns) { return static_cast<long>((wall_ns % 1'000'000'000) / 1000); }

// "2026/11/28 01:02:03" for the second of wall_ns, in local time: the writer formats many
// lines per second, so the broken-down time is computed once per second (per thread).
std::string_view local_seconds(int64_t wall_ns) {
  thread_local int64_t cached_second = -1;
  thread_local char text[80];
  int64_t second = wall_ns / 1'000'000'000;
  if (second != cached_second) {
    tm t = broken_down(wall_ns, /*utc=*/false);
    std::snprintf(text, sizeof text, "%04d/%02d/%02d %02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                  t.tm_hour, t.tm_min, t.tm_sec);
    cached_second = second;
  }
  return std::string_view(text, 19);
}

}  // namespace

std::string_view level_tag(LogLevel level) {
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

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Fatal: return "fatal";
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warn";
    case LogLevel::Notice: return "info";
    case LogLevel::Debug: return "debug";
    case LogLevel::Trace: return "trace";
  }
  return "info";
}

int syslog_severity(LogLevel level) {
  switch (level) {
    case LogLevel::Fatal: return 2;  // LOG_CRIT
    case LogLevel::Error: return 3;  // LOG_ERR
    case LogLevel::Warn: return 4;   // LOG_WARNING
    case LogLevel::Notice: return 5;  // LOG_NOTICE
    case LogLevel::Debug: return 7;  // LOG_DEBUG
    case LogLevel::Trace: return 5;  // traces go out as notices
  }
  return 5;
}

void append_text_line(std::string& out, const LogEntry& e, int pid, bool log_time) {
  char head[96];
  int n = std::snprintf(head, sizeof head, "[%d] ", pid);
  out.append(head, static_cast<size_t>(n));
  if (log_time) {
    out.append(local_seconds(e.wall_ns));
    n = std::snprintf(head, sizeof head, ".%06ld ", micros_of(e.wall_ns));
    out.append(head, static_cast<size_t>(n));
  }
  out.append(level_tag(e.level));
  out.push_back(' ');
  append_origin(out, e);
  out.append(e.text);
  out.push_back('\n');
}

std::string utc_timestamp(int64_t wall_ns) {
  tm t = broken_down(wall_ns, /*utc=*/true);
  char stamp[64];
  int n = std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", t.tm_year + 1900, t.tm_mon + 1,
                        t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, micros_of(wall_ns));
  return std::string(stamp, static_cast<size_t>(n));
}

void append_syslog_message(std::string& out, const LogEntry& e, const SyslogStyle& style) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int priority = (style.local ? kFacilityDaemon : 0) | syslog_severity(e.level);
  tm t = broken_down(e.wall_ns, /*utc=*/false);
  char head[96];
  int n;
  if (style.local) {
    // time.Stamp: "Jan _2 15:04:05"
    n = std::snprintf(head, sizeof head, "<%d>%s %2d %02d:%02d:%02d ", priority, kMonths[t.tm_mon], t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec);
  } else {
    // time.RFC3339: "2006-01-02T15:04:05Z07:00"
    int offset = static_cast<int>(t.tm_gmtoff);
    int magnitude = (offset < 0 ? -offset : offset) % 86400;
    char zone[32] = "Z";
    if (offset != 0) {
      std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset < 0 ? '-' : '+', magnitude / 3600, magnitude % 3600 / 60);
    }
    n = std::snprintf(head, sizeof head, "<%d>%04d-%02d-%02dT%02d:%02d:%02d%s ", priority, t.tm_year + 1900,
                      t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, zone);
  }
  out.append(head, static_cast<size_t>(n));
  if (!style.local) {
    out.append(style.hostname);
    out.push_back(' ');
  }
  out.append(style.tag);
  n = std::snprintf(head, sizeof head, "[%d]: ", style.pid);
  out.append(head, static_cast<size_t>(n));
  append_origin(out, e);
  out.append(e.text);
  if (e.text.empty() || e.text.back() != '\n') out.push_back('\n');
}

}  // namespace zats::core
