// Unit tests for server/sublist: literal and wildcard matching, queue-group merging, removal with
// pruning, cache invalidation and bounds, and a randomized comparison against a brute-force matcher
// written here from the subject rules (docs/compatibility.md, Subjects and wildcards).
#include "server/sublist.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using zats::server::Sublist;
using zats::server::SublistResult;
using zats::server::Subscription;

namespace {

// A result in a comparable form: plain subscribers as a set, queue groups as a set of member
// sets (the group name is not part of SublistResult, only the grouping is).
struct Shape {
  std::set<Subscription*> plain;
  std::set<std::set<Subscription*>> queues;
  bool operator==(const Shape&) const = default;
};

Shape shape_of(const SublistResult& r) {
  Shape s;
  s.plain.insert(r.plain.begin(), r.plain.end());
  for (const auto& group : r.queues) s.queues.emplace(group.begin(), group.end());
  // Duplicates would mean a subscriber got a message twice.
  REQUIRE(s.plain.size() == r.plain.size());
  REQUIRE(s.queues.size() == r.queues.size());
  return s;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t dot; (dot = s.find('.', start)) != std::string::npos; start = dot + 1)
    out.push_back(s.substr(start, dot - start));
  out.push_back(s.substr(start));
  return out;
}

// The reference rule, token by token: '*' in a subscription matches any one token, '>' one or
// more trailing tokens; published tokens (even '*' and '>') are compared literally.
bool brute_match(const std::string& pattern, const std::string& subject) {
  auto p = split(pattern), s = split(subject);
  for (const auto& t : s)
    if (t.empty()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == ">") return i < s.size();
    if (i >= s.size()) return false;
    if (p[i] != "*" && p[i] != s[i]) return false;
  }
  return p.size() == s.size();
}

Shape brute_shape(const std::set<Subscription*>& live, const std::string& subject) {
  Shape s;
  std::map<std::string, std::set<Subscription*>> groups;
  for (Subscription* sub : live) {
    if (!brute_match(sub->subject, subject)) continue;
    if (sub->queue.empty())
      s.plain.insert(sub);
    else
      groups[sub->queue].insert(sub);
  }
  for (auto& [name, members] : groups) s.queues.insert(members);
  return s;
}

Subscription make(std::string subject, std::string queue = "") {
  Subscription s;
  s.subject = std::move(subject);
  s.queue = std::move(queue);
  return s;
}

}  // namespace

TEST_CASE("literal subjects match exactly") {
  Sublist sl;
  auto a = make("foo.bar"), b = make("foo.bar"), c = make("foo.baz"), d = make("foo");
  for (auto* s : {&a, &b, &c, &d}) sl.insert(s);
  CHECK(sl.count() == 4);
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&a, &b});
  CHECK(shape_of(sl.match("foo.baz")).plain == std::set<Subscription*>{&c});
  CHECK(shape_of(sl.match("foo")).plain == std::set<Subscription*>{&d});
  CHECK(sl.match("foo.bar.baz").empty());
  CHECK(sl.match("bar").empty());
}

TEST_CASE("'*' matches exactly one token and is a wildcard only as a whole token") {
  Sublist sl;
  auto star = make("foo.*"), mid = make("*.bar"), literal = make("foo*.bar");
  for (auto* s : {&star, &mid, &literal}) sl.insert(s);
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&star, &mid});
  CHECK(shape_of(sl.match("foo.x")).plain == std::set<Subscription*>{&star});
  CHECK(sl.match("foo").empty());
  CHECK(sl.match("foo.bar.baz").empty());
  CHECK(shape_of(sl.match("foo*.bar")).plain == std::set<Subscription*>{&mid, &literal});
}

TEST_CASE("'>' matches one or more trailing tokens") {
  Sublist sl;
  auto tail = make("foo.>"), all = make(">"), not_tail = make("foo.a>b");
  for (auto* s : {&tail, &all, &not_tail}) sl.insert(s);
  CHECK(shape_of(sl.match("foo")).plain == std::set<Subscription*>{&all});
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&tail, &all});
  CHECK(shape_of(sl.match("foo.bar.baz.q")).plain == std::set<Subscription*>{&tail, &all});
  CHECK(shape_of(sl.match("foo.a>b")).plain == std::set<Subscription*>{&tail, &all, &not_tail});
}

