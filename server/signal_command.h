// --signal (-sl) <command>[=<pid or pid file>]: sends a command to a running zats as
// nats-server does: stop (SIGKILL), quit (SIGINT), term (SIGTERM), reopen (SIGUSR1), reload
// (SIGHUP), ldm (SIGUSR2, lame duck mode). Without a pid it looks for the one process with
// this program's name (like `pgrep`), and refuses when there is none or several.
#pragma once

#include <string>
#include <string_view>

namespace zats::server {

// 0 on success; otherwise 1 with the reference's message in `error` ("no zats processes
// running", "unknown signal \"x\"", "invalid pid: x", "no such process", ...).
int send_signal_command(std::string_view argument, std::string* error);

}  // namespace zats::server
