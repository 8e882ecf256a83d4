// Countdown: lets one thread wait (with a bound) until N tasks it handed to other threads
// have each called done(). Shared through a shared_ptr, so a task that finishes after the
// waiter gave up touches nothing that is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace zats::core {

class Countdown {
 public:
  explicit Countdown(size_t count) : pending_(count) {}

  void done() {
    std::lock_guard lock(mutex_);
    if (pending_ > 0 && --pending_ == 0) zero_.notify_all();
  }
  // True when every task called done() in time.
  bool wait_for(std::chrono::milliseconds bound) {
    std::unique_lock lock(mutex_);
    return zero_.wait_for(lock, bound, [this] { return pending_ == 0; });
  }
  // Guards what the tasks fill in for the waiter.
  std::mutex& mutex() { return mutex_; }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  size_t pending_;
};

}  // namespace zats::core
