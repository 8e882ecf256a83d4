// Subject rules (docs/compatibility.md, Subjects and wildcards): validity with and without
// wildcards, literal detection (wildcards only as whole tokens), token-by-token matching and the short-subject equality.
#include <doctest/doctest.h>

#include <string>

#include "proto/subject.h"

using namespace zats::proto;

TEST_CASE("is_valid_subject") {
  for (const char* s : {"foo", "foo.bar", "foo.*", "*", ">", "foo.>", "*.*.>", "foo*.b>r",
                        "a>.b", "\xc3\xa9t\xc3\xa9.x", "$SYS.REQ", "_INBOX.abc"}) {
    CAPTURE(s);
    CHECK(is_valid_subject(s));
  }
  for (const char* s : {"", ".", "foo..bar", ".foo", "foo.", "foo.>.bar", ">.foo", "> .a",
                        "foo bar", "foo\tbar", "a.\r", "a.\n.b", "a\fb"}) {
    CAPTURE(s);
    CHECK_FALSE(is_valid_subject(s));
  }
}

TEST_CASE("is_valid_literal_subject") {
  for (const char* s : {"foo", "foo.bar", "foo*.bar", "a>b", "x.y.z"}) {
    CAPTURE(s);
    CHECK(is_valid_literal_subject(s));
  }
  for (const char* s : {"", "foo.*", ">", "foo.>", "foo..bar", ".a", "a.", "*"}) {
    CAPTURE(s);
    CHECK_FALSE(is_valid_literal_subject(s));
  }
}

TEST_CASE("is_literal: wildcards only as whole tokens") {
  CHECK(is_literal("foo.bar"));
  CHECK(is_literal("foo*"));
  CHECK(is_literal("a>b.c*"));
  CHECK(is_literal("foo..bar"));
  CHECK_FALSE(is_literal("*"));
  CHECK_FALSE(is_literal(">"));
  CHECK_FALSE(is_literal("foo.*"));
  CHECK_FALSE(is_literal("*.foo"));
  CHECK_FALSE(is_literal("foo.>"));
  CHECK_FALSE(is_literal("a.*.b"));
}

TEST_CASE("subject_matches") {
  CHECK(subject_matches("foo", "foo"));
  CHECK_FALSE(subject_matches("foo", "foo.bar"));
  CHECK_FALSE(subject_matches("foo.bar", "foo"));
  CHECK(subject_matches("foo.*", "foo.bar"));
  CHECK_FALSE(subject_matches("foo.*", "foo"));
  CHECK_FALSE(subject_matches("foo.*", "foo.bar.baz"));
  CHECK(subject_matches("*.bar", "foo.bar"));
  CHECK(subject_matches("foo.>", "foo.bar"));
  CHECK(subject_matches("foo.>", "foo.bar.baz"));
  CHECK_FALSE(subject_matches("foo.>", "foo"));
  CHECK(subject_matches(">", "foo"));
  CHECK(subject_matches(">", "a.b.c"));
  CHECK(subject_matches("*.*.>", "a.b.c"));
  CHECK_FALSE(subject_matches("*.*.>", "a.b"));
  CHECK_FALSE(subject_matches("foo*", "foobar"));
  CHECK(subject_matches("foo*", "foo*"));
  // A published wildcard subject is matched as text, token by token.
  CHECK(subject_matches("foo.*", "foo.*"));
  CHECK(subject_matches("foo.*", "foo.>"));
  CHECK_FALSE(subject_matches("foo.bar", "foo.*"));
}

TEST_CASE("subject_is_subset: every subject of the first is matched by the second") {
  CHECK(subject_is_subset("foo.bar", "foo.bar"));
  CHECK(subject_is_subset("foo.bar", "foo.*"));
  CHECK(subject_is_subset("foo.bar", "foo.>"));
  CHECK(subject_is_subset("foo.*", "foo.>"));
  CHECK(subject_is_subset("foo.*", "foo.*"));
  CHECK(subject_is_subset("foo.>", "foo.>"));
  CHECK(subject_is_subset("foo.>", ">"));
  CHECK_FALSE(subject_is_subset("foo.>", "foo.*"));
  CHECK_FALSE(subject_is_subset("foo.*", "foo.bar"));
  CHECK_FALSE(subject_is_subset("foo", "foo.>"));
  CHECK_FALSE(subject_is_subset("foo.bar.baz", "foo.*"));
  CHECK_FALSE(subject_is_subset("foo.bar", "foo.bar.baz"));
  CHECK_FALSE(subject_is_subset("y.>", "x.>"));
}

TEST_CASE("subjects_collide: some literal subject matches both") {
  CHECK(subjects_collide("foo.bar", "foo.bar"));
  CHECK_FALSE(subjects_collide("foo.bar", "foo.baz"));
  CHECK(subjects_collide("foo.bar", "foo.*"));
  CHECK(subjects_collide("foo.*", "foo.bar"));
  CHECK(subjects_collide("foo.*", "*.bar"));
  CHECK(subjects_collide("foo.>", "*.bar.baz"));
  CHECK(subjects_collide("foo.>", "foo.*.baz"));
  CHECK_FALSE(subjects_collide("foo.*", "foo.*.baz"));
  CHECK_FALSE(subjects_collide("foo.*", "bar.*"));
  CHECK_FALSE(subjects_collide("foo.>", "bar.>"));
  CHECK(subjects_collide("x.>", "x.>"));
}

TEST_CASE("same_subject agrees with operator== at every length and differing position") {
  for (size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (size_t i = 0; i < n; ++i) a[i] = char('a' + (i * 7) % 26);
    CHECK(same_subject(a, a));
    CHECK(same_subject(a, std::string(a)));  // equal bytes elsewhere in memory
    CHECK_FALSE(same_subject(a, a + "y"));
    for (size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = '.';
      CHECK_FALSE(same_subject(a, b));
    }
  }
}
