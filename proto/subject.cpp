// Subject rules (docs/compatibility.md, Subjects and wildcards; sublist.go IsValidSubject /
// IsValidLiteralSubject / subjectIsLiteral): token walks over the subject text, no allocation.
#include "proto/subject.h"

namespace zats::proto {

namespace {

bool is_subject_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

}  // namespace

bool is_valid_subject(std::string_view subject) {
  if (subject.empty()) return false;
  bool seen_trailing_wildcard = false;
  return for_each_token(subject, [&](std::string_view token) {
    if (token.empty() || seen_trailing_wildcard) return false;
    for (char c : token) {
      if (is_subject_whitespace(c)) return false;
    }
    if (token == kTrailingTokens) seen_trailing_wildcard = true;
    return true;
  });
}

bool is_valid_literal_subject(std::string_view subject) {
  return for_each_token(subject, [](std::string_view token) {
    return !token.empty() && !is_wildcard_token(token);
  });
}

bool is_literal(std::string_view subject) {
  return for_each_token(subject, [](std::string_view token) { return !is_wildcard_token(token); });
}

bool subject_matches(std::string_view pattern, std::string_view subject) {
  SubjectTokens patterns(pattern);
  SubjectTokens subjects(subject);
  std::string_view p;
  std::string_view s;
  while (patterns.next(p)) {
    if (!subjects.next(s)) return false;
    if (p == kTrailingTokens) return true;  // one or more remaining tokens: there is at least s
    if (p != kAnyToken && p != s) return false;
  }
  return !subjects.next(s);
}

bool subject_is_subset(std::string_view subject, std::string_view pattern) {
  SubjectTokens subjects(subject);
  SubjectTokens patterns(pattern);
  std::string_view t;
  std::string_view p;
  while (patterns.next(p)) {
    if (!subjects.next(t)) return false;
    if (p.empty() || t.empty()) return false;
    if (p == kTrailingTokens) return true;
    if (t == kTrailingTokens) return false;  // a tail is wider than any single pattern token
    if (t == kAnyToken) {
      if (p != kAnyToken) return false;
      continue;
    }
    if (p != kAnyToken && p != t) return false;
  }
  return !subjects.next(t);
}

bool subjects_collide(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const bool a_literal = is_literal(a);
  const bool b_literal = is_literal(b);
  if (a_literal && b_literal) return false;
  if (a_literal) return subject_is_subset(a, b);
  if (b_literal) return subject_is_subset(b, a);
  SubjectTokens x(a);
  SubjectTokens y(b);
  std::string_view s;
  std::string_view t;
  while (true) {
    const bool more_x = x.next(s);
    const bool more_y = y.next(t);
    if (!more_x || !more_y) return more_x == more_y;  // one ran out first: only a '>' could cover the rest
    if (s == kTrailingTokens || t == kTrailingTokens) return true;
    if (s != kAnyToken && t != kAnyToken && s != t) return false;
  }
}

}  // namespace zats::proto
