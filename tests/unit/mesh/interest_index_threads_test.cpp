// InterestIndex under concurrency: reader threads match in a loop (one rcu_quiescent per
// iteration, like a worker's loop turn) while writer threads churn add/remove. Readers must
// always find the permanent interest, always see self-consistent queue weights, and — once a
// writer's add() has returned and they learn of it — see the new interest, also through a
// cache that had cached "no interest" for that subject before. Once the writers stop, a cache
// that dropped only what each change touched agrees with the index.
#include "server/interest_index.h"

#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "interest_test_support.h"

using namespace zats::server;
using zats::core::rcu_quiescent;
using zats::core::RcuOffline;
using zats::core::RcuThread;

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr int kWriterRounds = 3000;
#else
constexpr int kWriterRounds = 30000;
#endif
constexpr int kReaders = 4;
constexpr int kWriters = 2;
constexpr unsigned kPermWorker = 7;
constexpr unsigned kPermQueueWorker = 5;

std::string vis_subject(int writer, int seq) {
  return "vis." + std::to_string(writer) + "." + std::to_string(seq);
}

bool consistent(const InterestResult& r) {
  for (const auto& q : r.queues) {
    uint32_t sum = 0;
    for (const auto& w : q.weights) {
      if (w.members == 0) return false;
      sum += w.members;
    }
    if (sum != q.total || q.total == 0) return false;
  }
  return true;
}

bool has_permanent(const InterestResult& r) {
  if ((r.plain & (uint64_t{1} << kPermWorker)) == 0) return false;
  for (const auto& q : r.queues) {
    if (q.name != "pq") continue;
    for (const auto& w : q.weights) {
      if (w.destination == kPermQueueWorker && w.members >= 1) return true;
    }
  }
  return false;
}

struct Shared {
  InterestIndex index;
  std::atomic<int> published[kWriters] = {};  // highest vis seq whose add() has returned
  std::atomic<int> writers_left{kWriters};
  std::atomic<long> failures{0};
  std::atomic<long> reads{0};
};

void writer(Shared& s, int id) {
  RcuThread rcu;
  std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919);
  const unsigned worker = static_cast<unsigned>(id);
  for (int round = 1; round <= kWriterRounds; ++round) {
    const std::string churn = "churn." + std::to_string(rng() % 64);
    s.index.add(worker, churn);
    s.index.add(worker, "perm.x");               // toggles this worker's bit on perm.x
    s.index.add(worker, "perm.*", "pq");         // changes pq's weights
    s.index.add(worker, "churn.*.>", "cq");
    s.index.remove(worker, "perm.x");
    s.index.remove(worker, "perm.*", "pq");
    s.index.remove(worker, churn);
    s.index.remove(worker, "churn.*.>", "cq");
    if (round % 16 == 0) {
      const int seq = round / 16;
      s.index.add(worker, vis_subject(id, seq));
      s.published[id].store(seq, std::memory_order_release);
    }
    rcu_quiescent();
  }
  s.writers_left.fetch_sub(1);
}

void reader(Shared& s, int id) {
  RcuThread rcu;
  InterestCache cache(s.index, 256);
  InterestResult out;
  std::mt19937_64 rng(static_cast<uint64_t>(id) + 100);
  long failures = 0, reads = 0;
  while (s.writers_left.load() > 0) {
    s.index.match("perm.x", out);
    failures += !has_permanent(out) || !consistent(out);
    const InterestResult& cached = cache.match("perm.x");
    failures += !has_permanent(cached) || !consistent(cached);
    s.index.match("churn." + std::to_string(rng() % 64) + ".z", out);
    failures += !consistent(out);

    const int w = static_cast<int>(rng() % kWriters);
    const int seen = s.published[w].load(std::memory_order_acquire);
    cache.match(vis_subject(w, seen + 1));  // likely caches "no interest" before the add
    if (seen > 0) {
      const unsigned bit = static_cast<unsigned>(w);
      s.index.match(vis_subject(w, seen), out);
      failures += (out.plain >> bit & 1) == 0;
      failures += (cache.match(vis_subject(w, seen)).plain >> bit & 1) == 0;
    }
    ++reads;
    rcu_quiescent();
  }
  // Quiet now: whatever the cache kept or dropped while the writers churned, it agrees with
  // the index on every subject it may have cached.
  for (int k = 0; k < 64; ++k) {
    const std::string subject = "churn." + std::to_string(k) + ".z";
    s.index.match(subject, out);
    failures += mesh_test::canonical(cache.match(subject)) != mesh_test::canonical(out);
  }
  s.failures.fetch_add(failures);
  s.reads.fetch_add(reads);
}

}  // namespace

TEST_CASE("interest index: readers stay consistent while writers churn") {
  mesh_test::RcuScope rcu;
  auto shared = std::make_unique<Shared>();
  shared->index.add(kPermWorker, "perm.x");
  shared->index.add(kPermQueueWorker, "perm.>", "pq");
  {
    RcuOffline offline;  // this thread only waits from here on
    std::vector<std::thread> threads;
    for (int i = 0; i < kReaders; ++i) threads.emplace_back(reader, std::ref(*shared), i);
    for (int i = 0; i < kWriters; ++i) threads.emplace_back(writer, std::ref(*shared), i);
    for (auto& t : threads) t.join();
  }
  CHECK(shared->failures.load() == 0);
  CHECK(shared->reads.load() > 0);
  // Only the permanent entries and the vis.* subjects remain.
  InterestResult out;
  shared->index.match("churn.1", out);
  CHECK(out.empty());
  shared->index.match("perm.x", out);
  CHECK(out.plain == uint64_t{1} << kPermWorker);
}
