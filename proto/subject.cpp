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

}  // namespace zats::proto
