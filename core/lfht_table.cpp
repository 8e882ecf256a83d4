// LfhtTable and the thread that resizes every table (see lfht_table.h).
#include "core/lfht_table.h"

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <algorithm>
#include <bit>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/rcu.h"

namespace zats::core {
namespace {

// Grow to twice the entries once they outnumber the buckets (so growing is rare and lookups
// stay near one entry per bucket); shrink once they fall below a sixteenth.
constexpr size_t kShrinkDivisor = 16;

size_t buckets_for(size_t entries) {
  return std::max(LfhtTable::kMinBuckets, std::bit_ceil(entries * 2));
}

// cds_lfht_resize takes an online QSBR caller offline for the whole resize, which would let a
// grace period free a node it is walking; reporting "no read section" keeps the resizing thread
// online instead (liburcu's QSBR synchronize_rcu, used by a shrink, handles an online caller).
int never_in_read_section() { return 0; }

const rcu_flavor_struct& resizing_flavor() {
  static const rcu_flavor_struct flavor = [] {
    rcu_flavor_struct f = urcu_qsbr_flavor;
    f.read_ongoing = never_in_read_section;
    return f;
  }();
  return flavor;
}

}  // namespace

class TableGrower {
 public:
  static std::shared_ptr<TableGrower> shared() {
    static std::mutex mu;
    static std::weak_ptr<TableGrower> current;
    std::lock_guard lock(mu);
    std::shared_ptr<TableGrower> grower = current.lock();
    if (!grower) {
      grower.reset(new TableGrower);
      current = grower;
    }
    return grower;
  }

  ~TableGrower() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // A later request for the same table replaces an earlier one still waiting.
  void request(cds_lfht* table, size_t buckets) {
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(pending_.begin(), pending_.end(), [&](const auto& p) { return p.first == table; });
      if (it != pending_.end()) {
        it->second = buckets;
      } else {
        pending_.emplace_back(table, buckets);
      }
    }
    wake_.notify_all();
  }

  void forget(cds_lfht* table) {
    std::unique_lock lock(mu_);
    std::erase_if(pending_, [&](const auto& p) { return p.first == table; });
    done_.wait(lock, [&] { return running_ != table; });
  }

  void wait_idle() {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return pending_.empty() && running_ == nullptr; });
  }

 private:
  TableGrower() : thread_([this] { run(); }) {}

  void run() {
    RcuThread rcu;
    std::unique_lock lock(mu_);
    for (;;) {
      rcu_offline();  // asleep: hold up no grace period
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      rcu_online();
      if (stopping_) break;
      auto [table, buckets] = pending_.front();
      pending_.erase(pending_.begin());
      running_ = table;
      lock.unlock();
      cds_lfht_resize(table, buckets);
      rcu_quiescent();
      lock.lock();
      running_ = nullptr;
      done_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::pair<cds_lfht*, size_t>> pending_;
  cds_lfht* running_ = nullptr;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

LfhtTable::LfhtTable()
    : grower_(TableGrower::shared()),
      table_(cds_lfht_new_flavor(kMinBuckets, kMinBuckets, 0, 0, &resizing_flavor(), nullptr)) {}

LfhtTable::~LfhtTable() {
  stop_resizing();
  cds_lfht_destroy(table_, nullptr);
}

void LfhtTable::stop_resizing() {
  resizing_stopped_ = true;
  // The resize may wait for a grace period (a shrink): be offline while waiting for it.
  const bool online = rcu_is_online();
  if (online) rcu_offline();
  grower_->forget(table_);
  if (online) rcu_online();
}

void LfhtTable::added() {
  ++entries_;
  if (entries_ > buckets_) ask(buckets_for(entries_));
}

void LfhtTable::removed() {
  --entries_;
  if (buckets_ > kMinBuckets && entries_ < buckets_ / kShrinkDivisor) ask(buckets_for(entries_));
}

void LfhtTable::ask(size_t buckets) {
  if (resizing_stopped_ || buckets == buckets_) return;
  buckets_ = buckets;
  grower_->request(table_, buckets);
}

void lfht_wait_resizes() {
  std::shared_ptr<TableGrower> grower = TableGrower::shared();
  const bool online = rcu_is_online();
  if (online) rcu_offline();
  grower->wait_idle();
  if (online) rcu_online();
}

}  // namespace zats::core
