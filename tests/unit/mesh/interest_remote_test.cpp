// InterestIndex with remote destinations (routes): their plain interest in a mask of its own,
// queue weights set (not counted) from RS+, and the local-interest feed routes announce to
// their peers: the walk of visit_local() and every change a watcher hears, in order, with
// remote interest never part of either; a walk racing with changes, plus what the watcher
// heard meanwhile, ends in the true state of every key.
#include "server/interest_index.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <string>
#include <tuple>
#include <vector>

#include "interest_test_support.h"

using namespace zats::server;
using mesh_test::RcuScope;

namespace {

InterestResult match(const InterestIndex& index, std::string_view subject) {
  InterestResult out;
  index.match(subject, out);
  return out;
}

uint32_t members(const InterestResult& r, std::string_view group, uint32_t destination) {
  for (const QueueInterest& q : r.queues) {
    if (q.name != group) continue;
    uint32_t total = 0;
    for (const DestinationWeight& w : q.weights) total += w.members;
    CHECK(total == q.total);
    for (const DestinationWeight& w : q.weights)
      if (w.destination == destination) return w.members;
  }
  return 0;
}

// Records what a route would send: "+subject", "+subject queue weight", "-subject", ...
struct Feed : LocalInterestListener {
  std::vector<std::string> events;
  void local_interest_changed(std::string_view subject, std::string_view queue, uint32_t weight) override {
    events.push_back(line(subject, queue, weight));
  }
  static std::string line(std::string_view subject, std::string_view queue, uint32_t weight) {
    std::string e = (weight > 0 ? "+" : "-") + std::string(subject);
    if (!queue.empty()) e += " " + std::string(queue) + (weight > 0 ? " " + std::to_string(weight) : "");
    return e;
  }
};

}  // namespace

TEST_CASE("remote interest: plain bits in their own mask, counted like a worker's") {
  RcuScope rcu;
  InterestIndex index;
  const unsigned route0 = kRemoteBase, route5 = kRemoteBase + 5;
  index.add(route0, "foo.*");
  index.add(route5, "foo.bar");
  index.add(2, "foo.bar");
  InterestResult r = match(index, "foo.bar");
  CHECK(r.plain == (uint64_t{1} << 2));
  CHECK(r.remotes == ((uint64_t{1} << 0) | (uint64_t{1} << 5)));
  CHECK(match(index, "foo.baz").remotes == 1);
  CHECK(index.remove(route0, "foo.*"));
  CHECK_FALSE(index.remove(route0, "foo.*"));
  CHECK(match(index, "foo.baz").empty());
  CHECK(index.remove(route5, "foo.bar"));
  CHECK(index.remove(2, "foo.bar"));
  CHECK(index.entry_count() == 0);
}

TEST_CASE("remote interest: queue weights are set, not counted, and pick by weight") {
  RcuScope rcu;
  InterestIndex index;
  const unsigned route = kRemoteBase + 1;
  index.add(0, "svc", "workers");
  index.set_queue_weight(route, "svc", "workers", 3);
  InterestResult r = match(index, "svc");
  CHECK(members(r, "workers", 0) == 1);
  CHECK(members(r, "workers", route) == 3);
  index.set_queue_weight(route, "svc", "workers", 2);  // RS+ again with a new weight
  CHECK(members(match(index, "svc"), "workers", route) == 2);
  index.set_queue_weight(route, "svc", "workers", 2);  // same weight: no change
  const uint64_t before = index.generation();
  index.set_queue_weight(route, "svc", "workers", 2);
  CHECK(index.generation() == before);
  index.set_queue_weight(route, "svc", "workers", 0);  // RS-
  CHECK(members(match(index, "svc"), "workers", route) == 0);
  CHECK(index.remove(0, "svc", "workers"));
  index.set_queue_weight(route, "svc", "workers", 0);  // nothing there: nothing happens
  CHECK(index.entry_count() == 0);
}

