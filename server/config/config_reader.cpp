// ConfigReader, structure: the top level, key/value entries, maps, arrays, comments, includes
// and error reporting. Scalars (strings, numbers, variables) are in config_reader_scalars.cpp.
// Deliberate differences from the reference, all on input it mishandles: a stray '}' at the top
// level is skipped like '{'; a key with no value before a map's '}' is an error (the reference
// misfiles the map); nesting deeper than kMaxDepth and include cycles are errors (the reference
// would exhaust its stack).
#include "server/config/config_reader.h"

#include <filesystem>
#include <utility>

#include "server/config/config_file.h"
#include "server/config/config_path.h"

namespace zats::server::config {
namespace {

constexpr int kMaxDepth = 128;
constexpr size_t kMaxIncludeDepth = 32;

bool is_key_separator(int c) { return c == '=' || c == ':'; }
bool is_blank(int c) { return c == ' ' || c == '\t'; }
bool is_newline(int c) { return c == '\n' || c == '\r'; }

// Pops the innermost variable scope when a map is finished (or abandoned on error).
class ScopeGuard {
 public:
  ScopeGuard(std::vector<ConfigMap*>* scopes, ConfigMap* map) : scopes_(scopes) {
    scopes_->push_back(map);
  }
  ~ScopeGuard() { scopes_->pop_back(); }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  std::vector<ConfigMap*>* scopes_;
};

}  // namespace

ConfigReader::ConfigReader(std::string_view text, std::string file, ReadContext* ctx)
    : s_(text), file_(std::move(file)), ctx_(ctx) {}

bool ConfigReader::read(ConfigMap* top, ConfigError* error) {
  ScopeGuard scope(&scopes_, top);
  if (read_top(top)) return true;
  *error = std::move(error_);
  return false;
}

// The top level: entries separated by newlines, ';' or ','; braces around it are optional.
bool ConfigReader::read_top(ConfigMap* top) {
  for (;;) {
    if (s_.at_end()) return true;
    if (const size_t n = s_.space_length()) {
      s_.advance(n);
      continue;
    }
    const int c = s_.peek();
    if (c == '{' || c == '}') {
      s_.advance();
      continue;
    }
    if (c == '#' || (c == '/' && s_.peek(1) == '/')) {
      skip_comment();
      continue;
    }
    if (c == '/') return lex_error("Unexpected EOF.");  // the reference's words for a lone '/'
    if (!read_entry(top, false)) return false;
    if (ended_) return true;
    if (!top_value_end()) return false;
  }
}

bool ConfigReader::top_value_end() {
  for (;;) {
    const int c = s_.peek();
    if (is_blank(c)) {
      s_.advance();
    } else if (c == '#' || (c == '/' && s_.peek(1) == '/')) {
      skip_comment();
      return true;
    } else if (c == '/') {
      s_.advance();  // the reference lets a lone '/' pass here like white space
    } else if (c == ConfigScanner::kEnd) {
      return true;
    } else if (is_newline(c) || c == ';' || c == ',' || c == '}') {
      s_.advance();
      return true;
    } else {
      return lex_error("Expected a top-level value to end with a new line, comment or EOF, "
                       "but got '" + s_.describe_char() + "' instead.");
    }
  }
}

// One `key [=|:] value` pair (or an include) at the top level or inside a map.
bool ConfigReader::read_entry(ConfigMap* map, bool in_map) {
  std::string key;
  Mark key_mark;
  bool is_include = false;
  if (!read_key(in_map, &key, &key_mark, &is_include)) return false;
  if (is_include) return read_include(map);
  while (const size_t n = s_.space_length()) s_.advance(n);
  if (!in_map && s_.at_end()) {
    ended_ = true;  // a trailing key without a value: the reference ignores it
    return true;
  }
  if (is_key_separator(s_.peek())) s_.advance();
  if (in_map) {
    while (const size_t n = s_.space_length()) s_.advance(n);
    if (s_.peek() == ',') return lex_error("Unexpected map value terminator \",\".");
    if (s_.peek() == '}') return lex_error("Expected a value for key '" + key + "' before '}'.");
  }
  ConfigValue value;
  if (!read_value(&value, false)) return false;
  map->set(std::move(key), pos(key_mark), std::move(value));
  return true;
}

bool ConfigReader::read_key(bool in_map, std::string* key, Mark* key_mark, bool* is_include) {
  const int c = s_.peek();
  if (is_key_separator(c)) {
    return lex_error(std::string("Unexpected key separator '") + static_cast<char>(c) + "'" +
                     (in_map ? "." : ""));
  }
  if (in_map && c == ']') return lex_error("Unexpected array end ']' processing map.");
  if (c == '"' || c == '\'') {
    s_.advance();
    *key_mark = s_.mark();
    while (!s_.at_end() && s_.peek() != c) s_.advance();
    if (s_.at_end()) {
      if (!in_map) return lex_error("Unexpected EOF.");
      return lex_error(c == '"' ? "Unexpected EOF processing double quoted map key."
                                : "Unexpected EOF processing quoted map key.");
    }
    *key = std::string(s_.slice(key_mark->offset, s_.offset()));
    s_.advance();
    return true;
  }
  *key_mark = s_.mark();
  s_.advance(s_.char_length());  // the first character belongs to the key, whatever it is
  for (;;) {
    if (s_.at_end()) {
      if (in_map) return lex_error("Unexpected EOF processing map key.");
      break;
    }
    if (s_.space_length() > 0) {
      *is_include = ascii_lower(s_.slice(key_mark->offset, s_.offset())) == "include";
      break;
    }
    if (is_key_separator(s_.peek())) break;
    s_.advance();
  }
  *key = std::string(s_.slice(key_mark->offset, s_.offset()));
  return true;
}

// `include name`: the named file's keys are merged into the current map.
bool ConfigReader::read_include(ConfigMap* map) {
  while (is_blank(s_.peek())) s_.advance();
  const Mark at = s_.mark();
  const int c = s_.peek();
  if (c == '\'' || c == '"') {
    s_.advance();
    const size_t start = s_.offset();
    while (!s_.at_end() && s_.peek() != c) s_.advance();
    if (s_.at_end()) {
      return lex_error(c == '"' ? "Unexpected EOF in double quoted include"
                                : "Unexpected EOF in quoted include");
    }
    const std::string name(s_.slice(start, s_.offset()));
    s_.advance();
    return merge_included(map, name, at);
  }
  const std::string found = "Expected include value but found ";
  if (c == '[') return lex_error(found + "start of an array");
  if (c == '{') return lex_error(found + "start of a map");
  if (c == '(') return lex_error(found + "start of a block");
  if ((c >= '0' && c <= '9') || c == '-') return lex_error(found + "start of a number");
  if (c == '\\') return lex_error(found + "escape sequence");
  if (is_newline(c)) return lex_error(found + "new line");
  const size_t start = s_.offset();
  for (;;) {
    const int d = s_.peek();
    if (d == ConfigScanner::kEnd || is_newline(d) || is_blank(d) || d == ';' || d == '}') break;
    if (d == '\'') {
      const std::string name(s_.slice(start, s_.offset()));
      s_.advance();
      return merge_included(map, name, at);
    }
    s_.advance();
  }
  return merge_included(map, std::string(s_.slice(start, s_.offset())), at);
}

bool ConfigReader::merge_included(ConfigMap* map, const std::string& name, const Mark& at) {
  const std::string path = go_join(go_dir(file_), name);
  ConfigMap included;
  ConfigError inner;
  if (!read_config_file_document(path, ctx_, &included, &inner)) {
    return value_error(at, "error parsing include file '" + name + "', " + inner.to_string());
  }
  for (ConfigMapEntry& entry : included.entries()) {
    const bool used = entry.used_as_variable;
    const std::string key = entry.key;
    map->set(key, std::move(entry.key_pos), std::move(entry.value));
    map->find_exact(key)->used_as_variable = used;
  }
  return true;
}

bool ConfigReader::read_map(ConfigValue* out, const Mark& at) {
  if (!enter_nesting()) return false;
  ConfigMap map;
  {
    ScopeGuard scope(&scopes_, &map);
    for (bool closed = false; !closed;) {
      const int c = s_.peek();
      if (c == ConfigScanner::kEnd) return lex_error("Unexpected EOF processing map.");
      if (const size_t n = s_.space_length()) {
        s_.advance(n);
      } else if (c == '}') {
        s_.advance();
        closed = true;
      } else if (c == '#' || (c == '/' && s_.peek(1) == '/')) {
        skip_comment();
      } else if (!read_entry(&map, true) || !map_value_end(&closed)) {
        return false;
      }
    }
  }
  --depth_;
  out->assign(std::move(map), pos(at));
  return true;
}

bool ConfigReader::read_array(ConfigValue* out, const Mark& at) {
  if (!enter_nesting()) return false;
  ConfigArray array;
  for (bool closed = false; !closed;) {
    const int c = s_.peek();
    if (const size_t n = s_.space_length()) {
      s_.advance(n);
    } else if (c == '#' || (c == '/' && s_.peek(1) == '/')) {
      skip_comment();
    } else if (c == ',' || c == '/') {
      return lex_error("Unexpected array value terminator ','.");
    } else if (c == ']') {
      s_.advance();
      closed = true;
    } else {
      ConfigValue value;
      if (!read_value(&value, true)) return false;
      array.push_back(std::move(value));
      if (!array_value_end(&closed)) return false;
    }
  }
  --depth_;
  out->assign(std::move(array), pos(at));
  return true;
}

// What may follow a value inside a map or an array: blanks and comments, then a separator
// (newline, ',', and for maps ';'; a lone '/' too, as in the reference) or the closer.
bool ConfigReader::value_end(const ValueEnd& rules, bool* closed) {
  for (;;) {
    const int c = s_.peek();
    if (is_blank(c)) {
      s_.advance();
    } else if (c == '#' || (c == '/' && s_.peek(1) == '/')) {
      skip_comment();
    } else if (c == '/' || c == ',' || is_newline(c) || (rules.semicolon && c == ';')) {
      s_.advance();
      return true;
    } else if (c == rules.closer) {
      s_.advance();
      *closed = true;
      return true;
    } else {
      return lex_error(std::string(rules.expected) + s_.describe_char() + "' instead.");
    }
  }
}

bool ConfigReader::map_value_end(bool* closed) {
  static constexpr ValueEnd kMap{'}', true,
                                 "Expected a map value terminator \",\" or a map terminator \"}\", but got '"};
  return value_end(kMap, closed);
}

bool ConfigReader::array_value_end(bool* closed) {
  static constexpr ValueEnd kArray{
      ']', false, "Expected an array value terminator \",\" or an array terminator \"]\", but got '"};
  return value_end(kArray, closed);
}

// Comments run to the end of the line; the newline itself is left for the caller.
void ConfigReader::skip_comment() {
  while (!s_.at_end() && !is_newline(s_.peek())) s_.advance();
}

bool ConfigReader::enter_nesting() {
  if (++depth_ <= kMaxDepth) return true;
  return lex_error("Maps and arrays nest deeper than " + std::to_string(kMaxDepth) + " levels.");
}

bool ConfigReader::lex_error(const std::string& what) {
  error_ = ConfigError{SourcePos{file_, s_.line(), s_.column()},
                       "Parse error on line " + std::to_string(s_.reference_line()) + ": '" +
                           what + "'"};
  return false;
}

bool ConfigReader::value_error(const Mark& at, std::string message) {
  error_ = ConfigError{pos(at), std::move(message)};
  return false;
}

bool read_config_file_document(const std::string& path, ReadContext* ctx, ConfigMap* out,
                               ConfigError* error) {
  std::error_code ec;
  std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) canonical = path;
  for (const std::string& open : ctx->include_chain) {
    if (open == canonical) {
      error->pos = SourcePos{};
      error->message = "include cycle: '" + path + "' is already being read";
      return false;
    }
  }
  if (ctx->include_chain.size() >= kMaxIncludeDepth) {
    error->pos = SourcePos{};
    error->message = "includes nest deeper than " + std::to_string(kMaxIncludeDepth);
    return false;
  }
  std::string text;
  std::string read_error;
  if (!read_config_file_text(path, &text, &read_error)) {
    error->pos = SourcePos{};
    error->message = std::move(read_error);
    return false;
  }
  ctx->include_chain.push_back(canonical);
  const bool ok = ConfigReader(text, path, ctx).read(out, error);
  ctx->include_chain.pop_back();
  return ok;
}

}  // namespace zats::server::config
