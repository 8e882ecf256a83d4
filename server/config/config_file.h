// Reading a whole configuration file into memory, failing with the texts Go's os.ReadFile
// produces ("open x.conf: no such file or directory", "read dir: is a directory").
#pragma once

#include <string>

namespace zats::server::config {

bool read_config_file_text(const std::string& path, std::string* text, std::string* error);

}  // namespace zats::server::config
