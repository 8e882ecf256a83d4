// How one log line looks in each output: nats-server's text line
// ("[pid] 2026/11/28 01:02:03.123456 [INF] text") and the syslog message Go's log/syslog
// sends (RFC 3164 style); JSON lines are the server's (server/log_json.h writes them with the
// one JSON string escaper). Pure functions: the writer thread calls them, never a worker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zats::core {

enum class LogLevel : uint8_t { Fatal, Error, Warn, Notice, Debug, Trace };

// One line as it leaves a producer: when, how severe, the text, and the connection it is
// about (address "ip:port", its id and the id's tag, "cid" or "rid"; empty/0 when none).
struct LogEntry {
  LogLevel level = LogLevel::Notice;
  int64_t wall_ns = 0;  // CLOCK_REALTIME
  std::string_view address;
  uint64_t cid = 0;
  std::string_view id_tag = "cid";
  std::string_view text;
};

// "[INF]", "[TRC]", ...
std::string_view level_tag(LogLevel level);
// "info", "trace", ... (JSON lines).
std::string_view level_name(LogLevel level);
// "2026-11-28T00:02:03.123456Z": the UTC time of a line to the microsecond (JSON lines).
std::string utc_timestamp(int64_t wall_ns);

// "[pid] 2026/11/28 01:02:03.123456 [INF] 127.0.0.1:5000 - cid:4 - text\n" (no time when
// log_time is false), local time, as nats-server's logger writes it.
void append_text_line(std::string& out, const LogEntry& entry, int pid, bool log_time);

// Go's log/syslog: local (the /dev/log socket, or a unix:// remote) writes
// "<PRI>Nov 28 01:02:03 tag[pid]: msg\n"; network (udp://, tcp://) writes
// "<PRI>2026-11-28T01:02:03+01:00 hostname tag[pid]: msg\n". The facility is daemon for the
// local syslog and kern (0) for a remote one, as nats-server opens them.
struct SyslogStyle {
  bool local = true;
  std::string tag;       // basename of argv[0]
  std::string hostname;  // network form only
  int pid = 0;
};
void append_syslog_message(std::string& out, const LogEntry& entry, const SyslogStyle& style);

// The syslog severity of a level (INF and TRC are notices, as in nats-server).
int syslog_severity(LogLevel level);

}  // namespace zats::core
