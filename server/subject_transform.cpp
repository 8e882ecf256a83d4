#include "server/subject_transform.h"

#include <charconv>

#include "proto/subject.h"

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

// The wildcard index a placeholder token names (`$N`, `{{wildcard(N)}}`, spaces allowed); 0 when
// it is a literal; -1 with `why` set when it is a mapping function zats does not build.
int placeholder_index(std::string_view token, std::string* why) {
  auto number = [](std::string_view digits) {
    while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
    while (!digits.empty() && digits.back() == ' ') digits.remove_suffix(1);
    int n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return ec == std::errc() && end == digits.data() + digits.size() ? n : -1;
  };
  if (token.size() > 1 && token[0] == '$') {
    int n = number(token.substr(1));
    return n < 0 ? 0 : n;  // "$x" stays a literal, as there
  }
  if (token.size() > 4 && token.starts_with("{{") && token.ends_with("}}")) {
    std::string_view body = token.substr(2, token.size() - 4);
    while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
    if (body.starts_with("wildcard(") && body.ends_with(")")) {
      int n = number(body.substr(9, body.size() - 10));
      if (n > 0) return n;
      *why = "invalid mapping destination: invalid argument in " + std::string(token);
      return -1;
    }
    *why = "mapping function " + std::string(token) + " is not supported by zats yet";
    return -1;
  }
  return 0;
}

}  // namespace

std::optional<SubjectTransform> SubjectTransform::make(std::string_view src, std::string_view dest, std::string* why) {
  std::vector<std::string_view> s = tokens_of(src);
  std::vector<std::string_view> d = tokens_of(dest);
  bool src_fwc = !s.empty() && s.back() == ">";
  bool dest_fwc = !d.empty() && d.back() == ">";
  if (!proto::is_valid_subject(src) || !proto::is_valid_subject(dest) || src_fwc != dest_fwc) {
    *why = "invalid subject";
    return std::nullopt;
  }
  std::vector<int> wildcards;  // source positions of its `*`s, in order
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == "*") wildcards.push_back(static_cast<int>(i));
  SubjectTransform t;
  int next_star = 1, placeholders = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    if (dest_fwc && i + 1 == d.size()) break;
    int n = d[i] == "*" ? next_star++ : placeholder_index(d[i], why);
    if (n < 0) return std::nullopt;
    Piece p;
    if (n == 0) {
      p.literal = std::string(d[i]);
    } else {
      if (n > static_cast<int>(wildcards.size())) {
        *why = "invalid mapping destination: wildcard index out of range in " + std::string(d[i]);
        return std::nullopt;
      }
      p.source_token = wildcards[static_cast<size_t>(n - 1)];
      ++placeholders;
    }
    t.pattern_ += (t.pattern_.empty() ? "" : ".") + (n == 0 ? std::string(d[i]) : std::string("*"));
    t.pieces_.push_back(std::move(p));
  }
  if (placeholders < static_cast<int>(wildcards.size())) {
    *why = "invalid mapping destination: not using all of the token wildcard(s) in " + std::string(dest);
    return std::nullopt;
  }
  if (dest_fwc) {
    t.source_fwc_ = static_cast<int>(s.size()) - 1;
    t.pattern_ += t.pattern_.empty() ? ">" : ".>";
  }
  return t;
}

void SubjectTransform::apply(std::string_view subject, std::string& out) const {
  out.clear();
  auto token_at = [subject](int index, size_t* start) {
    size_t pos = 0;
    for (int i = 0; i < index; ++i) pos = subject.find('.', pos) + 1;
    *start = pos;
    size_t end = subject.find('.', pos);
    return subject.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  };
  size_t start = 0;
  for (const Piece& p : pieces_) {
    if (!out.empty()) out.push_back('.');
    if (p.source_token < 0) out.append(p.literal);
    else out.append(token_at(p.source_token, &start));
  }
  if (source_fwc_ >= 0) {
    token_at(source_fwc_, &start);
    if (!out.empty()) out.push_back('.');
    out.append(subject.substr(start));
  }
}

}  // namespace zats::server
