// ConfigReader, scalars: quoted, raw, bare and block strings with their escapes; integers,
// sizes, floats, IP-like strings and datetimes; `$variables` (enclosing maps, then the
// environment). One deliberate difference from the reference: inside an array a ']' ends a
// number ("[1]"), where the reference reads "1]" as a string and then fails.
#include <algorithm>
#include <cstdlib>

#include "proto/hex.h"
#include "server/config/config_literals.h"
#include "server/config/config_reader.h"

namespace zats::server::config {
namespace {

constexpr int kMaxEnvDepth = 8;

bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_blank(int c) { return c == ' ' || c == '\t'; }
bool is_newline(int c) { return c == '\n' || c == '\r'; }

bool is_size_letter(int c) {
  switch (c) {
    case 'k': case 'K': case 'm': case 'M': case 'g': case 'G':
    case 't': case 'T': case 'p': case 'P': case 'e': case 'E':
      return true;
    default:
      return false;
  }
}

// What may follow a number for it to stay a number.
bool ends_number(int c, bool in_array) {
  return c == ConfigScanner::kEnd || is_newline(c) || is_blank(c) || c == '}' || c == ';' ||
         c == ',' || (in_array && c == ']');
}

// Values that came from the environment carry the position of the `$name` that asked for them.
void relocate(ConfigValue* value, const SourcePos& at) {
  value->set_pos(at);
  if (value->is_map()) {
    for (ConfigMapEntry& entry : value->as_map().entries()) {
      entry.key_pos = at;
      relocate(&entry.value, at);
    }
  } else if (value->is_array()) {
    for (ConfigValue& item : value->as_array()) relocate(&item, at);
  }
}

}  // namespace

bool ConfigReader::read_value(ConfigValue* out, bool in_array) {
  while (is_blank(s_.peek())) s_.advance();
  const Mark at = s_.mark();
  const int c = s_.peek();
  switch (c) {
    case ConfigScanner::kEnd:
      out->assign(std::string(), pos(at));  // "key =" at the very end: an empty string
      return true;
    case '[':
      s_.advance();
      return read_array(out, at);
    case '{':
      s_.advance();
      return read_map(out, at);
    case '\'':
    case '"':
      return read_quoted(out, c);
    case '-':
      return read_negative(out, in_array);
    case '(':
      return read_block(out);
    case '.':
      return lex_error("Floats must start with a digit");
    case '\n':
    case '\r':
      return lex_error("Expected value but found new line");
    default:
      if (is_digit(c)) return read_number(out, in_array);
      return read_bare(out, at, s_.offset());
  }
}

// "..." takes escapes; '...' is raw. Both may span lines.
bool ConfigReader::read_quoted(ConfigValue* out, int quote) {
  s_.advance();
  const Mark at = s_.mark();
  std::string text;
  for (;;) {
    const int c = s_.peek();
    if (c == ConfigScanner::kEnd) return lex_error("Unexpected EOF.");
    s_.advance();
    if (c == quote) break;
    if (c == '\\' && quote == '"') {
      if (!read_escape(&text)) return false;
      continue;
    }
    text += static_cast<char>(c);
  }
  out->assign(std::move(text), pos(at));
  return true;
}

// ( ... ) with the closing ')' alone at the start of a line; the text keeps its last newline.
bool ConfigReader::read_block(ConfigValue* out) {
  s_.advance();
  const Mark at = s_.mark();
  for (;;) {
    if (s_.at_end()) return lex_error("Unexpected EOF processing block.");
    const size_t here = s_.offset();
    const bool closes = s_.peek() == ')' && s_.text()[here - 1] == '\n' &&
                        (s_.peek(1) == '\n' || s_.peek(1) == ConfigScanner::kEnd);
    if (closes) {
      out->assign(std::string(s_.slice(at.offset, here)), pos(at));
      s_.advance();
      return true;
    }
    s_.advance();
  }
}

// An unquoted word: a string, unless it is a boolean word or a `$variable`. The text from
// `start` to the cursor is already part of it (a "number" that turned out to be a word).
bool ConfigReader::read_bare(ConfigValue* out, const Mark& at, size_t start) {
  std::string text(s_.slice(start, s_.offset()));
  bool escaped = false;
  bool quote_ended = false;
  for (;;) {
    const int c = s_.peek();
    if (ends_number(c, false) || c == ']') break;
    s_.advance();
    if (c == '\'') {
      quote_ended = true;  // the reference ends a word at a quote and then takes it verbatim
      break;
    }
    if (c == '\\') {
      escaped = true;
      if (!read_escape(&text)) return false;
      continue;
    }
    text += static_cast<char>(c);
  }
  if (!escaped && !quote_ended) {
    if (const std::optional<bool> flag = bool_word(text)) {
      out->assign(*flag, pos(at));
      return true;
    }
    if (!text.empty() && text[0] == '$') return resolve_variable(out, text.substr(1), at);
  }
  out->assign(std::move(text), pos(at));
  return true;
}

// After a backslash: \t \n \r \" \\ and \xHH, nothing else.
bool ConfigReader::read_escape(std::string* text) {
  const int c = s_.peek();
  switch (c) {
    case 'x':
      s_.advance();
      return read_hex_escape(text);
    case 't': *text += '\t'; break;
    case 'n': *text += '\n'; break;
    case 'r': *text += '\r'; break;
    case '"': *text += '"'; break;
    case '\\': *text += '\\'; break;
    default:
      return lex_error("Invalid escape character '" + s_.describe_char() +
                       "'. Only the following escape characters are allowed: \\xXX, \\t, \\n, "
                       "\\r, \\\", \\\\.");
  }
  s_.advance();
  return true;
}

bool ConfigReader::read_hex_escape(std::string* text) {
  for (size_t i = 0; i < 2; ++i) {
    if (is_newline(s_.peek(i))) {
      s_.advance(i);
      return lex_error("Expected two hexadecimal digits after '\\x', but hit end of line");
    }
  }
  const int hi = proto::hex_digit_value(s_.peek(0));
  const int lo = proto::hex_digit_value(s_.peek(1));
  if (hi < 0 || lo < 0) {
    const size_t start = s_.offset();
    const size_t end = std::min(start + 2, s_.text().size());
    return lex_error("Expected two hexadecimal digits after '\\x', but got '" +
                     std::string(s_.slice(start, end)) + "'");
  }
  *text += static_cast<char>(hi * 16 + lo);
  s_.advance(2);
  return true;
}

// Starts with a digit: an integer, a size, a float, an IP-like string, a datetime, or a word.
bool ConfigReader::read_number(ConfigValue* out, bool in_array) {
  const Mark at = s_.mark();
  const size_t start = s_.offset();
  s_.advance();
  for (;;) {
    const int c = s_.peek();
    if (is_digit(c)) {
      s_.advance();
    } else if (c == '-') {
      if (s_.offset() - start != 4) return lex_error("All ISO8601 dates must be in full Zulu form.");
      s_.advance();
      return read_datetime(out, at, start);
    } else if (c == '.') {
      s_.advance();
      return read_float(out, at, start);
    } else if (is_size_letter(c)) {
      s_.advance();
      return read_sized(out, at, start, in_array);
    } else if (ends_number(c, in_array)) {
      return integer_value(out, at, start);
    } else {
      s_.advance();  // taken verbatim, as the reference does, even a backslash or a quote
      return read_bare(out, at, start);
    }
  }
}

bool ConfigReader::read_negative(ConfigValue* out, bool in_array) {
  const Mark at = s_.mark();
  const size_t start = s_.offset();
  s_.advance();
  if (!is_digit(s_.peek())) {
    if (s_.peek() == '.') return lex_error("Floats must start with a digit, not '.'.");
    return lex_error("Expected a digit but got '" + s_.describe_char() + "'.");
  }
  while (is_digit(s_.peek())) s_.advance();
  if (s_.peek() == '.') {
    s_.advance();
    return read_float(out, at, start);
  }
  if (is_size_letter(s_.peek())) {
    s_.advance();
    return read_sized(out, at, start, in_array);
  }
  return integer_value(out, at, start);  // whatever follows is for the caller to judge
}

// After a size letter: any run of b/i letters, then the number must end (or it is a word).
bool ConfigReader::read_sized(ConfigValue* out, const Mark& at, size_t start, bool in_array) {
  for (int c = s_.peek(); c == 'b' || c == 'B' || c == 'i' || c == 'I'; c = s_.peek()) s_.advance();
  if (ends_number(s_.peek(), in_array) || is_digit(s_.peek())) return integer_value(out, at, start);
  return read_bare(out, at, start);
}

// After "digits.": a float, or with another '.' an IP-like string ("127.0.0.1:4222").
bool ConfigReader::read_float(ConfigValue* out, const Mark& at, size_t start) {
  if (!is_digit(s_.peek())) {
    return lex_error("Floats must have a digit after the '.', but got '" + s_.describe_char() +
                     "' instead.");
  }
  while (is_digit(s_.peek())) s_.advance();
  if (s_.peek() == '.') {
    for (int c = s_.peek(); is_digit(c) || c == '.' || c == ':' || c == '-'; c = s_.peek()) {
      s_.advance();
    }
    out->assign(std::string(s_.slice(start, s_.offset())), pos(at));
    return true;
  }
  double number = 0;
  std::string error;
  if (!convert_float(s_.slice(start, s_.offset()), &number, &error)) {
    return value_error(at, std::move(error));
  }
  out->assign(number, pos(at));
  return true;
}

// After "YYYY-": the rest of "YYYY-MM-DDTHH:MM:SSZ", character by character.
bool ConfigReader::read_datetime(ConfigValue* out, const Mark& at, size_t start) {
  static constexpr std::string_view kShape = "00-00T00:00:00Z";
  for (const char expected : kShape) {
    const int c = s_.peek();
    if (expected == '0' && !is_digit(c)) {
      return lex_error("Expected digit in ISO8601 datetime, but found '" + s_.describe_char() +
                       "' instead.");
    }
    if (expected != '0' && c != expected) {
      return lex_error(std::string("Expected '") + expected + "' in ISO8601 datetime, but found '" +
                       s_.describe_char() + "' instead.");
    }
    s_.advance();
  }
  int64_t seconds = 0;
  std::string error;
  if (!convert_datetime(s_.slice(start, s_.offset()), &seconds, &error)) {
    return value_error(at, std::move(error));
  }
  out->assign(ConfigDatetime{seconds}, pos(at));
  return true;
}

bool ConfigReader::integer_value(ConfigValue* out, const Mark& at, size_t start) {
  int64_t number = 0;
  std::string error;
  if (!convert_integer(s_.slice(start, s_.offset()), &number, &error)) {
    return value_error(at, std::move(error));
  }
  out->assign(number, pos(at));
  return true;
}

// `$name`: a key defined earlier in an enclosing map (innermost first), else the environment.
bool ConfigReader::resolve_variable(ConfigValue* out, const std::string& name, const Mark& at) {
  if (name.starts_with("2a$")) {  // an unquoted bcrypt hash, not a variable
    out->assign("$" + name, pos(at));
    return true;
  }
  for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
    if (ConfigMapEntry* entry = (*scope)->find_exact(name)) {
      entry->used_as_variable = true;
      *out = entry->value;
      out->set_pos(pos(at));
      return true;
    }
  }
  bool found = false;
  if (!resolve_from_environment(out, name, at, &found)) return false;
  if (found) return true;
  return value_error(at, "variable reference for '" + name + "' on line " +
                             std::to_string(at.line) + " can not be found");
}

// An environment value is read as a config value would be ("4222" is an integer).
bool ConfigReader::resolve_from_environment(ConfigValue* out, const std::string& name,
                                            const Mark& at, bool* found) {
  if (name.find('\0') != std::string::npos) return true;
  const char* raw = std::getenv(name.c_str());
  if (raw == nullptr) return true;
  const std::string prefix =
      "variable reference for '" + name + "' on line " + std::to_string(at.line);
  if (ctx_->env_depth >= kMaxEnvDepth) {
    return value_error(at, prefix + " could not be parsed: variables refer to each other too deeply");
  }
  ConfigMap holder;
  ConfigError inner;
  ++ctx_->env_depth;
  const std::string text = "pk=" + std::string(raw);
  const bool ok = ConfigReader(text, "", ctx_).read(&holder, &inner);
  --ctx_->env_depth;
  if (!ok) return value_error(at, prefix + " could not be parsed: " + inner.message);
  ConfigMapEntry* entry = holder.find_exact("pk");
  if (entry == nullptr) return true;
  *out = std::move(entry->value);
  relocate(out, pos(at));
  *found = true;
  return true;
}

}  // namespace zats::server::config
