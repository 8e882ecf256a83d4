// InterestIndex on one thread: literal, '*', '>', queue weights, count-based add/remove,
// pruning, a randomized comparison against a brute-force reference, the worker cache
// (targeted invalidation through the change log, and its bound), and the weighted queue-worker pick.
#include "server/interest_index.h"

#include <doctest/doctest.h>

#include <random>

#include "interest_test_support.h"

using namespace zats::server;
using mesh_test::canonical;
using mesh_test::Canonical;
using mesh_test::RcuScope;

namespace {

InterestResult match(const InterestIndex& index, std::string_view subject) {
  InterestResult out;
  index.match(subject, out);
  return out;
}

uint64_t mask(std::initializer_list<unsigned> workers) {
  uint64_t m = 0;
  for (unsigned w : workers) m |= uint64_t{1} << w;
  return m;
}

}  // namespace

TEST_CASE("interest index: literal subjects") {
  RcuScope rcu;
  InterestIndex index;
  CHECK(match(index, "foo").empty());
  index.add(1, "foo");
  index.add(3, "foo");
  index.add(2, "foo.bar");
  CHECK(match(index, "foo").plain == mask({1, 3}));
  CHECK(match(index, "foo.bar").plain == mask({2}));
  CHECK(match(index, "foo.baz").empty());
  CHECK(match(index, "fo").empty());
}

TEST_CASE("interest index: '*' matches exactly one token") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "foo.*");
  index.add(1, "*.bar");
  index.add(2, "*.*.baz");
  CHECK(match(index, "foo.bar").plain == mask({0, 1}));
  CHECK(match(index, "foo.x").plain == mask({0}));
  CHECK(match(index, "foo").empty());
  CHECK(match(index, "foo.bar.baz").plain == mask({2}));
  CHECK(match(index, "a.b.baz.c").empty());
}

TEST_CASE("interest index: '>' matches one or more trailing tokens") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "foo.>");
  index.add(1, ">");
  index.add(2, "foo.*.>");
  CHECK(match(index, "foo").plain == mask({1}));
  CHECK(match(index, "foo.bar").plain == mask({0, 1}));
  CHECK(match(index, "foo.bar.baz").plain == mask({0, 1, 2}));
  CHECK(match(index, "bar.baz").plain == mask({1}));
}

TEST_CASE("interest index: published wildcard tokens are plain tokens; bad subjects match nothing") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "foo.bar");
  index.add(1, "foo.*");
  index.add(2, "foo.>");
  CHECK(match(index, "foo.*").plain == mask({1, 2}));
  CHECK(match(index, "foo.>").plain == mask({1, 2}));
  CHECK(match(index, "").empty());
  CHECK(match(index, "foo..bar").empty());
  CHECK(match(index, ".foo").empty());
  CHECK(match(index, "foo.").empty());
}

TEST_CASE("interest index: queue groups carry per-worker weights, merged by name") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "orders.new", "workers");
  index.add(0, "orders.new", "workers");
  index.add(2, "orders.*", "workers");
  index.add(1, "orders.>", "audit");
  index.add(3, "orders.new");
  InterestResult r = match(index, "orders.new");
  CHECK(r.plain == mask({3}));
  Canonical c = canonical(r);
  CHECK(c.queues.size() == 2);
  CHECK(c.queues["workers"] == std::map<uint32_t, uint32_t>{{0, 2}, {2, 1}});
  CHECK(c.queues["audit"] == std::map<uint32_t, uint32_t>{{1, 1}});
  for (const auto& q : r.queues) {
    if (q.name == "workers") CHECK(q.total == 3);
  }
  CHECK(match(index, "orders.old").queues.size() == 2);  // via orders.* and orders.>
}

TEST_CASE("interest index: add/remove are counted; remove of nothing is refused") {
  RcuScope rcu;
  InterestIndex index;
  index.add(1, "a.b");
  index.add(1, "a.b");
  const uint64_t gen = index.generation();
  index.add(1, "a.b");  // third plain sub on the same worker: nothing visible changes
  CHECK(index.generation() == gen);
  CHECK(index.remove(1, "a.b"));
  CHECK(index.remove(1, "a.b"));
  CHECK(match(index, "a.b").plain == mask({1}));
  CHECK(index.remove(1, "a.b"));
  CHECK(match(index, "a.b").empty());
  CHECK_FALSE(index.remove(1, "a.b"));
  CHECK_FALSE(index.remove(2, "x.*"));
  index.add(2, "x.*", "q");
  CHECK_FALSE(index.remove(2, "x.*"));       // plain, but only a queue sub exists
  CHECK_FALSE(index.remove(3, "x.*", "q"));  // other worker
  CHECK_FALSE(index.remove(2, "x.*", "r"));  // other group
  CHECK(index.remove(2, "x.*", "q"));
  CHECK(match(index, "x.y").empty());
}

