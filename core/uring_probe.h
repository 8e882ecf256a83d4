// io_uring capability probe: can this process use io_uring the way the Reactor does (the
// Linux 5.19 baseline: ring setup, provided buffer rings, multishot accept, send, MSG_RING,
// cancel, close), and which newer features (UringFeatures) does the kernel add? On failure the
// message names the cause and the kernel zats needs.
#pragma once

#include <string>

#include "core/uring_features.h"

namespace zats::core {

// IORING_OP_FIXED_FD_INSTALL (Linux 6.8): newer than the io_uring.h Debian 12 ships.
inline constexpr int kOpFixedFdInstall = 54;

struct UringSupport {
  bool ok = false;
  std::string why;      // when !ok
  std::string kernel;   // uname's release, e.g. "6.1.0-18-amd64"
  UringFeatures features;  // what the kernel offers beyond the baseline (by using each)
};

// Probes once per process (small rings and a socketpair); later calls return the first answer.
const UringSupport& uring_support();
// uring_support().ok, with its why.
bool probe_io_uring(std::string* why);
// The kernel's features narrowed to `tier`; false (and why) when io_uring is unusable or the
// kernel lacks a feature of the tier asked for.
bool select_uring_features(UringTier tier, UringFeatures* out, std::string* why);
// One line for the log: "Linux <release>, tier <t> (<features>)", with "forced" when a tier was asked for.
std::string describe_uring(UringTier asked, const UringFeatures& used);

// The message for a failed io_uring_setup: err is the positive errno; disabled_sysctl is
// /proc/sys/kernel/io_uring_disabled (-1 if absent); seccomp_mode is the "Seccomp:" field of
// /proc/self/status (-1 if absent). Pure, so each cause can be tested.
std::string describe_setup_failure(int err, int disabled_sysctl, int seccomp_mode);

}  // namespace zats::core
