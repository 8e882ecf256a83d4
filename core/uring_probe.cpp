// io_uring capability probe: sysctl and seccomp first (for a precise message), then a real
// ring: opcode probe, a provided buffer ring (the 5.19 marker), one multishot recv over a
// socketpair, a sparse file table, and rings set up with the newer setup flags.
#include "core/uring_probe.h"

#include <liburing.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace zats::core {
namespace {

constexpr const char* kNeed = "zats needs Linux >= 5.19 with io_uring enabled";

int read_int_file(const char* path) {
  std::ifstream in(path);
  int value = -1;
  if (!(in >> value)) return -1;
  return value;
}

int seccomp_mode() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Seccomp:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return -1;
}

std::string fail(const std::string& cause) { return cause + "; " + kNeed; }

struct OpNeed {
  int op;
  const char* name;
};

const OpNeed kOps[] = {
    {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},   {IORING_OP_RECV, "IORING_OP_RECV"},
    {IORING_OP_SEND, "IORING_OP_SEND"},       {IORING_OP_MSG_RING, "IORING_OP_MSG_RING"},
    {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"}, {IORING_OP_CLOSE, "IORING_OP_CLOSE"},
    {IORING_OP_READ, "IORING_OP_READ"},     {IORING_OP_SHUTDOWN, "IORING_OP_SHUTDOWN"},
    {IORING_OP_SENDMSG, "IORING_OP_SENDMSG"},
};

bool check_opcodes(io_uring* ring, std::string* why) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) {
    *why = fail("io_uring opcode probe failed (kernel older than 5.6)");
    return false;
  }
  bool ok = true;
  for (const OpNeed& need : kOps) {
    if (!io_uring_opcode_supported(probe, need.op)) {
      *why = fail(std::string("io_uring lacks ") + need.name);
      ok = false;
      break;
    }
  }
  io_uring_free_probe(probe);
  return ok;
}

bool opcode_supported(io_uring* ring, int op) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) return false;
  bool ok = io_uring_opcode_supported(probe, op);
  io_uring_free_probe(probe);
  return ok;
}

bool setup_flags_supported(unsigned flags) {
  io_uring ring;
  io_uring_params params{};
  params.flags = flags;
  if (io_uring_queue_init_params(4, &ring, &params) != 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

bool sparse_files_supported(io_uring* ring) {
  if (io_uring_register_files_sparse(ring, 4) != 0) return false;
  io_uring_unregister_files(ring);
  return true;
}

std::string kernel_release() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "unknown";
}

// A one-buffer ring, a socketpair, one multishot recv with buffer selection: proves provided
// buffer rings (5.19, required) and finds whether multishot recv (6.0) works, rather than
// trusting version numbers. Exits the ring.
bool check_buffer_ring(io_uring* ring, bool* multishot, std::string* why) {
  void* mem = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    *why = std::string("probe: mmap: ") + strerror(errno);
    return false;
  }
  auto* br = static_cast<io_uring_buf_ring*>(mem);
  char* buf = static_cast<char*>(mem) + 2048;
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br);
  reg.ring_entries = 1;
  reg.bgid = 0;
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc < 0) {
    munmap(mem, 4096);
    *why = fail(std::string("io_uring provided buffer rings unavailable (register_buf_ring: ") +
                strerror(-rc) + ")");
    return false;
  }
  io_uring_buf_ring_init(br);
  io_uring_buf_ring_add(br, buf, 64, 0, io_uring_buf_ring_mask(1), 0);
  io_uring_buf_ring_advance(br, 1);

  int sv[2];
  bool ok = false;
  *multishot = false;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    *why = std::string("probe: socketpair: ") + strerror(errno);
  } else {
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_recv_multishot(sqe, sv[0], nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    (void)!write(sv[1], "z", 1);
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{1, 0};
    rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nullptr);
    if (rc < 0 || cqe == nullptr) {
      *why = fail(std::string("io_uring recv with a provided buffer did not complete: ") + strerror(-rc));
    } else {
      // A kernel without multishot recv refuses the flag (EINVAL): the single-shot tier.
      *multishot = cqe->res == 1 && (cqe->flags & IORING_CQE_F_MORE);
      ok = true;
    }
    ::close(sv[0]);
    ::close(sv[1]);
  }
  // Tear the ring down before the buffer memory goes away.
  io_uring_queue_exit(ring);
  munmap(mem, 4096);
  return ok;
}

}  // namespace

