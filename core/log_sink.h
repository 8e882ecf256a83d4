// LogSink: where the log writer thread puts lines: stderr or a file (text or JSON lines), the
// local syslog, or a remote syslog (udp://, tcp://, unix://) as nats-server's logger does.
// Opened on the thread that configures logging (so errors are reported at once), then used
// only by the writer thread: writes may block there, never on a worker.
#pragma once

#include <memory>
#include <string>

#include "core/log_format.h"

namespace zats::core {

enum class LogFormat : uint8_t { Text, Json };

// Writes one JSON line (newline included) for an entry: the server's (server/log_json.h), so
// that core needs no JSON of its own.
using JsonLineWriter = void (*)(std::string& out, const LogEntry& entry, int pid, bool log_time);

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Formats and buffers (or sends) one line.
  virtual void write(const LogEntry& entry) = 0;
  // Hands buffered bytes to the kernel.
  virtual void flush() {}
  // A file sink opens its path again (rotation by logrotate and SIGUSR1); true when it is a
  // file sink.
  virtual bool reopen() { return false; }
};

struct LogSinkSettings {
  std::string file;           // non-empty: append to this file
  std::string remote_syslog;  // else non-empty: "udp://host:port", "tcp://host:port", "unix:///path"
  bool syslog = false;        // else true: the local syslog socket (/dev/log)
  LogFormat format = LogFormat::Text;  // stderr and file
  JsonLineWriter json_line = nullptr;  // required with LogFormat::Json
  bool log_time = true;                // stderr and file
  // > 0: a file past this many bytes is renamed to "<file>.YYYY.MM.DD.HH.MM.SS.NNNNNNNNN"
  // (local time) and started afresh, as nats-server's log_size_limit does.
  int64_t file_size_limit = 0;
  std::string tag = "zats";            // syslog: the program name
};

// Opens the sink the settings ask for (stderr when none); nullptr with a message in `error`.
std::unique_ptr<LogSink> open_log_sink(const LogSinkSettings& settings, std::string* error);

}  // namespace zats::core