TEST_CASE("interest index: removing everything prunes every entry and node") {
  RcuScope rcu;
  InterestIndex index;
  const char* subjects[] = {"a", "a.b", "a.*", "a.*.c", "a.>", ">", "*", "*.*.*.d", "a.b.c.>"};
  for (const char* s : subjects) {
    index.add(0, s);
    index.add(1, s, "g");
  }
  CHECK(index.entry_count() > 0);
  for (const char* s : subjects) {
    CHECK(index.remove(0, s));
    CHECK(index.remove(1, s, "g"));
  }
  CHECK(index.entry_count() == 0);
  CHECK(match(index, "a.b.c.d").empty());
  // And the index keeps working after being emptied.
  index.add(4, "a.*.c");
  CHECK(match(index, "a.b.c").plain == mask({4}));
}

TEST_CASE("interest index: randomized against a brute-force reference") {
  RcuScope rcu;
  InterestIndex index;
  mesh_test::Reference ref;
  std::mt19937_64 rng(20240611);
  const char* tokens[] = {"a", "b", "c", "*", ">"};
  const char* queues[] = {"", "", "", "q1", "q2"};
  auto random_pattern = [&] {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      std::string t = tokens[rng() % (i + 1 == n ? 5 : 4)];  // '>' only last
      s += (i ? "." : "") + t;
    }
    return s;
  };
  auto random_subject = [&] {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) s += std::string(i ? "." : "") + "abcd"[rng() % 4];
    return s;
  };
#if defined(__SANITIZE_THREAD__)
  const int rounds = 800;
#else
  const int rounds = 3000;
#endif
  for (int round = 0; round < rounds; ++round) {
    const unsigned worker = static_cast<unsigned>(rng() % 6);
    if (rng() % 3 != 0 || ref.subs().empty()) {
      const std::string p = random_pattern();
      const std::string q = queues[rng() % 5];
      index.add(worker, p, q);
      ref.add(worker, p, q);
    } else {
      auto it = ref.subs().begin();
      std::advance(it, static_cast<long>(rng() % ref.subs().size()));
      const auto [w, p, q] = it->first;
      CHECK(index.remove(w, p, q));
      ref.remove(w, p, q);
    }
    for (int probe = 0; probe < 5; ++probe) {
      const std::string s = random_subject();
      CHECK_MESSAGE(canonical(match(index, s)) == ref.match(s), s);
    }
  }
  while (!ref.subs().empty()) {
    const auto [w, p, q] = ref.subs().begin()->first;
    CHECK(index.remove(w, p, q));
    ref.remove(w, p, q);
  }
  CHECK(index.entry_count() == 0);
}

TEST_CASE("interest cache: hits until the generation changes, then sees the change") {
  RcuScope rcu;
  InterestIndex index;
  InterestCache cache(index, 16);
  index.add(1, "foo");
  CHECK(cache.match("foo").plain == mask({1}));
  CHECK(cache.match("foo").plain == mask({1}));
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);
  index.add(2, "*");
  CHECK(cache.match("foo").plain == mask({1, 2}));
  CHECK(cache.misses() == 2);
  CHECK(index.remove(1, "foo"));
  CHECK(cache.match("foo").plain == mask({2}));
  CHECK(index.remove(2, "*"));
  CHECK(cache.match("foo").empty());
}

// The last subject's result is answered without a lookup; inserts (which may move every slot)
// and evictions must forget it (ASan reports a stale one).
TEST_CASE("interest cache: the last subject's answer survives no insert or eviction") {
  RcuScope rcu;
  InterestIndex index;
  index.add(1, "*");
  for (int i = 0; i < 40; ++i) index.add(2 + i % 3, "s" + std::to_string(i));
  InterestCache cache(index, 4);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 40; ++i) {
      const std::string subject = "s" + std::to_string(i);
      const WorkerMask want = mask({1, static_cast<unsigned>(2 + i % 3)});
      CHECK(cache.match(subject).plain == want);
      const uint64_t hits = cache.hits();
      CHECK(cache.match(subject).plain == want);
      CHECK(cache.hits() == hits + 1);
    }
  }
  CHECK(cache.size() <= 4);
}

