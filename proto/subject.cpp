// Subject rules (docs/compatibility.md, Subjects and wildcards; sublist.go IsValidSubject /
// IsValidLiteralSubject / subjectIsLiteral): token walks over the subject text, no allocation.
#include "proto/subject.h"

namespace zats::proto {

namespace {

bool is_subject_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Calls visit(token) for each '.'-separated token, stopping early when it returns false.
template <class Visit>
bool for_each_token(std::string_view subject, Visit visit) {
  size_t start = 0;
  while (true) {
    const size_t dot = subject.find('.', start);
    const std::string_view token =
        subject.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!visit(token)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_wildcard_token(std::string_view token) { return token == "*" || token == ">"; }

}  // namespace

bool is_valid_subject(std::string_view subject) {
  if (subject.empty()) return false;
  bool seen_full_wildcard = false;
  return for_each_token(subject, [&](std::string_view token) {
    if (token.empty() || seen_full_wildcard) return false;
    for (char c : token) {
      if (is_subject_whitespace(c)) return false;
    }
    if (token == ">") seen_full_wildcard = true;
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
  size_t p = 0;
  size_t s = 0;
  while (true) {
    const size_t p_dot = pattern.find('.', p);
    const size_t s_dot = subject.find('.', s);
    const std::string_view p_token = pattern.substr(p, p_dot == std::string_view::npos ? std::string_view::npos : p_dot - p);
    const std::string_view s_token = subject.substr(s, s_dot == std::string_view::npos ? std::string_view::npos : s_dot - s);
    if (p_token == ">") return true;  // one or more remaining tokens: there is at least this one
    if (p_token != "*" && p_token != s_token) return false;
    const bool pattern_done = p_dot == std::string_view::npos;
    const bool subject_done = s_dot == std::string_view::npos;
    if (pattern_done || subject_done) return pattern_done && subject_done;
    p = p_dot + 1;
    s = s_dot + 1;
  }
}

}  // namespace zats::proto