TEST_CASE("mixed literal and wildcard subscriptions all match") {
  Sublist sl;
  auto lit = make("a.b.c"), s1 = make("a.*.c"), s2 = make("*.*.*"), t1 = make("a.>"),
       t2 = make("a.*.>"), miss1 = make("a.*"), miss2 = make("a.b.c.>");
  for (auto* s : {&lit, &s1, &s2, &t1, &t2, &miss1, &miss2}) sl.insert(s);
  CHECK(shape_of(sl.match("a.b.c")).plain == std::set<Subscription*>{&lit, &s1, &s2, &t1, &t2});
}

TEST_CASE("published wildcard tokens are matched literally, as nats-server does") {
  Sublist sl;
  auto star = make("foo.*"), tail = make("foo.>"), lit = make("foo.bar"), all = make(">");
  for (auto* s : {&star, &tail, &lit, &all}) sl.insert(s);
  CHECK(shape_of(sl.match("foo.*")).plain == std::set<Subscription*>{&star, &tail, &all});
  CHECK(shape_of(sl.match("foo.>")).plain == std::set<Subscription*>{&star, &tail, &all});
}

TEST_CASE("invalid publish subjects match nothing") {
  Sublist sl;
  auto all = make(">"), star = make("*.*");
  sl.insert(&all);
  sl.insert(&star);
  for (const char* bad : {"", ".", "foo.", ".foo", "foo..bar"}) {
    CAPTURE(bad);
    CHECK(sl.match(bad).empty());
  }
  CHECK(sl.stats().cache_size == 0);  // and are not cached
}

TEST_CASE("queue groups are grouped by name across literal and wildcard entries") {
  Sublist sl;
  auto q1a = make("foo.bar", "g1"), q1b = make("foo.*", "g1"), q1c = make("foo.>", "g1");
  auto q2 = make("foo.bar", "g2"), q2b = make("*.bar", "g2"), other = make("foo.baz", "g1");
  auto plain = make("foo.bar");
  for (auto* s : {&q1a, &q1b, &q1c, &q2, &q2b, &other, &plain}) sl.insert(s);

  Shape got = shape_of(sl.match("foo.bar"));
  CHECK(got.plain == std::set<Subscription*>{&plain});
  CHECK(got.queues == std::set<std::set<Subscription*>>{{&q1a, &q1b, &q1c}, {&q2, &q2b}});

  got = shape_of(sl.match("foo.baz"));
  CHECK(got.plain.empty());
  CHECK(got.queues == std::set<std::set<Subscription*>>{{&q1b, &q1c, &other}});
}

TEST_CASE("insert is idempotent and remove reports membership") {
  Sublist sl;
  auto a = make("foo.*", "q"), b = make("foo.bar");
  sl.insert(&a);
  sl.insert(&a);
  sl.insert(&b);
  CHECK(sl.count() == 2);
  CHECK(sl.match("foo.bar").queues.size() == 1);
  CHECK(sl.match("foo.bar").queues[0].size() == 1);
  CHECK(sl.remove(&a));
  CHECK_FALSE(sl.remove(&a));
  auto stranger = make("foo.bar");
  CHECK_FALSE(sl.remove(&stranger));
  auto stranger_q = make("foo.bar", "q");
  CHECK_FALSE(sl.remove(&stranger_q));
  CHECK(sl.count() == 1);
}

TEST_CASE("removal prunes empty entries and trie nodes") {
  Sublist sl;
  auto a = make("a.b.c"), b = make("a.*.c"), c = make("a.*.>"), d = make("a.*", "q"),
       e = make(">"), f = make("a.*.c", "q");
  std::vector<Subscription*> all{&a, &b, &c, &d, &e, &f};
  for (auto* s : all) sl.insert(s);
  CHECK(sl.entry_count() > 0);

  std::vector<Subscription*> collected;
  sl.collect(collected);
  CHECK(std::set<Subscription*>(collected.begin(), collected.end()) ==
        std::set<Subscription*>(all.begin(), all.end()));
  CHECK(collected.size() == all.size());

  // Removing a leaf keeps the shared prefix that others still use.
  size_t before = sl.entry_count();
  CHECK(sl.remove(&c));
  CHECK(sl.entry_count() == before - 1);  // only the '>' node under a.* goes
  CHECK(shape_of(sl.match("a.x.c")).plain == std::set<Subscription*>{&b, &e});

  for (auto* s : all)
    if (s != &c) CHECK(sl.remove(s));
  CHECK(sl.count() == 0);
  CHECK(sl.entry_count() == 0);
  collected.clear();
  sl.collect(collected);
  CHECK(collected.empty());
  CHECK(sl.match("a.b.c").empty());
}