namespace {

// Matches every subject once (a miss each), so that later matches show what was dropped.
void warm(InterestCache& cache, std::initializer_list<std::string_view> subjects) {
  for (std::string_view s : subjects) cache.match(s);
}

// True when matching `subject` now is a hit (its cached result survived).
bool cached(InterestCache& cache, std::string_view subject) {
  const uint64_t hits = cache.hits();
  cache.match(subject);
  return cache.hits() == hits + 1;
}

}  // namespace

TEST_CASE("interest cache: a literal change drops only that subject's result") {
  RcuScope rcu;
  InterestIndex index;
  index.add(1, "x.y");
  index.add(9, "elsewhere.>");  // wildcard interest: every result gets cached
  InterestCache cache(index, 64);
  warm(cache, {"a.b", "a.c", "a.*", "x.y"});
  index.add(2, "a.b");  // SUB on another worker
  CHECK(cache.match("a.b").plain == mask({2}));
  CHECK(cache.dropped() == 1);
  CHECK(cached(cache, "a.c"));
  CHECK(cached(cache, "a.*"));
  CHECK(cached(cache, "x.y"));
  CHECK(index.remove(2, "a.b"));  // UNSUB
  CHECK(cache.match("a.b").empty());
  CHECK(cached(cache, "x.y"));
  CHECK(cache.resets() == 0);
}

TEST_CASE("interest cache: a wildcard change drops the results it matches, published '*' included") {
  RcuScope rcu;
  InterestIndex index;
  index.add(9, "elsewhere.>");  // wildcard interest: every result gets cached
  InterestCache cache(index, 64);
  warm(cache, {"a.b", "a.c", "a.*", "a.b.c", "x.y", "a"});
  index.add(3, "a.*");
  CHECK_FALSE(cached(cache, "a.b"));
  CHECK_FALSE(cached(cache, "a.c"));
  CHECK_FALSE(cached(cache, "a.*"));
  CHECK(cached(cache, "a.b.c"));
  CHECK(cached(cache, "x.y"));
  CHECK(cached(cache, "a"));
  CHECK(cache.match("a.*").plain == mask({3}));
  index.add(4, "a.>");
  CHECK(cache.match("a.b.c").plain == mask({4}));
  CHECK(cache.match("a.b").plain == mask({3, 4}));
  CHECK(cached(cache, "x.y"));
  CHECK(cached(cache, "a"));
  index.add(5, ">");
  CHECK(cache.match("x.y").plain == mask({5}));
  CHECK(cache.match("a").plain == mask({5}));
  CHECK(cache.resets() == 0);
}

TEST_CASE("interest cache: queue and remote changes, and a count-only add, invalidate as needed") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "svc");
  index.add(9, "elsewhere.>");  // wildcard interest: every result gets cached
  InterestCache cache(index, 64);
  warm(cache, {"svc", "other"});
  index.add(0, "svc");  // count only: nothing new to see
  CHECK(cached(cache, "svc"));
  index.add(1, "svc", "g");
  CHECK(cache.match("svc").queues.size() == 1);
  index.set_queue_weight(kRemoteBase + 2, "svc", "g", 3);
  CHECK(cache.match("svc").queues.at(0).total == 4);
  CHECK(cached(cache, "other"));
}

TEST_CASE("interest cache: a cache further behind than the change log starts over") {
  RcuScope rcu;
  InterestIndex index;
  index.add(1, "keep");
  InterestCache cache(index, 64);
  warm(cache, {"keep", "gone"});
  for (size_t i = 0; i <= InterestChangeLog::kCapacity; ++i) index.add(2, "n." + std::to_string(i));
  CHECK_FALSE(cached(cache, "keep"));
  CHECK(cache.resets() == 1);
  CHECK(cache.match("keep").plain == mask({1}));
  index.add(2, "gone");
  CHECK(cache.match("gone").plain == mask({2}));
  CHECK(cached(cache, "keep"));
  CHECK(cache.resets() == 1);
}