std::string describe_setup_failure(int err, int disabled_sysctl, int seccomp) {
  std::string cause = std::string("io_uring_setup: ") + strerror(err);
  if (disabled_sysctl == 2) {
    cause += " (io_uring is disabled for all processes: kernel.io_uring_disabled=2)";
  } else if (disabled_sysctl == 1 && err == EPERM) {
    cause += " (kernel.io_uring_disabled=1 allows io_uring only to root and the "
             "kernel.io_uring_group group)";
  } else if (seccomp == 2 && (err == EPERM || err == ENOSYS)) {
    cause += " (a seccomp filter blocks io_uring; containers need a profile that allows "
             "io_uring_setup, io_uring_enter and io_uring_register)";
  } else if (err == ENOSYS) {
    cause += " (the kernel was built without io_uring)";
  } else if (err == EPERM) {
    cause += " (io_uring is forbidden to this process)";
  }
  return fail(cause);
}

namespace {

UringSupport run_probe() {
  UringSupport s;
  s.kernel = kernel_release();
  int disabled = read_int_file("/proc/sys/kernel/io_uring_disabled");
  io_uring ring;
  int rc = io_uring_queue_init(8, &ring, 0);
  if (rc < 0) {
    s.why = describe_setup_failure(-rc, disabled, seccomp_mode());
    return s;
  }
  if (!(ring.features & IORING_FEAT_EXT_ARG) || !(ring.features & IORING_FEAT_NODROP)) {
    io_uring_queue_exit(&ring);
    s.why = fail("io_uring lacks IORING_FEAT_EXT_ARG/IORING_FEAT_NODROP");
    return s;
  }
  if (!check_opcodes(&ring, &s.why)) {
    io_uring_queue_exit(&ring);
    return s;
  }
  UringFeatures& f = s.features;
  f.send_zc = opcode_supported(&ring, IORING_OP_SEND_ZC);
  f.fixed_fd_install = opcode_supported(&ring, kOpFixedFdInstall);
  f.registered_files = sparse_files_supported(&ring);
  if (!check_buffer_ring(&ring, &f.multishot_recv, &s.why)) return s;  // exits the ring
  if (!setup_flags_supported(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG)) {
    s.why = fail("io_uring lacks IORING_SETUP_COOP_TASKRUN");
    return s;
  }
  f.single_issuer = setup_flags_supported(IORING_SETUP_SINGLE_ISSUER);
  f.defer_taskrun = setup_flags_supported(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  s.ok = true;
  return s;
}

}  // namespace

const UringSupport& uring_support() {
  static const UringSupport support = run_probe();
  return support;
}

bool probe_io_uring(std::string* why) {
  const UringSupport& s = uring_support();
  if (!s.ok) *why = s.why;
  return s.ok;
}

bool select_uring_features(UringTier tier, UringFeatures* out, std::string* why) {
  const UringSupport& s = uring_support();
  if (!s.ok) return *why = s.why, false;
  *out = limit_to_tier(s.features, tier);
  if (tier == UringTier::Newest || tier_of(*out) == tier) return true;
  *why = std::string("io_uring tier ") + tier_name(tier) + " needs features this kernel (Linux " + s.kernel +
         ") lacks: it offers the " + tier_name(tier_of(s.features)) + " tier (" + describe_features(s.features) + ")";
  return false;
}

std::string describe_uring(UringTier asked, const UringFeatures& used) {
  return "Linux " + uring_support().kernel + ", tier " + tier_name(tier_of(used)) +
         (asked == UringTier::Newest ? "" : " (forced)") + ": " + describe_features(used);
}

}  // namespace zats::core
