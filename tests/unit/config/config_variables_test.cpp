// `$name` variables: enclosing maps innermost first, only keys defined earlier, then the
// environment (whose values are parsed as config values), else the reference's error.
#include <doctest/doctest.h>
#include <stdlib.h>

#include "server/config/config_parser.h"
#include "test_files.h"

namespace zats::server::config {
namespace {

using testing::parse_error;
using testing::parse_ok;

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

const ConfigValue& get(const ConfigValue& map, std::string_view key) {
  const ConfigMapEntry* entry = map.as_map().find(key);
  REQUIRE_MESSAGE(entry != nullptr, "missing key ", key);
  return entry->value;
}

TEST_CASE("a variable takes the value of a key defined earlier") {
  const ConfigValue v = parse_ok("pass = s3cr3t\nlimit = 2MB\nauthorization { password = $pass, n = $limit }\n");
  CHECK(get(get(v, "authorization"), "password").as_string() == "s3cr3t");
  CHECK(get(get(v, "authorization"), "n").as_int() == 2 * 1024 * 1024);
}

TEST_CASE("innermost scope first, arrays skipped") {
  const ConfigValue v = parse_ok(
      "x = outer\nm {\n  x = inner\n  a = $x\n  arr = [ $x, { y = $x } ]\n}\nb = $x\n");
  const ConfigValue& m = get(v, "m");
  CHECK(get(m, "a").as_string() == "inner");
  CHECK(get(m, "arr").as_array()[0].as_string() == "inner");
  CHECK(get(get(m, "arr").as_array()[1], "y").as_string() == "inner");
  CHECK(get(v, "b").as_string() == "outer");
}

TEST_CASE("a variable may hold a map or an array (copied)") {
  const ConfigValue v = parse_ok("perms = { publish = [a, b] }\nu1 { permissions = $perms }\n");
  const ConfigValue& p = get(get(v, "u1"), "permissions");
  REQUIRE(p.is_map());
  CHECK(get(p, "publish").as_array().size() == 2);
  CHECK(p.pos().line == 2);  // the position of the reference, not of the definition
}

TEST_CASE("keys used as variables are marked") {
  const ConfigValue v = parse_ok("helper = 5\nplain = 1\nport = $helper\n");
  CHECK(v.as_map().find("helper")->used_as_variable);
  CHECK_FALSE(v.as_map().find("plain")->used_as_variable);
  CHECK_FALSE(v.as_map().find("port")->used_as_variable);
}

TEST_CASE("variables are case-sensitive and only see earlier keys") {
  CHECK(parse_error("a = 1\nport = $A\n") ==
        "t.conf:2:8: variable reference for 'A' on line 2 can not be found");
  CHECK(parse_error("a = $b\nb = 1\n") == "t.conf:1:5: variable reference for 'b' on line 1 can not be found");
  CHECK(parse_error("m { a = $a }\n") == "t.conf:1:9: variable reference for 'a' on line 1 can not be found");
  CHECK(parse_error("x = $\n") == "t.conf:1:5: variable reference for '' on line 1 can not be found");
}

TEST_CASE("bcrypt-looking values other than $2a$ are variables, as in the reference") {
  CHECK(parse_error("p = $2b$10$abc\n") ==
        "t.conf:1:5: variable reference for '2b$10$abc' on line 1 can not be found");
}

TEST_CASE("the environment is the outermost scope; its values are parsed") {
  ScopedEnv port("ZATS_TEST_PORT", "4222");
  ScopedEnv host("ZATS_TEST_HOST", "0.0.0.0");
  ScopedEnv size("ZATS_TEST_SIZE", "1MB");
  ScopedEnv flag("ZATS_TEST_FLAG", "yes");
  ScopedEnv list("ZATS_TEST_LIST", "[a, b]");
  ScopedEnv quoted("ZATS_TEST_QUOTED", "\"4222\"");
  const ConfigValue v = parse_ok(
      "port = $ZATS_TEST_PORT\nhost = $ZATS_TEST_HOST\nmax = $ZATS_TEST_SIZE\nf = $ZATS_TEST_FLAG\n"
      "l = $ZATS_TEST_LIST\nq = $ZATS_TEST_QUOTED\n");
  REQUIRE(get(v, "port").is_int());
  CHECK(get(v, "port").as_int() == 4222);
  CHECK(get(v, "port").pos().to_string() == "t.conf:1:8");
  CHECK(get(v, "host").as_string() == "0.0.0.0");
  CHECK(get(v, "max").as_int() == 1024 * 1024);
  CHECK(get(v, "f").as_bool());
  CHECK(get(v, "l").as_array().size() == 2);
  CHECK(get(v, "q").as_string() == "4222");
}

TEST_CASE("a key defined earlier wins over the environment") {
  ScopedEnv env("ZATS_TEST_SHADOW", "from-env");
  const ConfigValue v = parse_ok("ZATS_TEST_SHADOW = from-file\nx = $ZATS_TEST_SHADOW\n");
  CHECK(get(v, "x").as_string() == "from-file");
}

TEST_CASE("an environment value that does not parse is reported as the reference reports it") {
  ScopedEnv bad("ZATS_TEST_BAD", "\"x");
  CHECK(parse_error("port = $ZATS_TEST_BAD\n") ==
        "t.conf:1:8: variable reference for 'ZATS_TEST_BAD' on line 1 could not be parsed: "
        "Parse error on line 1: 'Unexpected EOF.'");
  ScopedEnv two("ZATS_TEST_TWO", "1 x");
  CHECK(parse_error("port = $ZATS_TEST_TWO\n") ==
        "t.conf:1:8: variable reference for 'ZATS_TEST_TWO' on line 1 could not be parsed: "
        "Parse error on line 1: 'Expected a top-level value to end with a new line, comment or "
        "EOF, but got 'x' instead.'");
}

TEST_CASE("environment values referring to each other stop instead of looping") {
  ScopedEnv loop("ZATS_TEST_LOOP", "$ZATS_TEST_LOOP");
  CHECK(parse_error("a = $ZATS_TEST_LOOP\n").find("could not be parsed") != std::string::npos);
  ScopedEnv chain_a("ZATS_TEST_CHAIN_A", "$ZATS_TEST_CHAIN_B");
  ScopedEnv chain_b("ZATS_TEST_CHAIN_B", "77");
  CHECK(get(parse_ok("a = $ZATS_TEST_CHAIN_A\n"), "a").as_int() == 77);
}

TEST_CASE("an included file sees its own keys and the environment, not the includer's") {
  testing::TempDir dir;
  dir.write("inc.conf", "local = 1\nuses_local = $local\nuses_outer = $outer_only\n");
  const std::string main = dir.write("m.conf", "outer_only = 9\ninclude inc.conf\nafter = $local\n");
  ConfigValue v;
  std::string error;
  CHECK_FALSE(parse_config_file(main, &v, &error));
  CHECK(error.find("variable reference for 'outer_only' on line 3 can not be found") !=
        std::string::npos);
  dir.write("inc.conf", "local = 1\nuses_local = $local\n");
  REQUIRE_MESSAGE(parse_config_file(main, &v, &error), error);
  CHECK(get(v, "after").as_int() == 1);
  CHECK(v.as_map().find("local")->used_as_variable);
}

}  // namespace
}  // namespace zats::server::config
