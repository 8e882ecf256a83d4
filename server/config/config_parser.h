// The nats-server configuration file format, read into a ConfigValue tree (a map at the top).
// Knows the syntax only, not which keys exist: mapping keys to options is the caller's job.
// Errors read "file:line:col: <the reference server's message>"; nothing here throws.
#pragma once

#include <string>
#include <string_view>

#include "server/config/config_error.h"
#include "server/config/config_value.h"

namespace zats::server::config {

// Reads the file at `path`; includes resolve relative to its directory.
bool parse_config_file(const std::string& path, ConfigValue* out, std::string* error);
bool parse_config_file(const std::string& path, ConfigValue* out, ConfigError* error);

// Reads `text` as if it were the file `file_for_messages` (used in positions and messages and
// as the base for includes; an empty name means the current directory).
bool parse_config_string(std::string_view text, const std::string& file_for_messages,
                         ConfigValue* out, std::string* error);
bool parse_config_string(std::string_view text, const std::string& file_for_messages,
                         ConfigValue* out, ConfigError* error);

}  // namespace zats::server::config
