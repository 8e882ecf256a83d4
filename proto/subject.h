// Subject rules (docs/compatibility.md, Subjects and wildcards): tokens split by '.', none empty,
// no whitespace; '*' and '>' are wildcards only as whole tokens, '>' only last. SubjectTokens is
// the one subject tokenizer: the validity rules here, the local Sublist, the shared InterestIndex,
// permissions and monitoring all split subjects with it.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace zats::proto {

inline constexpr std::string_view kAnyToken = "*";     // matches exactly one token
inline constexpr std::string_view kTrailingTokens = ">";  // matches one or more, last only

inline bool is_wildcard_token(std::string_view token) {
  return token == kAnyToken || token == kTrailingTokens;
}

// a == b for the subjects a publisher repeats (the match caches' last-subject memos, on every
// message): up to 16 bytes in two overlapping word loads each, inline, where operator== calls
// memcmp through the PLT; longer ones go to memcmp.
inline bool same_subject(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  auto load8 = [](const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; };
  auto load4 = [](const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; };
  const char* x = a.data();
  const char* y = b.data();
  if (n > 16) return std::memcmp(x, y, n) == 0;
  if (n >= 8) return load8(x) == load8(y) && load8(x + n - 8) == load8(y + n - 8);
  if (n >= 4) return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// Walks the '.'-separated tokens of a subject in order, empty ones included: "a..b" has three
// tokens, "" has one. No allocation; inline because matching calls it on every cache miss.
class SubjectTokens {
 public:
  explicit SubjectTokens(std::string_view subject) : rest_(subject) {}

  // Sets `token` to the next token; false once every token has been returned.
  bool next(std::string_view& token) {
    if (done_) return false;
    const size_t dot = rest_.find('.');
    if (dot == std::string_view::npos) {
      token = rest_;
      done_ = true;
    } else {
      token = rest_.substr(0, dot);
      rest_.remove_prefix(dot + 1);
    }
    return true;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Calls visit(token) for each token in order; stops, returning false, when visit returns false.
template <class Visit>
bool for_each_token(std::string_view subject, Visit&& visit) {
  SubjectTokens tokens(subject);
  for (std::string_view token; tokens.next(token);) {
    if (!visit(token)) return false;
  }
  return true;
}

// The token at `position` (from 1) of `subject`, or nullopt when it has fewer tokens (or
// `position` is below 1).
inline std::optional<std::string_view> subject_token(std::string_view subject, int64_t position) {
  if (position < 1) return std::nullopt;
  SubjectTokens tokens(subject);
  std::string_view token;
  for (int64_t i = 0; i < position; ++i)
    if (!tokens.next(token)) return std::nullopt;
  return token;
}

// Appends the tokens of `subject` to `out` (anything with push_back(std::string_view)). False at
// the first empty token, since such a subject matches nothing; `out` then holds the ones before.
template <class Tokens>
bool split_tokens(std::string_view subject, Tokens& out) {
  return for_each_token(subject, [&out](std::string_view token) {
    if (token.empty()) return false;
    out.push_back(token);
    return true;
  });
}

// A valid subscription subject (wildcards allowed).
bool is_valid_subject(std::string_view subject);
// A valid publish subject under pedantic (no wildcard tokens, no empty tokens).
bool is_valid_literal_subject(std::string_view subject);
// True when no token is exactly '*' or '>'.
bool is_literal(std::string_view subject);
// Does the literal `subject` match the (possibly wildcard) `pattern`? Token by token.
bool subject_matches(std::string_view pattern, std::string_view subject);
// Is every subject that `subject` matches also matched by `pattern`? (Both may hold wildcards;
// sublist.go isSubsetMatch: exports and imports are compared with it.)
bool subject_is_subset(std::string_view subject, std::string_view pattern);
// Can some literal subject match both? (sublist.go SubjectsCollide.)
bool subjects_collide(std::string_view a, std::string_view b);

}  // namespace zats::proto