TEST_CASE("local interest: the snapshot lists local interest only, summed over workers") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "a.b");
  index.add(1, "a.b");
  index.add(0, "a.*", "q");
  index.add(3, "a.*", "q");
  index.add(3, "a.*", "q");
  index.add(1, ">");
  index.add(2, "x.*.y.>");
  index.add(kRemoteBase, "remote.only");
  index.set_queue_weight(kRemoteBase + 2, "a.*", "q", 7);
  std::set<std::string> seen;
  Feed feed;
  index.watch_local(&feed);
  index.visit_local([&](std::string_view subject, std::string_view queue, uint32_t weight) {
    CHECK(seen.insert(Feed::line(subject, queue, weight)).second);
  });
  CHECK(seen == std::set<std::string>{"+a.b", "+a.* q 3", "+>", "+x.*.y.>"});
  CHECK(feed.events.empty());
  int visited = 0;
  index.visit_local([&](std::string_view, std::string_view, uint32_t) { ++visited; }, [&] { return visited >= 2; });
  CHECK(visited == 2);  // the stop predicate ends the walk
  index.unwatch_local(&feed);
  index.remove(0, "a.b");
  index.remove(1, "a.b");
  CHECK(feed.events.empty());  // no longer watching
}

TEST_CASE("local interest: every change reaches a watcher in order; remote changes never do") {
  RcuScope rcu;
  InterestIndex index;
  Feed feed;
  index.watch_local(&feed);
  index.visit_local([](std::string_view, std::string_view, uint32_t) { FAIL("index is empty"); });
  index.add(0, "foo");             // 0 -> 1: announced
  index.add(1, "foo");             // still some: nothing
  index.add(kRemoteBase, "foo");   // remote: never
  index.add(0, "svc", "g");        // weight 1
  index.add(1, "svc", "g");        // weight 2
  index.set_queue_weight(kRemoteBase, "svc", "g", 9);
  index.remove(0, "foo");          // one left: nothing
  index.remove(0, "svc", "g");     // weight 1
  index.remove(1, "foo");          // last local one: announced gone
  index.remove(1, "svc", "g");     // weight 0: gone
  index.remove(kRemoteBase, "foo");
  index.add(2, "w.>");
  index.remove(2, "w.>");
  CHECK(feed.events == std::vector<std::string>{"+foo", "+svc g 1", "+svc g 2", "+svc g 1", "-foo", "-svc g",
                                                "+w.>", "-w.>"});
  // A refused removal tells nobody.
  CHECK_FALSE(index.remove(3, "foo"));
  CHECK(feed.events.size() == 8);
  index.unwatch_local(&feed);
  index.set_queue_weight(kRemoteBase, "svc", "g", 0);
  CHECK(index.entry_count() == 0);
}

// The route's way of coming up while subscriptions churn on another thread: watch, walk, then
// apply what the watcher heard after the walk; every key must end in its true state.
TEST_CASE("local interest: a walk during churn plus the changes heard meanwhile is exact") {
  RcuScope rcu;
  InterestIndex index;
  for (int i = 0; i < 2000; ++i) index.add(static_cast<unsigned>(i % 3), "pre." + std::to_string(i));
  struct Locked : LocalInterestListener {
    std::mutex mu;
    std::vector<std::tuple<std::string, std::string, uint32_t>> changes;
    void local_interest_changed(std::string_view subject, std::string_view queue, uint32_t weight) override {
      std::lock_guard lock(mu);
      changes.emplace_back(std::string(subject), std::string(queue), weight);
    }
  } watcher;
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    zats::core::RcuThread thread;
    for (int round = 0; !stop.load(); ++round) {
      const std::string s = "pre." + std::to_string(round % 2000);
      index.remove(static_cast<unsigned>((round % 2000) % 3), s);
      index.add(1, "new." + std::to_string(round % 500), round % 2 ? "q" : "");
      index.add(static_cast<unsigned>((round % 2000) % 3), s);
      if (round % 3 == 0) index.remove(1, "new." + std::to_string(round % 500), round % 2 ? "q" : "");
      zats::core::rcu_quiescent();
    }
  });
  std::map<std::pair<std::string, std::string>, uint32_t> state;
  index.watch_local(&watcher);
  index.visit_local([&](std::string_view subject, std::string_view queue, uint32_t weight) {
    state[{std::string(subject), std::string(queue)}] = weight;
  });
  stop.store(true);
  churn.join();
  index.unwatch_local(&watcher);
  for (const auto& [subject, queue, weight] : watcher.changes) state[{subject, queue}] = weight;
  std::erase_if(state, [](const auto& e) { return e.second == 0; });
  std::map<std::pair<std::string, std::string>, uint32_t> truth;
  index.watch_local(&watcher);
  index.visit_local([&](std::string_view subject, std::string_view queue, uint32_t weight) {
    truth[{std::string(subject), std::string(queue)}] = weight;
  });
  index.unwatch_local(&watcher);
  CHECK(state == truth);
}