TEST_CASE("the cache never returns a stale result after insert or remove") {
  Sublist sl(16);
  auto lit = make("foo.bar"), wild = make("foo.*"), q = make("*.bar", "g");
  sl.insert(&lit);
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&lit});
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&lit});
  CHECK(sl.stats().cache_hits == 1);

  uint64_t gen = sl.generation();
  sl.insert(&wild);
  CHECK(sl.generation() != gen);
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&lit, &wild});
  sl.insert(&q);
  CHECK(sl.match("foo.bar").queues.size() == 1);

  sl.remove(&lit);
  CHECK(shape_of(sl.match("foo.bar")).plain == std::set<Subscription*>{&wild});
  sl.remove(&q);
  CHECK(sl.match("foo.bar").queues.empty());
  sl.remove(&wild);
  CHECK(sl.match("foo.bar").empty());

  // A no-interest result is cached too, and a later insert makes it visible.
  CHECK(sl.match("nobody").empty());
  auto late = make("nobody");
  sl.insert(&late);
  CHECK(shape_of(sl.match("nobody")).plain == std::set<Subscription*>{&late});

  auto st = sl.stats();
  CHECK(st.inserts == 4);
  CHECK(st.removes == 3);
  CHECK(st.matches == 9);
}

namespace {

// True when matching `subject` now is a cache hit (its cached result survived).
bool cached(Sublist& sl, std::string_view subject) {
  const uint64_t hits = sl.stats().cache_hits;
  sl.match(subject);
  return sl.stats().cache_hits == hits + 1;
}

}  // namespace

TEST_CASE("an insert or remove marks stale only the cached results its subject matches") {
  Sublist sl(64);
  auto xy = make("x.y");
  sl.insert(&xy);
  auto elsewhere = make("z.*");  // a wildcard subscription: every result gets cached
  sl.insert(&elsewhere);
  for (const char* s : {"a.b", "a.c", "a.*", "a.b.c", "x.y"}) sl.match(s);
  auto ab = make("a.b");
  sl.insert(&ab);
  CHECK(shape_of(sl.match("a.b")).plain == std::set<Subscription*>{&ab});
  CHECK(cached(sl, "a.c"));
  CHECK(cached(sl, "a.*"));
  CHECK(cached(sl, "x.y"));

  auto star = make("a.*");
  sl.insert(&star);
  CHECK_FALSE(cached(sl, "a.b"));
  CHECK_FALSE(cached(sl, "a.c"));
  CHECK(shape_of(sl.match("a.*")).plain == std::set<Subscription*>{&star});
  CHECK(cached(sl, "a.b.c"));
  CHECK(cached(sl, "x.y"));

  auto tail = make("a.>", "g");
  sl.insert(&tail);
  CHECK(sl.match("a.b.c").queues.size() == 1);
  CHECK(sl.match("a.b").queues.size() == 1);
  CHECK(sl.match("a.c").queues.size() == 1);
  CHECK(cached(sl, "x.y"));

  CHECK(sl.remove(&ab));
  CHECK(shape_of(sl.match("a.b")).plain == std::set<Subscription*>{&star});
  CHECK(cached(sl, "a.c"));
  CHECK(sl.remove(&tail));
  CHECK(sl.match("a.b.c").empty());
  CHECK(cached(sl, "x.y"));
  CHECK(shape_of(sl.match("x.y")).plain == std::set<Subscription*>{&xy});
}

TEST_CASE("a failed remove or duplicate insert leaves the cache valid") {
  Sublist sl(16);
  auto a = make("x");
  sl.insert(&a);
  sl.match("x");
  uint64_t gen = sl.generation();
  sl.insert(&a);
  auto other = make("x");
  sl.remove(&other);
  CHECK(sl.generation() == gen);
  uint64_t hits = sl.stats().cache_hits;
  CHECK(shape_of(sl.match("x")).plain == std::set<Subscription*>{&a});
  CHECK(sl.stats().cache_hits == hits + 1);
}

TEST_CASE("the cache stays bounded under many distinct no-interest subjects") {
  constexpr size_t kCap = 64;
  Sublist sl(kCap);
  auto a = make("interest.*");
  sl.insert(&a);
  for (int i = 0; i < 20000; ++i) {
    CHECK(sl.match("none." + std::to_string(i)).empty());
    REQUIRE(sl.stats().cache_size <= kCap);
  }
  CHECK(sl.stats().cache_size > 0);
  CHECK(shape_of(sl.match("interest.x")).plain == std::set<Subscription*>{&a});
  CHECK(sl.stats().cache_size <= kCap);
}

