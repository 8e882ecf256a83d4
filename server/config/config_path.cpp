// Lexical path cleaning, dir and join as Go's filepath package does them on Unix.
#include "server/config/config_path.h"

#include <vector>

namespace zats::server::config {

std::string go_clean_path(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);  // a relative path may climb above its start
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string go_dir(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return go_clean_path("");
  return go_clean_path(path.substr(0, slash + 1));
}

std::string go_join(std::string_view dir, std::string_view name) {
  if (dir.empty() && name.empty()) return {};
  if (dir.empty()) return go_clean_path(name);
  if (name.empty()) return go_clean_path(dir);
  std::string joined(dir);
  joined += '/';
  joined += name;
  return go_clean_path(joined);
}

}  // namespace zats::server::config
