// JSON log lines (--log_json, log_json: true): one object per line with the time (UTC, to the
// microsecond; left out with logtime: false), the level, the message, the pid, and for a line
// about a connection its address and id:
//   {"time":"2026-11-28T00:02:03.123456Z","level":"trace","msg":"<<- [PUB foo 5]","pid":12,
//    "client":"127.0.0.1:5000","cid":4}
// Strings are escaped by proto's JSON string escaper, as everything else zats writes as JSON.
#pragma once

#include <string>

#include "core/log_format.h"

namespace zats::server {

void append_json_log_line(std::string& out, const core::LogEntry& entry, int pid, bool log_time);

}  // namespace zats::server
