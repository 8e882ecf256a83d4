// Every way the syntax can fail: each error names file, line and column, followed by the
// reference server's own message (checked against nats-server 2.9.10 where it has one).
#include <doctest/doctest.h>

#include "server/config/config_parser.h"
#include "test_files.h"

namespace zats::server::config {
namespace {

using testing::parse_error;

struct ErrorCase {
  const char* input;
  const char* error;
};

TEST_CASE("lexical errors: position of the offending character, then the reference message") {
  const ErrorCase cases[] = {
      // Seen verbatim (after "nats-server: ") from the reference binary:
      {"port: 1 x: 2\n",
       "t.conf:1:9: Parse error on line 1: 'Expected a top-level value to end with a new line, "
       "comment or EOF, but got 'x' instead.'"},
      {"port = \"abc\\q\"\n",
       "t.conf:1:13: Parse error on line 1: 'Invalid escape character 'q'. Only the following "
       "escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.'"},
      {"a { b = 1 \n", "t.conf:2:1: Parse error on line 2: 'Unexpected EOF processing map.'"},
      {"a = [1,,2]\n", "t.conf:1:8: Parse error on line 1: 'Unexpected array value terminator ','.'"},
      {"port: 4222\nfoo: .5\n", "t.conf:2:6: Parse error on line 2: 'Floats must start with a digit'"},
      {"x = 2020-01-0\n",
       "t.conf:1:14: Parse error on line 2: 'Expected digit in ISO8601 datetime, but found '\\n' "
       "instead.'"},
      {"port = \n  x y\n", "t.conf:1:8: Parse error on line 2: 'Expected value but found new line'"},
      {"port = 1\n / \n", "t.conf:2:2: Parse error on line 2: 'Unexpected EOF.'"},
      {"port = -5abc\n",
       "t.conf:1:10: Parse error on line 1: 'Expected a top-level value to end with a new line, "
       "comment or EOF, but got 'a' instead.'"},
      {"a = [1, 2",
       "t.conf:1:10: Parse error on line 1: 'Expected an array value terminator \",\" or an array "
       "terminator \"]\", but got 'EOF' instead.'"},
      {"a { b = ",
       "t.conf:1:9: Parse error on line 1: 'Expected a map value terminator \",\" or a map "
       "terminator \"}\", but got 'EOF' instead.'"},
      // From the reference's lexer texts:
      {"= 1\n", "t.conf:1:1: Parse error on line 1: 'Unexpected key separator '=''"},
      {"m { : 1 }\n", "t.conf:1:5: Parse error on line 1: 'Unexpected key separator ':'.'"},
      {"m { ] }\n", "t.conf:1:5: Parse error on line 1: 'Unexpected array end ']' processing map.'"},
      {"m { a , }\n", "t.conf:1:7: Parse error on line 1: 'Unexpected map value terminator \",\".'"},
      {"m { a = 1 b = 2 }\n",
       "t.conf:1:11: Parse error on line 1: 'Expected a map value terminator \",\" or a map "
       "terminator \"}\", but got 'b' instead.'"},
      {"a = [1 2]\n",
       "t.conf:1:8: Parse error on line 1: 'Expected an array value terminator \",\" or an array "
       "terminator \"]\", but got '2' instead.'"},
      {"a = [,]\n", "t.conf:1:6: Parse error on line 1: 'Unexpected array value terminator ','.'"},
      {"a = \"abc", "t.conf:1:9: Parse error on line 1: 'Unexpected EOF.'"},
      {"a = 'abc\n", "t.conf:2:1: Parse error on line 2: 'Unexpected EOF.'"},
      {"\"abc = 1", "t.conf:1:9: Parse error on line 1: 'Unexpected EOF.'"},
      {"m { \"abc = 1", "t.conf:1:13: Parse error on line 1: 'Unexpected EOF processing double quoted map key.'"},
      {"m { 'abc = 1", "t.conf:1:13: Parse error on line 1: 'Unexpected EOF processing quoted map key.'"},
      {"m { abc", "t.conf:1:8: Parse error on line 1: 'Unexpected EOF processing map key.'"},
      {"a = (\nno end\n", "t.conf:3:1: Parse error on line 3: 'Unexpected EOF processing block.'"},
      {"a = \"\\x4\"\n",
       "t.conf:1:8: Parse error on line 1: 'Expected two hexadecimal digits after '\\x', but got '4\"''"},
      {"a = \"\\x\n\"\n",
       "t.conf:1:8: Parse error on line 2: 'Expected two hexadecimal digits after '\\x', but hit "
       "end of line'"},
      {"a = \"abc\\", "t.conf:1:10: Parse error on line 1: 'Invalid escape character 'EOF'. Only the "
                      "following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.'"},
      {"a = -x\n", "t.conf:1:6: Parse error on line 1: 'Expected a digit but got 'x'.'"},
      {"a = -.5\n", "t.conf:1:6: Parse error on line 1: 'Floats must start with a digit, not '.'.'"},
      {"a = 1.x\n", "t.conf:1:7: Parse error on line 1: 'Floats must have a digit after the '.', but got 'x' instead.'"},
      {"a = 1.5s\n",
       "t.conf:1:8: Parse error on line 1: 'Expected a top-level value to end with a new line, "
       "comment or EOF, but got 's' instead.'"},
      {"a = 12-10\n", "t.conf:1:7: Parse error on line 1: 'All ISO8601 dates must be in full Zulu form.'"},
      {"a = 2020-01-01X\n",
       "t.conf:1:15: Parse error on line 1: 'Expected 'T' in ISO8601 datetime, but found 'X' instead.'"},
      {"include [a]\n", "t.conf:1:9: Parse error on line 1: 'Expected include value but found start of an array'"},
      {"include {a}\n", "t.conf:1:9: Parse error on line 1: 'Expected include value but found start of a map'"},
      {"include (a)\n", "t.conf:1:9: Parse error on line 1: 'Expected include value but found start of a block'"},
      {"include 5\n", "t.conf:1:9: Parse error on line 1: 'Expected include value but found start of a number'"},
      {"include \\a\n", "t.conf:1:9: Parse error on line 1: 'Expected include value but found escape sequence'"},
      {"include \"a.conf", "t.conf:1:16: Parse error on line 1: 'Unexpected EOF in double quoted include'"},
      {"include 'a.conf", "t.conf:1:16: Parse error on line 1: 'Unexpected EOF in quoted include'"},
      // Where the reference misbehaves, zats refuses plainly:
      {"m { a }\n", "t.conf:1:7: Parse error on line 1: 'Expected a value for key 'a' before '}'.'"},
  };
  for (const ErrorCase& c : cases) {
    CHECK(parse_error(c.input) == c.error);
  }
}

TEST_CASE("value errors: the token's position, then the reference message") {
  const ErrorCase cases[] = {
      {"port = 99999999999999999999\n", "t.conf:1:8: integer '99999999999999999999' is out of the range"},
      {"port = 99999999999e\n", "t.conf:1:8: integer '99999999999e' is out of the range"},
      {"a = 1\nport = 1kbbb\n", "t.conf:2:8: expected integer, but got '1kbbb'"},
      {"x = 2020-13-01T00:00:00Z\n",
       "t.conf:1:5: expected Zulu formatted DateTime, but got '2020-13-01T00:00:00Z'"},
      {"x = 2023-02-29T00:00:00Z\n",
       "t.conf:1:5: expected Zulu formatted DateTime, but got '2023-02-29T00:00:00Z'"},
      {"a = $undefined_zats_var\n",
       "t.conf:1:5: variable reference for 'undefined_zats_var' on line 1 can not be found"},
  };
  for (const ErrorCase& c : cases) {
    CHECK(parse_error(c.input) == c.error);
  }
  const std::string huge = "f = 1" + std::string(400, '0') + ".5\n";
  CHECK(parse_error(huge).find("t.conf:1:5: float '1000") == 0);
}

TEST_CASE("nesting deeper than the limit is an error, not a crash") {
  const std::string deep = "a = " + std::string(10000, '[');
  CHECK(parse_error(deep).find("nest deeper than") != std::string::npos);
  std::string maps = "a = ";
  for (int i = 0; i < 5000; ++i) maps += "{b = ";
  CHECK(parse_error(maps).find("nest deeper than") != std::string::npos);
}

TEST_CASE("a missing file reads like Go's os.ReadFile error") {
  ConfigValue value;
  std::string error;
  CHECK_FALSE(parse_config_file("/nonexistent-zats-dir/x.conf", &value, &error));
  CHECK(error == "open /nonexistent-zats-dir/x.conf: no such file or directory");
  testing::TempDir dir;
  CHECK_FALSE(parse_config_file(dir.path(), &value, &error));
  CHECK(error == "read " + dir.path() + ": is a directory");
}

TEST_CASE("the structured error carries the same position") {
  ConfigValue value;
  ConfigError error;
  CHECK_FALSE(parse_config_string("a = 1\n  b = [1,,]\n", "x.conf", &value, &error));
  CHECK(error.pos.file == "x.conf");
  CHECK(error.pos.line == 2);
  CHECK(error.pos.column == 10);
  CHECK(error.message == "Parse error on line 2: 'Unexpected array value terminator ','.'");
}

}  // namespace
}  // namespace zats::server::config
