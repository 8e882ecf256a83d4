// Public entry points of the config parser: set up a read context, run the reader, wrap the
// resulting top-level map in a ConfigValue.
#include "server/config/config_parser.h"

#include <utility>

#include "server/config/config_reader.h"

namespace zats::server::config {
namespace {

bool to_string_error(bool ok, const ConfigError& error, std::string* out) {
  if (!ok && out != nullptr) *out = error.to_string();
  return ok;
}

}  // namespace

bool parse_config_file(const std::string& path, ConfigValue* out, ConfigError* error) {
  ReadContext ctx;
  ConfigMap top;
  if (!read_config_file_document(path, &ctx, &top, error)) return false;
  out->assign(std::move(top), SourcePos{path, 1, 1});
  return true;
}

bool parse_config_file(const std::string& path, ConfigValue* out, std::string* error) {
  ConfigError detail;
  return to_string_error(parse_config_file(path, out, &detail), detail, error);
}

bool parse_config_string(std::string_view text, const std::string& file_for_messages,
                         ConfigValue* out, ConfigError* error) {
  ReadContext ctx;
  ConfigMap top;
  if (!ConfigReader(text, file_for_messages, &ctx).read(&top, error)) return false;
  out->assign(std::move(top), SourcePos{file_for_messages, 1, 1});
  return true;
}

bool parse_config_string(std::string_view text, const std::string& file_for_messages,
                         ConfigValue* out, std::string* error) {
  ConfigError detail;
  return to_string_error(parse_config_string(text, file_for_messages, out, &detail), detail,
                         error);
}

}  // namespace zats::server::config
