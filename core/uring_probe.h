// io_uring capability probe: can this process use io_uring the way the Reactor does
// (ring setup, provided buffer rings, multishot accept/recv, send, MSG_RING, cancel, close)?
// On failure the message names the cause and the kernel zats needs.
#pragma once

#include <string>

namespace zats::core {

// Runs the probe (creates and destroys a small ring and a socketpair).
bool probe_io_uring(std::string* why);

// The message for a failed io_uring_setup: err is the positive errno; disabled_sysctl is
// /proc/sys/kernel/io_uring_disabled (-1 if absent); seccomp_mode is the "Seccomp:" field of
// /proc/self/status (-1 if absent). Pure, so each cause can be tested.
std::string describe_setup_failure(int err, int disabled_sysctl, int seccomp_mode);

}  // namespace zats::core
