// Server memory probes for the `conns` scenario: the resident set of a local
// server process (/proc/<pid>/status VmRSS) or the `mem` field of its /varz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zats::perf {

std::optional<uint64_t> rss_bytes(int pid);

// GET <monitor>/varz (monitor is http://host:port), bounded by a 5 s timeout.
std::optional<uint64_t> varz_mem_bytes(const std::string& monitor);

}  // namespace zats::perf
