// IdlePollPolicy: polls only while other workers' messages keep arriving soon after the worker
// goes idle, about twice that long (capped), and never while its CPU is contended.
#include "server/idle_poll_policy.h"

#include <doctest/doctest.h>

using zats::server::IdlePollPolicy;

namespace {
constexpr uint64_t kUs = 1000;
constexpr uint64_t kMax = 100 * kUs;
}  // namespace

TEST_CASE("idle poll: no poll before any cross-worker traffic, nor with a zero maximum") {
  IdlePollPolicy policy(kMax);
  CHECK(policy.budget(1'000'000) == 0);
  IdlePollPolicy off(0);
  off.arrived(1'000'000, 5 * kUs);
  CHECK(off.budget(1'000'000) == 0);
}

TEST_CASE("idle poll: about twice the recent arrival gap, capped by the maximum") {
  IdlePollPolicy policy(kMax);
  uint64_t now = 1'000'000'000;
  for (int i = 0; i < 50; ++i) policy.arrived(now += 20 * kUs, 10 * kUs);
  CHECK(policy.gap_ns() == 10 * kUs);
  CHECK(policy.budget(now) == 20 * kUs + IdlePollPolicy::kSlackNs);
  for (int i = 0; i < 100; ++i) policy.arrived(now += 100 * kUs, 60 * kUs);
  CHECK(policy.gap_ns() < kMax);
  CHECK(policy.budget(now) == kMax);  // 2 x ~60 us, capped
}

TEST_CASE("idle poll: none when messages take longer than a poll may last") {
  IdlePollPolicy policy(20 * kUs);
  uint64_t now = 1'000'000'000;
  for (int i = 0; i < 50; ++i) policy.arrived(now += 300 * kUs, 150 * kUs);  // a slow round trip
  CHECK(policy.budget(now) == 0);
  for (int i = 0; i < 50; ++i) policy.arrived(now += 10 * kUs, 2 * kUs);  // traffic got dense
  CHECK(policy.budget(now) > 0);
}

TEST_CASE("idle poll: traffic that stopped stops the polling") {
  IdlePollPolicy policy(kMax);
  uint64_t now = 1'000'000'000;
  policy.arrived(now, 5 * kUs);
  CHECK(policy.budget(now + IdlePollPolicy::kRecentNs) > 0);
  CHECK(policy.budget(now + IdlePollPolicy::kRecentNs + 1) == 0);
}

TEST_CASE("idle poll: a tick with preemptions turns polling off until a quiet tick") {
  IdlePollPolicy policy(kMax);
  const uint64_t now = 1'000'000'000;
  policy.arrived(now, 5 * kUs);
  policy.preempted_total(0);
  CHECK(policy.budget(now) > 0);
  policy.preempted_total(3);
  CHECK(policy.contended());
  CHECK(policy.budget(now) == 0);
  policy.preempted_total(3);
  CHECK_FALSE(policy.contended());
  CHECK(policy.budget(now) > 0);
}
