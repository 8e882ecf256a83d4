// RCU wrapper: registration and online state, deferred frees that wait for every online
// reader's quiescent state, and offline readers that do not hold grace periods up.
#include "core/rcu.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace zats::core;

namespace {

struct Tracked : RcuRetirable {
  explicit Tracked(std::atomic<int>* freed) : freed_(freed) {}
  ~Tracked() { freed_->fetch_add(1); }
  std::atomic<int>* freed_;
};

void wait_for(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::yield();
}

}  // namespace

TEST_CASE("rcu: a registered thread is online until it goes offline") {
  CHECK_FALSE(rcu_is_online());
  {
    RcuThread rcu;
    CHECK(rcu_is_online());
    rcu_offline();
    CHECK_FALSE(rcu_is_online());
    rcu_online();
    CHECK(rcu_is_online());
    { RcuOffline offline; CHECK_FALSE(rcu_is_online()); }
    CHECK(rcu_is_online());
    rcu_quiescent();
  }
  CHECK_FALSE(rcu_is_online());
}

TEST_CASE("rcu: retired memory outlives a reader that has not passed a quiescent state") {
  RcuThread rcu;
  std::atomic<int> freed{0};
  std::atomic<bool> reading{false}, done{false};
  auto* obj = new Tracked(&freed);
  std::thread reader([&] {
    RcuThread reader_rcu;
    reading.store(true);  // from here on this thread "holds" obj
    wait_for(done);
    rcu_quiescent();
  });
  wait_for(reading);
  rcu_retire(obj);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(freed.load() == 0);  // the reader is still inside its loop turn
  done.store(true);
  reader.join();
  rcu_barrier_wait();
  CHECK(freed.load() == 1);
}

TEST_CASE("rcu: an offline reader does not stall grace periods") {
  RcuThread rcu;
  std::atomic<bool> asleep{false}, wake{false};
  std::thread sleeper([&] {
    RcuThread reader_rcu;
    RcuOffline offline;
    asleep.store(true);
    wait_for(wake);
  });
  wait_for(asleep);
  rcu_synchronize();  // returns although the sleeper never reaches a quiescent state
  std::atomic<int> freed{0};
  rcu_retire(new Tracked(&freed));
  rcu_barrier_wait();
  CHECK(freed.load() == 1);
  wake.store(true);
  sleeper.join();
}

TEST_CASE("rcu: rcu_call runs the callback once") {
  RcuThread rcu;
  struct Box {
    RcuHead head;
    int runs = 0;
  } box;
  rcu_call(&box.head, [](RcuHead* h) { reinterpret_cast<Box*>(h)->runs++; });
  rcu_barrier_wait();
  CHECK(box.runs == 1);
}
