// What a configuration reload may change (reload.go diffOptions): users, passwords, tokens,
// permissions, the auth timeout, limits, keep-alive, logging, pid/ports files, client_advertise.
// Anything else (host, port, ...) refuses the whole reload with the reference's message
// "config reload not supported for Port: old=4222, new=4223"; the old options stay in force.
#pragma once

#include <string>

#include "server/options.h"

namespace zats::server::config {

// Empty when `next` may replace `old`; otherwise why not.
std::string reload_refusal(const Options& old, const Options& next);

}  // namespace zats::server::config
