// TimerWheel: schedule, cancel, advance, wrap-around, and re-entrant scheduling from fire().
#include "core/timer_wheel.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

using zats::core::TimerWheel;

namespace {
constexpr uint64_t kMs = 1'000'000;

std::vector<uint64_t> advance_to(TimerWheel& w, uint64_t now) {
  std::vector<uint64_t> fired;
  w.advance(now, [&](uint64_t cookie) { fired.push_back(cookie); });
  std::sort(fired.begin(), fired.end());
  return fired;
}
}  // namespace

TEST_CASE("TimerWheel fires at the first advance at or after the deadline") {
  TimerWheel w(10 * kMs, 16, 1000 * kMs);
  TimerWheel::TimerId id = w.schedule(1035 * kMs, 7);
  CHECK(id != 0);
  CHECK(w.size() == 1);
  CHECK(advance_to(w, 1010 * kMs).empty());
  CHECK(advance_to(w, 1034 * kMs).empty());  // same slot, deadline not reached yet
  CHECK(advance_to(w, 1035 * kMs) == std::vector<uint64_t>{7});
  CHECK(w.size() == 0);
  CHECK(advance_to(w, 2000 * kMs).empty());  // fired once only
}

TEST_CASE("TimerWheel: cancel drops a timer, and a stale id cancels nothing") {
  TimerWheel w(10 * kMs, 16, 0);
  TimerWheel::TimerId a = w.schedule(50 * kMs, 1);
  TimerWheel::TimerId b = w.schedule(50 * kMs, 2);
  w.cancel(a);
  CHECK(w.size() == 1);
  w.cancel(a);  // twice is harmless
  CHECK(w.size() == 1);
  CHECK(advance_to(w, 60 * kMs) == std::vector<uint64_t>{2});
  // b's entry is reused by c; b's id must not cancel c.
  TimerWheel::TimerId c = w.schedule(80 * kMs, 3);
  CHECK(c != b);
  w.cancel(b);
  w.cancel(0);
  CHECK(w.size() == 1);
  CHECK(advance_to(w, 80 * kMs) == std::vector<uint64_t>{3});
}

TEST_CASE("TimerWheel keeps deadlines beyond one turn until their round (wrap-around)") {
  TimerWheel w(10 * kMs, 8, 0);  // one turn = 80 ms
  w.schedule(25 * kMs, 1);
  w.schedule(25 * kMs + 80 * kMs, 2);       // same slot, next round
  w.schedule(25 * kMs + 3 * 80 * kMs, 3);   // same slot, three rounds later
  uint64_t now = 0;
  std::vector<uint64_t> fired_at_round;
  std::vector<uint64_t> all;
  for (now = 0; now <= 400 * kMs; now += 10 * kMs) {
    for (uint64_t cookie : advance_to(w, now)) {
      all.push_back(cookie);
      fired_at_round.push_back(now);
    }
  }
  REQUIRE(all == std::vector<uint64_t>{1, 2, 3});
  CHECK(fired_at_round[0] == 30 * kMs);
  CHECK(fired_at_round[1] == 110 * kMs);
  CHECK(fired_at_round[2] == 270 * kMs);
}

TEST_CASE("TimerWheel: a jump longer than a whole turn fires everything due") {
  TimerWheel w(1 * kMs, 4, 0);
  for (uint64_t i = 1; i <= 20; ++i) w.schedule(i * kMs, i);
  std::vector<uint64_t> fired = advance_to(w, 13 * kMs);
  CHECK(fired.size() == 13);
  CHECK(fired.front() == 1);
  CHECK(fired.back() == 13);
  CHECK(w.size() == 7);
  CHECK(advance_to(w, 1000 * kMs).size() == 7);
}

TEST_CASE("TimerWheel: a deadline in the past fires at the next advance") {
  TimerWheel w(10 * kMs, 16, 500 * kMs);
  w.schedule(100 * kMs, 9);
  CHECK(advance_to(w, 500 * kMs) == std::vector<uint64_t>{9});
}

TEST_CASE("TimerWheel: fire may schedule and cancel") {
  TimerWheel w(10 * kMs, 8, 0);
  TimerWheel::TimerId victim = w.schedule(20 * kMs, 100);
  w.schedule(20 * kMs, 1);
  std::vector<uint64_t> fired;
  auto fire = [&](uint64_t cookie) {
    fired.push_back(cookie);
    if (cookie == 1) {
      w.cancel(victim);                   // may or may not have fired already
      w.schedule(25 * kMs, 2);            // lands in the slot being visited
      w.schedule(500 * kMs, 3);           // wraps around
    }
  };
  w.advance(20 * kMs, fire);
  CHECK(std::count(fired.begin(), fired.end(), 1) == 1);
  w.advance(25 * kMs, fire);
  CHECK(std::count(fired.begin(), fired.end(), 2) == 1);
  CHECK(std::count(fired.begin(), fired.end(), 3) == 0);
  w.advance(499 * kMs, fire);
  CHECK(std::count(fired.begin(), fired.end(), 3) == 0);
  w.advance(500 * kMs, fire);
  CHECK(std::count(fired.begin(), fired.end(), 3) == 1);
  CHECK(w.size() == 0);
}