TEST_CASE("without wildcard subscriptions, a subject nobody subscribed to is answered uncached") {
  Sublist sl(64);
  auto a = make("a");
  sl.insert(&a);
  for (int i = 0; i < 1000; ++i) CHECK(sl.match("none." + std::to_string(i)).empty());
  CHECK(sl.stats().cache_size == 0);  // nothing evicted what is worth keeping
  CHECK(shape_of(sl.match("a")).plain == std::set<Subscription*>{&a});
  CHECK(sl.stats().cache_size == 1);
  auto late = make("none.7");  // interest that comes later is seen at once
  sl.insert(&late);
  CHECK(shape_of(sl.match("none.7")).plain == std::set<Subscription*>{&late});
  auto wild = make("none.*");  // with a wildcard subscription, misses are computed and cached
  sl.insert(&wild);
  CHECK(shape_of(sl.match("none.8")).plain == std::set<Subscription*>{&wild});
  CHECK(sl.match("other").empty());
  CHECK(sl.stats().cache_size == 4);
}

TEST_CASE("a zero-capacity sublist matches without caching") {
  Sublist sl(0);
  auto a = make("a.>");
  sl.insert(&a);
  CHECK(shape_of(sl.match("a.b")).plain == std::set<Subscription*>{&a});
  CHECK(sl.match("b").empty());
  CHECK(sl.stats().cache_size == 0);
  CHECK(sl.stats().cache_hits == 0);
}

TEST_CASE("randomized: match agrees with a brute-force matcher") {
  std::mt19937 rng(20240607);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const std::vector<std::string> sub_tokens{"a", "b", "c", "*", ">"};
  const std::vector<std::string> pub_tokens{"a", "b", "c", "d", "*", ">", ""};
  const std::vector<std::string> queues{"", "", "", "q1", "q2"};

  auto random_sub_subject = [&] {
    int n = 1 + pick(4);
    std::string s;
    for (int i = 0; i < n; ++i) {
      std::string t = sub_tokens[static_cast<size_t>(pick(static_cast<int>(sub_tokens.size())))];
      if (t == ">" && i != n - 1) t = "*";  // '>' only as the last token
      s += (i ? "." : "") + t;
    }
    return s;
  };
  auto random_pub_subject = [&] {
    int n = 1 + pick(5);
    std::string s;
    for (int i = 0; i < n; ++i) {
      // Mostly valid literal tokens; wildcard and empty tokens now and then.
      size_t k = pick(10) < 8 ? static_cast<size_t>(pick(4)) : 4 + static_cast<size_t>(pick(3));
      s += (i ? "." : "") + pub_tokens[k];
    }
    return s;
  };

  for (size_t capacity : {size_t{0}, size_t{8}, size_t{4096}}) {
    CAPTURE(capacity);
    Sublist sl(capacity);
    std::deque<Subscription> pool;
    std::set<Subscription*> live;
    std::vector<Subscription*> live_vec;
    int with_plain = 0, with_queues = 0;
    for (int step = 0; step < 20000; ++step) {
      int op = pick(10);
      if (op < 3 || live.empty()) {
        pool.push_back(make(random_sub_subject(), queues[static_cast<size_t>(pick(5))]));
        sl.insert(&pool.back());
        live.insert(&pool.back());
      } else if (op < 5) {
        auto it = live.begin();
        std::advance(it, pick(static_cast<int>(live.size())));
        CHECK(sl.remove(*it));
        live.erase(it);
      } else {
        std::string subject = random_pub_subject();
        CAPTURE(subject);
        const SublistResult& got = sl.match(subject);
        REQUIRE(shape_of(got) == brute_shape(live, subject));
        with_plain += !got.plain.empty();
        with_queues += !got.queues.empty();
      }
      REQUIRE(sl.count() == live.size());
    }
    // The alphabet is small so that most publishes meet interest; make sure they do.
    CHECK(with_plain > 2000);
    CHECK(with_queues > 1000);
    live_vec.clear();
    sl.collect(live_vec);
    CHECK(std::set<Subscription*>(live_vec.begin(), live_vec.end()) == live);
    for (Subscription* s : live) CHECK(sl.remove(s));
    CHECK(sl.entry_count() == 0);
    CHECK(sl.count() == 0);
  }
}
