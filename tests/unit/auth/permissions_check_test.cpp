// ClientPermissions: the reference's allow/deny rules, queue entries, delivery deny filter,
// allow_responses, and bounded caches.
#include <doctest/doctest.h>

#include "server/permissions_check.h"

using namespace zats::server;

namespace {

PermissionsPtr make(std::optional<SubjectPermission> pub, std::optional<SubjectPermission> sub,
                    std::optional<ResponsePermission> resp = std::nullopt) {
  auto p = std::make_shared<Permissions>();
  p->publish = std::move(pub);
  p->subscribe = std::move(sub);
  p->response = resp;
  return p;
}

SubjectPermission allow(std::vector<std::string> a, std::vector<std::string> d = {}) {
  return SubjectPermission{std::move(a), std::move(d)};
}

SubjectPermission deny_only(std::vector<std::string> d) { return SubjectPermission{std::nullopt, std::move(d)}; }

}  // namespace

TEST_CASE("subset match (sublist.go subjectIsSubsetMatch)") {
  CHECK(subject_is_subset_match("foo.bar", "foo.*"));
  CHECK(subject_is_subset_match("foo.bar", "foo.>"));
  CHECK(subject_is_subset_match("foo.*", "foo.*"));
  CHECK_FALSE(subject_is_subset_match("foo.*", "foo.bar"));
  CHECK_FALSE(subject_is_subset_match("foo.>", "foo.*"));
  CHECK_FALSE(subject_is_subset_match("foo", "foo.*"));
}

TEST_CASE("publish: allow list, then deny; cached") {
  ClientPermissions p(make(allow({"req.foo", "req.*.x", "m.>"}, {"m.secret"}), std::nullopt));
  for (int round = 0; round < 2; ++round) {  // the second round hits the cache
    CHECK(p.can_publish("req.foo", 0));
    CHECK(p.can_publish("req.a.x", 0));
    CHECK(p.can_publish("m.a.b", 0));
    CHECK_FALSE(p.can_publish("m.secret", 0));
    CHECK_FALSE(p.can_publish("req.bar", 0));
  }
  ClientPermissions d(make(deny_only({"x.>"}), std::nullopt));
  CHECK(d.can_publish("y", 0));
  CHECK_FALSE(d.can_publish("x.y", 0));
  ClientPermissions none(make(allow({}), std::nullopt));
  CHECK_FALSE(none.can_publish("anything", 0));
}

TEST_CASE("publish cache stays bounded") {
  ClientPermissions p(make(allow({"a.*"}), std::nullopt));
  for (int i = 0; i < 1000; ++i) CHECK(p.can_publish("a." + std::to_string(i), 0));
  CHECK_FALSE(p.can_publish("b", 0));
}

TEST_CASE("subscribe: plain and queue-qualified entries") {
  ClientPermissions p(make(std::nullopt, allow({"_INBOX.*", "q.* grp", "both", "both w.*"})));
  CHECK(p.can_subscribe("_INBOX.a", ""));
  CHECK(p.can_subscribe("_INBOX.*", ""));
  CHECK(p.can_subscribe("_INBOX.>", ""));  // as the reference: '*' matches the '>' token
  CHECK_FALSE(p.can_subscribe(">", ""));
  CHECK_FALSE(p.can_subscribe("other", ""));
  CHECK(p.can_subscribe("q.x", "grp"));
  CHECK_FALSE(p.can_subscribe("q.x", ""));       // a plain sub is refused
  CHECK_FALSE(p.can_subscribe("q.x", "other"));  // so is another group
  CHECK(p.can_subscribe("both", ""));
  CHECK(p.can_subscribe("both", "w.1"));          // wildcard queue entry
  CHECK_FALSE(p.can_subscribe("both", "v"));
  ClientPermissions empty_allow(make(std::nullopt, allow({})));
  CHECK(empty_allow.can_subscribe("x", ""));      // an empty subscribe allow list allows all
}

TEST_CASE("subscribe deny, and the delivery deny filter for wildcard subscriptions") {
  ClientPermissions p(make(std::nullopt, allow({"foo.>"}, {"foo.deny", "foo.q grp"})));
  CHECK_FALSE(p.can_subscribe("foo.deny", ""));
  CHECK(p.can_subscribe("foo.q", ""));
  CHECK_FALSE(p.can_subscribe("foo.q", "grp"));
  CHECK_FALSE(p.delivery_denied("foo.deny"));  // not armed yet
  CHECK(p.can_subscribe("foo.*", ""));
  CHECK(p.delivery_denied("foo.deny"));
  CHECK(p.delivery_denied("foo.deny"));        // cached
  CHECK_FALSE(p.delivery_denied("foo.ok"));
}

TEST_CASE("allow_responses: replies to delivered messages, max and expiry") {
  ResponsePermission rp;
  rp.max_msgs = 2;
  rp.expires = std::chrono::seconds(1);
  ClientPermissions p(make(allow({}), std::nullopt, rp));
  CHECK(p.tracks_replies());
  CHECK_FALSE(p.can_publish("_INBOX.1", 0));
  p.note_reply("_INBOX.1", 0);
  CHECK(p.can_publish("_INBOX.1", 10));
  CHECK(p.can_publish("_INBOX.1", 20));
  CHECK_FALSE(p.can_publish("_INBOX.1", 30));  // max reached
  p.note_reply("_INBOX.2", 0);
  CHECK_FALSE(p.can_publish("_INBOX.2", 2'000'000'000));  // expired
  ResponsePermission unlimited;
  unlimited.max_msgs = -1;
  ClientPermissions u(make(allow({"pub.ok"}), std::nullopt, unlimited));
  u.note_reply("r", 0);
  for (int i = 0; i < 10; ++i) CHECK(u.can_publish("r", 1));
  CHECK(u.can_publish("pub.ok", 1));
}
