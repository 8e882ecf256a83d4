// SourcePos formatting.
#include "server/config/source_pos.h"

namespace zats::server::config {

std::string SourcePos::to_string() const {
  if (line <= 0) return {};
  std::string out = std::to_string(line) + ":" + std::to_string(column);
  return file.empty() ? out : file + ":" + out;
}

}  // namespace zats::server::config