TEST_CASE("interest cache: a change on a subject too long for the log starts it over") {
  RcuScope rcu;
  InterestIndex index;
  index.add(1, "keep");
  InterestCache cache(index, 64);
  warm(cache, {"keep"});
  const std::string fits(InterestChangeLog::kMaxSubject, 'f');
  index.add(2, fits);
  CHECK(cached(cache, "keep"));
  CHECK(cache.resets() == 0);
  const std::string longer = std::string(InterestChangeLog::kMaxSubject, 'l') + ".x";
  index.add(2, longer);
  CHECK_FALSE(cached(cache, "keep"));
  CHECK(cache.resets() == 1);
  CHECK(cache.match(longer).plain == mask({2}));
}

TEST_CASE("interest cache: without wildcard interest, a subject with no entry is answered uncached") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "svc");
  InterestCache cache(index, 64);
  for (int i = 0; i < 1000; ++i) CHECK(cache.match("none." + std::to_string(i)).empty());
  CHECK(cache.size() == 0);
  CHECK(cache.match("svc").plain == mask({0}));
  CHECK(cache.size() == 1);
  index.add(1, "none.7");  // interest that comes later is seen at once
  CHECK(cache.match("none.7").plain == mask({1}));
  index.add(2, "none.*");  // with wildcard interest, misses are computed and cached
  CHECK(cache.match("none.8").plain == mask({2}));
  CHECK(cache.match("other").empty());
  CHECK(cache.size() == 3);  // svc, none.8, other: the wildcard dropped none.7
}

TEST_CASE("interest index: may_match is never wrong about a literal entry, however many share a filter bucket") {
  // 40000 literals over the filter's 16384 buckets: every bucket holds several; removing some
  // must not hide the others, and once all are gone nothing may match.
  RcuScope rcu;
  InterestIndex index;
  constexpr int kSubjects = 40000;
  auto subject = [](int i) { return "lit." + std::to_string(i); };
  for (int i = 0; i < kSubjects; ++i) index.add(unsigned(i % 3), subject(i));
  for (int i = 0; i < kSubjects; i += 2) REQUIRE(index.remove(unsigned(i % 3), subject(i)));
  int wrong = 0;
  for (int i = 0; i < kSubjects; ++i) {
    const bool present = i % 2 == 1;
    if (present && !index.may_match(subject(i))) ++wrong;
    if (!present && !match(index, subject(i)).empty()) ++wrong;
  }
  CHECK(wrong == 0);
  for (int i = 1; i < kSubjects; i += 2) REQUIRE(index.remove(unsigned(i % 3), subject(i)));
  for (int i = 0; i < kSubjects; ++i) {
    if (index.may_match(subject(i))) ++wrong;  // every bucket is back to 0
  }
  CHECK(wrong == 0);
  index.add(1, "lit.5");
  CHECK(index.may_match("lit.5"));
  index.add(2, "lit.*");
  CHECK(index.may_match("lit.6"));  // wildcard interest: anything may match
}

TEST_CASE("interest cache: no-interest subjects never grow it past its bound (nats-server #4341)") {
  RcuScope rcu;
  InterestIndex index;
  index.add(0, "svc.hot");
  index.add(1, "svc.*.cold");  // wildcard interest: misses are cached, up to the bound
  InterestCache cache(index, 64);
  for (int i = 0; i < 10000; ++i) {
    CHECK(cache.match("_INBOX.unique." + std::to_string(i)).empty());
    CHECK(cache.size() <= cache.capacity());
  }
  CHECK(cache.match("svc.hot").plain == mask({0}));
  CHECK(cache.size() <= cache.capacity());
}

TEST_CASE("pick_queue_destination: uniform per member, so weighted per worker") {
  QueueInterest q;
  q.name = "g";
  q.weights = {{0, 1}, {3, 2}, {7, 5}};
  q.total = 8;
  std::mt19937_64 rng(7);
  std::map<uint32_t, int> hits;
  const int draws = 160000;
  for (int i = 0; i < draws; ++i) hits[pick_queue_destination(q, rng())]++;
  CHECK(hits.size() == 3);
  CHECK(hits[0] == doctest::Approx(draws / 8.0).epsilon(0.05));
  CHECK(hits[3] == doctest::Approx(draws * 2 / 8.0).epsilon(0.05));
  CHECK(hits[7] == doctest::Approx(draws * 5 / 8.0).epsilon(0.05));
  QueueInterest one;
  one.weights = {{5, 3}};
  one.total = 3;
  CHECK(pick_queue_destination(one, 0) == 5);
  CHECK(pick_queue_destination(one, ~uint64_t{0}) == 5);
}
