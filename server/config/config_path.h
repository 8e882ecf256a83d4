// Path helpers with Go's path/filepath semantics, so include paths resolve exactly as the
// reference resolves them: include "x" names Join(Dir(including file), "x") — even when "x"
// is absolute (Go's Join simply concatenates) — and that joined path is what messages show.
#pragma once

#include <string>
#include <string_view>

namespace zats::server::config {

std::string go_clean_path(std::string_view path);
std::string go_dir(std::string_view path);
std::string go_join(std::string_view dir, std::string_view name);

}  // namespace zats::server::config
