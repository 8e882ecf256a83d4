// `include`: paths relative to the including file, nesting, merging into the current map,
// positions naming the included file, errors wrapped like the reference, and cycles refused.
#include <doctest/doctest.h>

#include "server/config/config_parser.h"
#include "test_files.h"

namespace zats::server::config {
namespace {

using testing::TempDir;

ConfigValue parse_file_ok(const std::string& path) {
  ConfigValue value;
  std::string error;
  CHECK_MESSAGE(parse_config_file(path, &value, &error), error);
  return value;
}

std::string parse_file_error(const std::string& path) {
  ConfigValue value;
  std::string error;
  CHECK_FALSE(parse_config_file(path, &value, &error));
  return error;
}

TEST_CASE("include is relative to the including file and merges into the current map") {
  TempDir dir;
  dir.write("sub/auth.conf", "user = alice\npass = secret\n");
  dir.write("sub/limits.conf", "max_payload = 2MB\n");
  const std::string main = dir.write("main.conf",
                                     "port = 4222\ninclude sub/limits.conf\n"
                                     "authorization {\n  include 'sub/auth.conf'\n  timeout = 2\n}\n");
  const ConfigValue v = parse_file_ok(main);
  const ConfigMap& top = v.as_map();
  REQUIRE(top.find("max_payload") != nullptr);
  CHECK(top.find("max_payload")->value.as_int() == 2 * 1024 * 1024);
  const ConfigMapEntry* auth = top.find("authorization");
  REQUIRE(auth != nullptr);
  const ConfigMap& am = auth->value.as_map();
  REQUIRE(am.size() == 3);
  CHECK(am.find("user")->value.as_string() == "alice");
  CHECK(am.find("pass")->value.as_string() == "secret");
  CHECK(am.find("timeout")->value.as_int() == 2);
  // Positions from an included file name that file.
  CHECK(am.find("pass")->key_pos.file == dir.path() + "/sub/auth.conf");
  CHECK(am.find("pass")->key_pos.line == 2);
  CHECK(top.find("port")->key_pos.file == main);
}

TEST_CASE("nested includes resolve against each file's own directory") {
  TempDir dir;
  dir.write("a/b/c.conf", "deep = 3\n");
  dir.write("a/b.conf", "mid = 2\ninclude \"b/c.conf\"\n");
  const std::string top = dir.write("top.conf", "include a/b.conf\ntop = 1\n");
  const ConfigValue v = parse_file_ok(top);
  CHECK(v.as_map().find("top")->value.as_int() == 1);
  CHECK(v.as_map().find("mid")->value.as_int() == 2);
  CHECK(v.as_map().find("deep")->value.as_int() == 3);
}

TEST_CASE("an included key overrides an earlier one, and a later key overrides it") {
  TempDir dir;
  dir.write("inc.conf", "port = 2\nhost = h\n");
  const ConfigValue v = parse_file_ok(dir.write("m.conf", "port = 1\ninclude inc.conf\nhost = z\n"));
  CHECK(v.as_map().find("port")->value.as_int() == 2);
  CHECK(v.as_map().find("host")->value.as_string() == "z");
}

TEST_CASE("include errors are wrapped as the reference wraps them") {
  TempDir dir;
  const std::string missing = dir.write("m.conf", "port = 1\ninclude nothere.conf\n");
  CHECK(parse_file_error(missing) ==
        missing + ":2:9: error parsing include file 'nothere.conf', open " + dir.path() +
            "/nothere.conf: no such file or directory");
  dir.write("sub/bad.conf", "port = \n  x y\n");
  const std::string bad = dir.write("b.conf", "include \"sub/bad.conf\"\n");
  CHECK(parse_file_error(bad) ==
        bad + ":1:9: error parsing include file 'sub/bad.conf', " + dir.path() +
            "/sub/bad.conf:1:8: Parse error on line 2: 'Expected value but found new line'");
}

TEST_CASE("include cycles are an error, not a hang") {
  TempDir dir;
  const std::string self = dir.write("self.conf", "a = 1\ninclude self.conf\n");
  CHECK(parse_file_error(self).find("include cycle") != std::string::npos);
  dir.write("x.conf", "include y.conf\n");
  dir.write("y.conf", "include ./x.conf\n");
  const std::string err = parse_file_error(dir.path() + "/x.conf");
  CHECK(err.find("error parsing include file 'y.conf'") != std::string::npos);
  CHECK(err.find("include cycle") != std::string::npos);
}

TEST_CASE("the same file may be included twice side by side (not a cycle)") {
  TempDir dir;
  dir.write("common.conf", "x = 1\n");
  const ConfigValue v =
      parse_file_ok(dir.write("m.conf", "a { include common.conf }\nb { include common.conf }\n"));
  CHECK(v.as_map().find("a")->value.as_map().find("x")->value.as_int() == 1);
  CHECK(v.as_map().find("b")->value.as_map().find("x")->value.as_int() == 1);
}

TEST_CASE("include from a string resolves against the directory of its file name") {
  TempDir dir;
  dir.write("inc.conf", "y = 5\n");
  ConfigValue v;
  std::string error;
  REQUIRE_MESSAGE(parse_config_string("include inc.conf\n", dir.path() + "/virtual.conf", &v, &error),
                  error);
  CHECK(v.as_map().find("y")->value.as_int() == 5);
}

}  // namespace
}  // namespace zats::server::config
