#include "server/subject_transform.h"

#include <algorithm>
#include <cctype>

#include "proto/encode.h"
#include "proto/subject.h"
#include "server/config/host_port.h"

namespace zats::server {
namespace {

std::vector<std::string_view> tokens_of(std::string_view s) {
  std::vector<std::string_view> out;
  proto::for_each_token(s, [&out](std::string_view t) {
    out.push_back(t);
    return true;
  });
  return out;
}

// sublist.go subjectInfo's test: no empty token, nothing after a `>` (white space allowed).
bool well_formed(const std::vector<std::string_view>& tokens) {
  if (tokens.empty()) return false;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i].empty() || (tokens[i] == ">" && i + 1 < tokens.size())) return false;
  return true;
}

// Where the token at `position` of a literal subject starts.
size_t token_start(std::string_view subject, int position) {
  size_t start = 0;
  for (int i = 0; i < position; ++i) start = subject.find('.', start) + 1;
  return start;
}

// The token at `position` of a literal subject.
std::string_view token_at(std::string_view subject, int position) {
  const size_t start = token_start(subject, position);
  const size_t end = subject.find('.', start);
  return subject.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// Go's strconv.Atoi (config::go_atoi), the number or nullopt.
std::optional<int64_t> atoi_or_none(std::string_view text) {
  int64_t n = 0;
  if (!config::go_atoi(text, &n).empty()) return std::nullopt;
  return n;
}

// A `$N` placeholder token (accounts.go transformUntokenize's test).
bool is_numbered_placeholder(std::string_view t) { return t.size() > 1 && t[0] == '$' && t[1] >= '1' && t[1] <= '9'; }

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_go_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// A mapping function's arguments: what its parentheses hold, split at each `,` and the white
// space after it (accounts.go getMappingFunctionArgs).
std::vector<std::string> arguments_of(std::string inside) {
  std::vector<std::string> args;
  size_t start = 0;
  for (;;) {
    size_t comma = inside.find(',', start);
    args.push_back(inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return args;
    start = comma + 1;
    while (start < inside.size() && is_go_space(inside[start])) ++start;
  }
}

std::string destination_error(std::string_view problem, std::string_view where) {
  return "invalid mapping destination: " + std::string(problem) + " in " + std::string(where);
}

constexpr std::string_view kNotEnough = "not enough arguments passed to the function";
constexpr std::string_view kTooMany = "too many arguments passed to the function";
constexpr std::string_view kInvalidArgument = "function argument is invalid or in the wrong format";

// Whether `name` starts at `at` of `token`: an upper-case letter of `name` matches either case
// (nats-server's `[sS]plit[fF]rom[lL]eft`), any other character itself.
bool name_at(std::string_view token, size_t at, std::string_view name) {
  if (token.size() - at < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = token[at + i];
    if (std::isupper(static_cast<unsigned char>(name[i])) ? std::toupper(static_cast<unsigned char>(c)) != name[i]
                                                          : c != name[i])
      return false;
  }
  return true;
}

// What the parentheses of function `name` hold when `token` contains a call of it, as
// nats-server's expression `{{\s*name\s*\((.*)\)\s*}}` finds it (anywhere in the token, the
// leftmost `{{` first, the longest argument text that no line break interrupts); nullopt when
// none does.
std::optional<std::string> function_arguments(std::string_view token, std::string_view name) {
  const size_t n = token.size();
  auto skip_spaces = [&](size_t p) {
    while (p < n && is_go_space(token[p])) ++p;
    return p;
  };
  for (size_t start = token.find("{{"); start != std::string_view::npos; start = token.find("{{", start + 1)) {
    size_t p = skip_spaces(start + 2);
    if (!name_at(token, p, name)) continue;
    p = skip_spaces(p + name.size());
    if (p == n || token[p] != '(') continue;
    const size_t open = p + 1;
    const size_t line_end = std::min(token.find('\n', open), n);
    for (size_t close = std::min(line_end, n - 1) + 1; close-- > open;) {
      if (token[close] != ')') continue;
      size_t after = skip_spaces(close + 1);
      if (token.substr(after, 2) == "}}") return std::string(token.substr(open, close - open));
    }
  }
  return std::nullopt;
}

// The mapping functions, in the order nats-server tries them.
enum class Syntax { kWildcard, kPartition, kIndexAndNumber, kSplit };
struct FunctionSyntax {
  std::string_view name;
  Syntax syntax;
  int number_kind = 0;  // for kIndexAndNumber: 0 splitFromLeft, 1 splitFromRight, 2 sliceFromLeft, 3 sliceFromRight
};
constexpr FunctionSyntax kFunctions[] = {
    {"Wildcard", Syntax::kWildcard},           {"Partition", Syntax::kPartition},
    {"SplitFromLeft", Syntax::kIndexAndNumber, 0}, {"SplitFromRight", Syntax::kIndexAndNumber, 1},
    {"SliceFromLeft", Syntax::kIndexAndNumber, 2}, {"SliceFromRight", Syntax::kIndexAndNumber, 3},
    {"Split", Syntax::kSplit},
};

// Go's strings.Split(s, "") pieces: one UTF-8 sequence each (a byte that starts none, alone).
size_t utf8_length(std::string_view s, size_t at) {
  const auto lead = static_cast<unsigned char>(s[at]);
  size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 1;
  if (at + n > s.size()) return 1;
  for (size_t i = 1; i < n; ++i)
    if ((static_cast<unsigned char>(s[at + i]) & 0xC0) != 0x80) return 1;
  return n;
}

// Go's strings.Split(token, delimiter), one piece at a time.
struct Parts {
  std::string_view token, delimiter;
  size_t at = 0;
  bool done = false;

  bool next(std::string_view& part) {
    if (done) return false;
    if (delimiter.empty()) {
      if (at == token.size()) return false;
      size_t len = utf8_length(token, at);
      part = token.substr(at, len);
      at += len;
      return true;
    }
    size_t found = token.find(delimiter, at);
    if (found == std::string_view::npos) {
      part = token.substr(at);
      done = true;
    } else {
      part = token.substr(at, found - at);
      at = found + delimiter.size();
    }
    return true;
  }
};

}  // namespace

std::string SubjectTransform::number_wildcards(std::string_view subject) {
  std::string out;
  int n = 0;
  for (std::string_view t : tokens_of(subject)) {
    if (!out.empty()) out.push_back('.');
    if (t == "*") {
      out.push_back('$');
      proto::append_number(out, static_cast<uint64_t>(++n));
    } else {
      out.append(t);
    }
  }
  return out;
}

std::string SubjectTransform::unnumber_wildcards(std::string_view subject) {
  std::string out;
  for (std::string_view t : tokens_of(subject)) {
    if (!out.empty()) out.push_back('.');
    out.append(is_numbered_placeholder(t) ? std::string_view("*") : t);
  }
  return out;
}

// accounts.go indexPlaceHolders: what one destination token is. Its wildcard indexes are kept
// in source_tokens until make() turns them into source positions.
std::optional<SubjectTransform::Piece> SubjectTransform::parse_piece(std::string_view token, std::string* why) {
  Piece p;
  p.text = std::string(token);
  if (token.size() > 1 && token[0] == '$') {
    std::optional<int64_t> n = atoi_or_none(token.substr(1));
    if (!n) return p;  // "$x" stays a literal, as there
    p.function = Function::kWildcard;
    p.source_tokens = {static_cast<int>(*n)};
    return p;
  }
  if (token.size() <= 4 || !token.starts_with("{{") || !token.ends_with("}}")) return p;
  for (const FunctionSyntax& f : kFunctions) {
    std::optional<std::string> inside = function_arguments(token, f.name);
    if (!inside) continue;
    std::vector<std::string> args = arguments_of(std::move(*inside));
    auto fail = [&](std::string_view problem) -> std::optional<Piece> {
      *why = destination_error(problem, token);
      return std::nullopt;
    };
    auto integer = [&](const std::string& a) { return atoi_or_none(trim_spaces(a)); };
    switch (f.syntax) {
      case Syntax::kWildcard: {
        if (args.size() == 1 && args[0].empty()) return fail(kNotEnough);
        if (args.size() > 1) return fail(kTooMany);
        std::optional<int64_t> index = integer(args[0]);
        if (!index) return fail(kInvalidArgument);
        p.function = Function::kWildcard;
        p.source_tokens = {static_cast<int>(*index)};
        return p;
      }
      case Syntax::kPartition: {
        if (args.size() < 2) return fail(kNotEnough);
        std::optional<int64_t> partitions = integer(args[0]);
        // nats-server 2.9.10 takes 0 partitions and then divides by zero on the first
        // message; zats refuses it here.
        if (!partitions || static_cast<int32_t>(*partitions) == 0) return fail(kInvalidArgument);
        p.function = Function::kPartition;
        p.number = static_cast<int32_t>(*partitions);
        for (size_t i = 1; i < args.size(); ++i) {
          std::optional<int64_t> index = integer(args[i]);
          if (!index) return fail(kInvalidArgument);
          p.source_tokens.push_back(static_cast<int>(*index));
        }
        return p;
      }
      case Syntax::kIndexAndNumber:
      case Syntax::kSplit: {
        if (args.size() < 2) return fail(kNotEnough);
        if (args.size() > 2) return fail(kTooMany);
        std::optional<int64_t> index = integer(args[0]);
        if (!index) return fail(kInvalidArgument);
        if (f.syntax == Syntax::kSplit) {
          if (args[1].find(' ') != std::string::npos || args[1].find('.') != std::string::npos)
            return fail(kInvalidArgument);
          p.function = Function::kSplit;
          p.text = args[1];
        } else {
          std::optional<int64_t> number = integer(args[1]);
          if (!number) return fail(kInvalidArgument);
          static constexpr Function kByKind[] = {Function::kSplitFromLeft, Function::kSplitFromRight,
                                                 Function::kSliceFromLeft, Function::kSliceFromRight};
          p.function = kByKind[f.number_kind];
          p.number = static_cast<int32_t>(*number);
          p.text.clear();
        }
        p.source_tokens = {static_cast<int>(*index)};
        return p;
      }
    }
  }
  *why = destination_error("unknown function", token);
  return std::nullopt;
}

bool SubjectTransform::valid_mapping_destination(std::string_view dest, std::string* why) {
  bool after_fwc = false;
  for (size_t start = 0;;) {
    const size_t dot = dest.find('.', start);
    const std::string_view token = dest.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (token.empty() || after_fwc) {
      *why = destination_error("invalid subject", token);
      return false;
    }
    if (token.size() > 4 && token.starts_with("{{") && token.ends_with("}}")) {
      bool known = false;
      for (const FunctionSyntax& f : kFunctions) known = known || function_arguments(token, f.name).has_value();
      if (!known) {
        *why = destination_error("unknown function", token);
        return false;
      }
    } else if (token == ">") {
      after_fwc = true;
    } else if (token.find_first_of("\t\n\f\r ") != std::string_view::npos) {
      *why = "invalid mapping destination: invalid subject";
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::optional<SubjectTransform> SubjectTransform::make(std::string_view src, std::string_view dest, std::string* why) {
  std::vector<std::string_view> s = tokens_of(src);
  std::vector<std::string_view> d = tokens_of(dest);
  bool src_fwc = !s.empty() && s.back() == ">";
  bool dest_fwc = !d.empty() && d.back() == ">";
  bool dest_has_pwc = false;
  for (std::string_view t : d) dest_has_pwc |= t == "*";
  if (!well_formed(s) || !well_formed(d) || dest_has_pwc || src_fwc != dest_fwc) {
    *why = "invalid subject";
    return std::nullopt;
  }
  SubjectTransform t;
  t.src_ = std::string(src);
  t.dest_ = std::string(dest);
  std::vector<int> wildcards;  // source positions of its `*`s, in order
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == "*") wildcards.push_back(static_cast<int>(i));
  if (wildcards.empty() && !src_fwc) return t;  // a literal source: the destination as it is
  int placeholders = 0;
  for (std::string_view token : d) {
    std::optional<Piece> p = parse_piece(token, why);
    if (!p) return std::nullopt;
    if (p->function != Function::kLiteral) {
      ++placeholders;
      for (int& index : p->source_tokens) {
        if (index > static_cast<int>(wildcards.size())) {
          *why = destination_error("wildcard index out of range",
                                   std::string(token) + ": [" + std::to_string(index) + "]");
          return std::nullopt;
        }
        // An index below 1 names the first token, as nats-server's lookup of it does.
        index = index >= 1 ? wildcards[static_cast<size_t>(index - 1)] : 0;
      }
    }
    t.pieces_.push_back(std::move(*p));
  }
  if (placeholders < static_cast<int>(wildcards.size())) {
    *why = destination_error("not using all of the token wildcard(s)", dest);
    return std::nullopt;
  }
  if (dest_fwc) t.source_fwc_ = static_cast<int>(s.size()) - 1;
  return t;
}

std::optional<SubjectTransform> SubjectTransform::reversed() const {
  std::string why;
  if (pieces_.empty()) return make(dest_, src_, &why);
  std::string back_src = unnumber_wildcards(dest_);
  std::vector<std::string_view> placeholders;
  for (std::string_view t : tokens_of(dest_))
    if (is_numbered_placeholder(t)) placeholders.push_back(t);
  std::string back_dest;
  size_t next = 0;
  for (std::string_view t : tokens_of(src_)) {
    if (!back_dest.empty()) back_dest.push_back('.');
    if (t != "*") {
      back_dest.append(t);
      continue;
    }
    if (next == placeholders.size()) return std::nullopt;
    back_dest.append(placeholders[next++]);
  }
  return make(back_src, back_dest, &why);
}

void SubjectTransform::append_piece(const Piece& p, std::string_view subject, std::string& out) const {
  auto source = [&](size_t i = 0) { return token_at(subject, p.source_tokens[i]); };
  switch (p.function) {
    case Function::kLiteral:
      out.append(p.text);
      return;
    case Function::kWildcard:
      out.append(source());
      return;
    case Function::kPartition: {
      uint32_t hash = 2166136261u;  // FNV-1a, 32 bits, over the tokens one after the other
      for (size_t i = 0; i < p.source_tokens.size(); ++i)
        for (unsigned char c : source(i)) hash = (hash ^ c) * 16777619u;
      proto::append_number(out, hash % static_cast<uint32_t>(p.number));
      return;
    }
    case Function::kSplitFromLeft:
    case Function::kSplitFromRight: {
      std::string_view token = source();
      const auto n = static_cast<int64_t>(token.size());
      if (p.number <= 0 || p.number >= n) {
        out.append(token);  // too short to split there: kept whole
        return;
      }
      size_t at = static_cast<size_t>(p.function == Function::kSplitFromLeft ? p.number : n - p.number);
      out.append(token.substr(0, at)).push_back('.');
      out.append(token.substr(at));
      return;
    }
    case Function::kSliceFromLeft:
    case Function::kSliceFromRight: {
      std::string_view token = source();
      const size_t n = token.size();
      if (p.number <= 0 || static_cast<size_t>(p.number) >= n) {
        out.append(token);
        return;
      }
      const auto size = static_cast<size_t>(p.number);
      // From the left the short piece is last; from the right it is first.
      const size_t first = p.function == Function::kSliceFromLeft ? 0 : n % size;
      if (first > 0) out.append(token.substr(0, first));
      for (size_t at = first; at < n; at += size) {
        if (at > 0) out.push_back('.');
        out.append(token.substr(at, size));
      }
      return;
    }
    case Function::kSplit: {
      // strings.Split's pieces, empty ones left out, with a dot between two that are kept.
      Parts parts{source(), p.text};
      std::string_view part, next;
      bool more = parts.next(part);
      for (size_t j = 0; more; ++j, part = next) {
        out.append(part);
        more = parts.next(next);
        if (more && !next.empty() && !(j == 0 && part.empty())) out.push_back('.');
      }
      return;
    }
  }
}

void SubjectTransform::apply(std::string_view subject, std::string& out) const {
  out.clear();
  if (pieces_.empty()) {
    out.assign(dest_);
    return;
  }
  for (size_t i = 0; i < pieces_.size(); ++i) {
    const Piece& p = pieces_[i];
    if (p.function == Function::kLiteral && p.text == ">") break;  // the rest of the subject, below
    append_piece(p, subject, out);
    if (i + 1 < pieces_.size()) out.push_back('.');
  }
  if (source_fwc_ >= 0) {
    out.append(subject.substr(token_start(subject, source_fwc_)));
  }
}

}  // namespace zats::server
