// ConfigReader: reads one configuration document (a file's text, or a string) into a map, as
// the reference's conf package does: keys and values, nested maps and arrays, comments,
// strings in all their forms, numbers with size suffixes, `include`, and `$variables`.
// Internal to server/config; config_parser.h is the public face.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/config/config_error.h"
#include "server/config/config_scanner.h"
#include "server/config/config_value.h"

namespace zats::server::config {

// State shared by a document and everything it pulls in (includes, environment values).
struct ReadContext {
  std::vector<std::string> include_chain;  // canonical paths of the files being read
  int env_depth = 0;                       // environment values parsed inside each other
};

class ConfigReader {
 public:
  ConfigReader(std::string_view text, std::string file, ReadContext* ctx);

  // Fills *top with the document's keys; on failure sets *error and returns false.
  bool read(ConfigMap* top, ConfigError* error);

 private:
  using Mark = ConfigScanner::Mark;

  bool read_top(ConfigMap* top);
  bool top_value_end();
  bool read_entry(ConfigMap* map, bool in_map);
  bool read_key(bool in_map, std::string* key, Mark* key_mark, bool* is_include);
  bool read_include(ConfigMap* map);
  bool merge_included(ConfigMap* map, const std::string& name, const Mark& at);

  bool read_value(ConfigValue* out, bool in_array);
  bool read_map(ConfigValue* out, const Mark& at);
  bool map_value_end(bool* closed);
  bool read_array(ConfigValue* out, const Mark& at);
  bool array_value_end(bool* closed);
  struct ValueEnd {
    int closer;            // '}' or ']'
    bool semicolon;        // ';' separates map entries, not array values
    const char* expected;  // the error text up to the offending character
  };
  bool value_end(const ValueEnd& rules, bool* closed);

  bool read_quoted(ConfigValue* out, int quote);
  bool read_block(ConfigValue* out);
  bool read_bare(ConfigValue* out, const Mark& at, size_t start);
  bool read_escape(std::string* text);
  bool read_hex_escape(std::string* text);

  bool read_number(ConfigValue* out, bool in_array);
  bool read_negative(ConfigValue* out, bool in_array);
  bool read_sized(ConfigValue* out, const Mark& at, size_t start, bool in_array);
  bool read_float(ConfigValue* out, const Mark& at, size_t start);
  bool read_datetime(ConfigValue* out, const Mark& at, size_t start);
  bool integer_value(ConfigValue* out, const Mark& at, size_t start);

  bool resolve_variable(ConfigValue* out, const std::string& name, const Mark& at);
  bool resolve_from_environment(ConfigValue* out, const std::string& name, const Mark& at,
                                bool* found);

  void skip_comment();
  bool enter_nesting();
  bool lex_error(const std::string& what);
  bool value_error(const Mark& at, std::string message);
  SourcePos pos(const Mark& at) const { return pos_of(at, file_); }

  ConfigScanner s_;
  std::string file_;
  ReadContext* ctx_;
  std::vector<ConfigMap*> scopes_;  // maps being built, outermost first: `$name` looks here
  int depth_ = 0;
  bool ended_ = false;  // a key with nothing after it ended the document (the reference allows it)
  ConfigError error_;
};

// Reads the file at `path` (error texts as Go's os.ReadFile), refusing include cycles.
bool read_config_file_document(const std::string& path, ReadContext* ctx, ConfigMap* out,
                               ConfigError* error);

}  // namespace zats::server::config
