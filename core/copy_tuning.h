// glibc before 2.39 copies anything past 2112 bytes with REP MOVSB on a CPU that reports Fast
// Short REP MOVSB. AMD's Zen 3 and Zen 4 report it, yet run REP MOVSB up to twenty times slower
// into a destination that is not 64-byte aligned (glibc bug 30994), which is where most of our
// big copies land: a TLS record's plaintext behind its 5-byte header, records and payloads
// appended to an output buffer. glibc 2.39 stopped using REP MOVSB below the L2 size on AMD; on
// an older glibc the same choice is a tunable (glibc.cpu.x86_rep_movsb_threshold), read only
// when a process starts. So on such a machine the program executes itself once more with it
// set, before doing anything else. A GLIBC_TUNABLES that already names the threshold is left
// as it is (docs/operations.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zats::core {

struct CopyCpu {
  bool amd = false;   // CPUID vendor AuthenticAMD
  bool fsrm = false;  // CPUID.(EAX=7,ECX=0):EDX[4], Fast Short REP MOVSB
};

// The GLIBC_TUNABLES value to run with (`current` plus the threshold set to `l2_bytes`), or
// nothing where no change is due: another CPU, a glibc outside 2.33..2.38 (`libc_version` as
// gnu_get_libc_version() gives it), or a threshold `current` already sets.
std::optional<std::string> vector_copy_tunables(std::string_view libc_version, CopyCpu cpu, const char* current,
                                                size_t l2_bytes);

// Executes the program again (the path it was started by, with argv) with the tunable where
// vector_copy_tunables asks for it; returns when it does not (or when the exec fails: the
// program then runs as it is).
void adopt_vector_copies(char** argv);

}  // namespace zats::core
