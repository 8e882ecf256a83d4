// The copy tunable: what this CPU and glibc call for, and the one exec that applies it.
#include "core/copy_tuning.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <gnu/libc-version.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace zats::core {
namespace {

constexpr std::string_view kThreshold = "glibc.cpu.x86_rep_movsb_threshold";
constexpr size_t kDefaultL2 = 1 << 20;  // Zen 3 and Zen 4 have 512 KiB and 1 MiB per core

// "2.36" -> 236; 0 when it does not read as major.minor.
int version_number(std::string_view v) {
  int major = 0, minor = 0;
  auto [dot, e1] = std::from_chars(v.data(), v.data() + v.size(), major);
  if (e1 != std::errc() || dot == v.data() + v.size() || *dot != '.') return 0;
  if (std::from_chars(dot + 1, v.data() + v.size(), minor).ec != std::errc()) return 0;
  return major * 100 + minor;
}

CopyCpu this_cpu() {
  CopyCpu cpu;
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) == 0) return cpu;
  cpu.amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;  // "Auth" "enti" "cAMD"
  if (eax >= 7 && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0) cpu.fsrm = (edx >> 4) & 1;
#endif
  return cpu;  // elsewhere neither: nothing to tune
}

}  // namespace

std::optional<std::string> vector_copy_tunables(std::string_view libc_version, CopyCpu cpu, const char* current,
                                                size_t l2_bytes) {
  const int version = version_number(libc_version);
  // 2.33 brought the FSRM threshold (and the tunable's bounds we rely on); 2.39 the fix.
  if (!cpu.amd || !cpu.fsrm || version < 233 || version >= 239) return std::nullopt;
  const std::string_view now = current != nullptr ? current : "";
  if (now.find(kThreshold) != std::string_view::npos) return std::nullopt;
  std::string tunables(now);
  if (!tunables.empty()) tunables += ':';
  tunables += kThreshold;
  tunables += '=';
  tunables += std::to_string(l2_bytes > 0 ? l2_bytes : kDefaultL2);
  return tunables;
}

void adopt_vector_copies(char** argv) {
  const long l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::optional<std::string> tunables =
      vector_copy_tunables(gnu_get_libc_version(), this_cpu(), current, l2 > 0 ? static_cast<size_t>(l2) : 0);
  if (!tunables) return;
  // The path this process was started by, not /proc/self/exe: the kernel names a process after
  // that path's last part (/proc/PID/comm, what `--signal` looks for), links included.
  const auto* path = reinterpret_cast<const char*>(::getauxval(AT_EXECFN));
  if (path == nullptr) return;
  const std::optional<std::string> before = current != nullptr ? std::optional<std::string>(current) : std::nullopt;
  // The new image finds the threshold set and goes on: this runs once.
  if (::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  ::execv(path, argv);
  // The exec failed: run on as we are, with the environment as it was.
  if (before) ::setenv("GLIBC_TUNABLES", before->c_str(), 1);
  else ::unsetenv("GLIBC_TUNABLES");
}

}  // namespace zats::core
