// Subject rules (docs/compatibility.md, Subjects and wildcards): tokens split by '.', none empty,
// no whitespace; '*' and '>' are wildcards only as whole tokens, '>' only last.
#pragma once

#include <string_view>

namespace zats::proto {

// A valid subscription subject (wildcards allowed).
bool is_valid_subject(std::string_view subject);
// A valid publish subject under pedantic (no wildcard tokens, no empty tokens).
bool is_valid_literal_subject(std::string_view subject);
// True when no token is exactly '*' or '>'.
bool is_literal(std::string_view subject);
// Does the literal `subject` match the (possibly wildcard) `pattern`? Token by token.
bool subject_matches(std::string_view pattern, std::string_view subject);

}  // namespace zats::proto
