// The CPU time a local server process has used (user + system, /proc/<pid>/stat), so the bench
// can report work per server CPU second (e.g. TLS handshakes per core) on a shared box.
#pragma once

#include <optional>

namespace zats::perf {

std::optional<double> cpu_seconds_of(int pid);

}  // namespace zats::perf
