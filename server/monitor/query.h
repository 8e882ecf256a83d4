// Query: the decoded parameters of a URL query string, read the way Go's r.URL.Query().Get
// reads them (first value wins, malformed pairs silently dropped, '+' is a space).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zats::server::monitor {

class Query {
 public:
  Query() = default;
  explicit Query(std::string_view raw);

  // The first value of `name`, or "" when absent (Go's Values.Get).
  std::string get(std::string_view name) const;
  bool has(std::string_view name) const;

  // Percent-decoding as Go's url.QueryUnescape; false on a bad escape.
  static bool unescape(std::string_view in, std::string& out, bool plus_is_space);

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace zats::server::monitor
