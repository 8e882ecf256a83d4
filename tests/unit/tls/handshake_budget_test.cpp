// HandshakeBudget: steps run while the turn's budget lasts; later ones wait, first come first
// served, and the waiting queue runs at the end of the next turns.
#include <doctest/doctest.h>

#include <vector>

#include "server/tls/handshake_budget.h"

using zats::core::SocketId;
using zats::server::tls::HandshakeBudget;

namespace {

void busy_for_us(int us) {
  uint64_t until = zats::core::monotonic_ns() + static_cast<uint64_t>(us) * 1000;
  while (zats::core::monotonic_ns() < until) {
  }
}

}  // namespace

TEST_CASE("a spent budget makes new steps wait, in arrival order, until the next turns") {
  HandshakeBudget budget(/*per_turn_ns=*/200'000);  // 200 us per turn
  CHECK(budget.may_run());
  budget.timed([] { busy_for_us(250); return 0; });  // one expensive step overspends the turn
  CHECK_FALSE(budget.may_run());
  for (uint32_t i = 1; i <= 5; ++i) budget.wait(SocketId{i, 1});
  CHECK(budget.has_waiting());

  std::vector<uint32_t> ran;
  budget.run_waiting([&](SocketId id) { ran.push_back(id.slot); });  // this turn: nothing left
  CHECK(ran.empty());
  // Later turns: 120 us steps, so at most two per 200 us turn (the second starts under the
  // budget; a busy machine only makes steps longer), and always at least one.
  auto step = [&](SocketId id) {
    budget.timed([] { busy_for_us(120); return 0; });
    ran.push_back(id.slot);
  };
  for (int turn = 0; turn < 5 && budget.has_waiting(); ++turn) {
    size_t before = ran.size();
    budget.run_waiting(step);
    CHECK(ran.size() - before >= 1);
    CHECK(ran.size() - before <= 2);
    if (budget.has_waiting()) CHECK_FALSE(budget.may_run());  // newcomers queue behind them
  }
  CHECK(ran == std::vector<uint32_t>{1, 2, 3, 4, 5});
  CHECK_FALSE(budget.has_waiting());
  CHECK(budget.may_run());
}
