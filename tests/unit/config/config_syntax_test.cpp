// The configuration syntax that parses: separators, maps, arrays, comments, keys, every string
// form, booleans, numbers with size suffixes, IP-like strings, datetimes, and positions.
#include <doctest/doctest.h>

#include "server/config/config_parser.h"
#include "test_files.h"

namespace zats::server::config {
namespace {

using testing::parse_ok;

const ConfigValue& get(const ConfigValue& map, std::string_view key) {
  REQUIRE(map.is_map());
  const ConfigMapEntry* entry = map.as_map().find(key);
  REQUIRE_MESSAGE(entry != nullptr, "missing key ", key);
  return entry->value;
}

int64_t int_of(const ConfigValue& map, std::string_view key) {
  const ConfigValue& v = get(map, key);
  REQUIRE(v.is_int());
  return v.as_int();
}

std::string string_of(const ConfigValue& map, std::string_view key) {
  const ConfigValue& v = get(map, key);
  REQUIRE(v.is_string());
  return v.as_string();
}

TEST_CASE("key/value separators: '=', ':' and white space; ';' and ',' between pairs") {
  const ConfigValue v = parse_ok("a = 1\nb: 2\nc 3\nd\t4\ne=5; f:6, g 7\n");
  CHECK(int_of(v, "a") == 1);
  CHECK(int_of(v, "b") == 2);
  CHECK(int_of(v, "c") == 3);
  CHECK(int_of(v, "d") == 4);
  CHECK(int_of(v, "e") == 5);
  CHECK(int_of(v, "f") == 6);
  CHECK(int_of(v, "g") == 7);
  CHECK(v.as_map().size() == 7);
}

TEST_CASE("entries keep file order") {
  const ConfigValue v = parse_ok("z = 1\na = 2\nm = 3\n");
  REQUIRE(v.as_map().size() == 3);
  CHECK(v.as_map().entries()[0].key == "z");
  CHECK(v.as_map().entries()[1].key == "a");
  CHECK(v.as_map().entries()[2].key == "m");
}

TEST_CASE("the whole top level may be wrapped in braces") {
  CHECK(int_of(parse_ok("{ port = 4222 }"), "port") == 4222);
  const ConfigValue v = parse_ok("{\n  port: 4222\n  debug: true\n}\n");
  CHECK(int_of(v, "port") == 4222);
  CHECK(get(v, "debug").as_bool());
  CHECK(v.as_map().size() == 2);
}

TEST_CASE("comments with # and //, on their own lines and after values") {
  const ConfigValue v = parse_ok(
      "# leading comment\n// another\nport = 1 # trailing\nhost = x // trailing\n"
      "m { # in a map\n  k = 2 // after\n  // whole line\n}\narr = [ # in an array\n  1 // one\n  # c\n  2\n]\n");
  CHECK(int_of(v, "port") == 1);
  CHECK(string_of(v, "host") == "x");
  CHECK(int_of(get(v, "m"), "k") == 2);
  const ConfigArray& arr = get(v, "arr").as_array();
  REQUIRE(arr.size() == 2);
  CHECK(arr[0].as_int() == 1);
  CHECK(arr[1].as_int() == 2);
}

TEST_CASE("maps: nested, separated by newlines, ',' or ';', with or without a separator") {
  const ConfigValue v = parse_ok(
      "cluster {\n  name: c1\n  listen = \"0.0.0.0:6222\"\n  authorization { user: a, pass: b; timeout: 2 }\n}\n"
      "empty {}\nm2 = { x: 1 }\nm3: {y: 2}\n");
  const ConfigValue& cluster = get(v, "cluster");
  CHECK(string_of(cluster, "name") == "c1");
  CHECK(string_of(cluster, "listen") == "0.0.0.0:6222");
  const ConfigValue& auth = get(cluster, "authorization");
  CHECK(string_of(auth, "user") == "a");
  CHECK(string_of(auth, "pass") == "b");
  CHECK(int_of(auth, "timeout") == 2);
  CHECK(get(v, "empty").is_map());
  CHECK(get(v, "empty").as_map().empty());
  CHECK(int_of(get(v, "m2"), "x") == 1);
  CHECK(int_of(get(v, "m3"), "y") == 2);
}

TEST_CASE("arrays: comma or newline separated, mixed, nested, trailing comma") {
  const ConfigValue v = parse_ok(
      "a = [1, 2, 3]\nb = [\n  \"x\"\n  y\n  true\n]\nc = [[1, 2], [3], []]\n"
      "d = [ {u: 1}, {u: 2} ]\ne = [1, 2,]\nf = [nats://a:4222, nats://b:4222]\ng = [1.5]\n");
  const ConfigArray& a = get(v, "a").as_array();
  REQUIRE(a.size() == 3);
  CHECK(a[2].as_int() == 3);
  const ConfigArray& b = get(v, "b").as_array();
  REQUIRE(b.size() == 3);
  CHECK(b[0].as_string() == "x");
  CHECK(b[1].as_string() == "y");
  CHECK(b[2].as_bool());
  const ConfigArray& c = get(v, "c").as_array();
  REQUIRE(c.size() == 3);
  CHECK(c[0].as_array().size() == 2);
  CHECK(c[1].as_array()[0].as_int() == 3);
  CHECK(c[2].as_array().empty());
  const ConfigArray& d = get(v, "d").as_array();
  REQUIRE(d.size() == 2);
  CHECK(int_of(d[1], "u") == 2);
  CHECK(get(v, "e").as_array().size() == 2);
  const ConfigArray& f = get(v, "f").as_array();
  REQUIRE(f.size() == 2);
  CHECK(f[1].as_string() == "nats://b:4222");
  CHECK(get(v, "g").as_array()[0].as_float() == doctest::Approx(1.5));
}

TEST_CASE("keys: bare or quoted, original spelling kept, lowercased for lookup") {
  const ConfigValue v = parse_ok("Max_Payload = 1\n\"quoted key\" = 2\n'single q' = 3\n\"a=b\": 4\n");
  const ConfigMap& m = v.as_map();
  REQUIRE(m.size() == 4);
  CHECK(m.entries()[0].key == "Max_Payload");
  CHECK(m.entries()[0].lower_key == "max_payload");
  CHECK(m.find("MAX_PAYLOAD") == &m.entries()[0]);
  CHECK(m.find_exact("max_payload") == nullptr);
  CHECK(int_of(v, "quoted key") == 2);
  CHECK(int_of(v, "single q") == 3);
  CHECK(int_of(v, "a=b") == 4);
}

TEST_CASE("a later definition of the same key replaces the earlier one") {
  const ConfigValue v = parse_ok("port = 1\nhost = h\nport = 2\n");
  CHECK(v.as_map().size() == 2);
  CHECK(int_of(v, "port") == 2);
  CHECK(v.as_map().entries()[0].key_pos.line == 3);
}

TEST_CASE("double-quoted strings take \\t \\n \\r \\\" \\\\ \\xHH") {
  const ConfigValue v = parse_ok("s = \"a\\tb\\nc\\rd\\\"e\\\\f\\x41\\x7a\"\nmulti = \"line1\nline2\"\n");
  CHECK(string_of(v, "s") == "a\tb\nc\rd\"e\\fAz");
  CHECK(string_of(v, "multi") == "line1\nline2");
}

TEST_CASE("single-quoted strings are raw") {
  const ConfigValue v = parse_ok("s = 'a\\tb \"q\" $x'\n");
  CHECK(string_of(v, "s") == "a\\tb \"q\" $x");
}

TEST_CASE("bare strings end at white space, newline, ';', ',', ']' and '}'") {
  const ConfigValue v = parse_ok(
      "a = hello\nb = nats://host:4222;c = x/y.z,d = {e = inner}\nf = [p,q]\nesc = a\\tb\n"
      "url = http://x/?a=b\n");
  CHECK(string_of(v, "a") == "hello");
  CHECK(string_of(v, "b") == "nats://host:4222");
  CHECK(string_of(v, "c") == "x/y.z");
  CHECK(string_of(get(v, "d"), "e") == "inner");
  CHECK(get(v, "f").as_array()[1].as_string() == "q");
  CHECK(string_of(v, "esc") == "a\tb");
  CHECK(string_of(v, "url") == "http://x/?a=b");
}

TEST_CASE("block strings run to a ')' alone on its line") {
  const ConfigValue v = parse_ok("text = (\nline one\n  (nested) ) stays\n)\nafter = 1\n");
  CHECK(string_of(v, "text") == "\nline one\n  (nested) ) stays\n");
  CHECK(int_of(v, "after") == 1);
  CHECK(string_of(parse_ok("x = (\nabc\n)"), "x") == "\nabc\n");
}

TEST_CASE("booleans: true/false/yes/no/on/off in any case; quoted ones stay strings") {
  const ConfigValue v = parse_ok(
      "a = true\nb = FALSE\nc = Yes\nd = no\ne = oN\nf = OFF\ng = \"true\"\nh = truely\n");
  CHECK(get(v, "a").as_bool());
  CHECK_FALSE(get(v, "b").as_bool());
  CHECK(get(v, "c").as_bool());
  CHECK_FALSE(get(v, "d").as_bool());
  CHECK(get(v, "e").as_bool());
  CHECK_FALSE(get(v, "f").as_bool());
  CHECK(string_of(v, "g") == "true");
  CHECK(string_of(v, "h") == "truely");
}

TEST_CASE("integers, negatives, floats") {
  const ConfigValue v = parse_ok(
      "a = 4222\nb = -1\nc = 1.5\nd = -0.25\ne = 9223372036854775807\nf = -9223372036854775808\n"
      "g = 007\n");
  CHECK(int_of(v, "a") == 4222);
  CHECK(int_of(v, "b") == -1);
  CHECK(get(v, "c").as_float() == doctest::Approx(1.5));
  CHECK(get(v, "d").as_float() == doctest::Approx(-0.25));
  CHECK(int_of(v, "e") == INT64_MAX);
  CHECK(int_of(v, "f") == INT64_MIN);
  CHECK(int_of(v, "g") == 7);
}

TEST_CASE("size suffixes: k=1000, kb/ki/kib=1024, same for m g t p e, any case") {
  struct Case {
    const char* text;
    int64_t value;
  };
  const int64_t k = 1000, ki = 1024;
  const Case cases[] = {
      {"1k", k},          {"1K", k},           {"1kb", ki},       {"1KB", ki},
      {"1ki", ki},        {"1KiB", ki},        {"2m", 2 * k * k}, {"2MB", 2 * ki * ki},
      {"2mi", 2 * ki * ki}, {"2mib", 2 * ki * ki}, {"3g", 3 * k * k * k}, {"3gb", 3 * ki * ki * ki},
      {"1t", k * k * k * k}, {"1tib", ki * ki * ki * ki}, {"1p", k * k * k * k * k},
      {"1pb", ki * ki * ki * ki * ki}, {"1e", k * k * k * k * k * k},
      {"1eb", ki * ki * ki * ki * ki * ki}, {"-1k", -k}, {"-2Kb", -2 * ki},
  };
  for (const Case& c : cases) {
    INFO(std::string_view(c.text));
    CHECK(int_of(parse_ok(std::string("v = ") + c.text + "\n"), "v") == c.value);
  }
  const ConfigValue in_array = parse_ok("a = [1k, 2kb]\n");
  const ConfigArray& arr = get(in_array, "a").as_array();
  REQUIRE(arr.size() == 2);
  CHECK(arr[1].as_int() == 2048);
}

TEST_CASE("digit-led words: durations and other text stay strings") {
  const ConfigValue v = parse_ok("a = 10s\nb = \"2m30s\"\nc = 1h\nd = 5abc\nm = 1m\n");
  CHECK(string_of(v, "a") == "10s");
  CHECK(string_of(v, "b") == "2m30s");
  CHECK(string_of(v, "c") == "1h");
  CHECK(string_of(v, "d") == "5abc");
  CHECK(int_of(v, "m") == 1000000);  // a size, exactly as the reference reads it
  // Unquoted, "2m30s" is the size 2m followed by stray text, for the reference too.
  CHECK(testing::parse_error("b = 2m30s\n") ==
        "t.conf:1:7: Parse error on line 1: 'Expected a top-level value to end with a new line, "
        "comment or EOF, but got '3' instead.'");
}

TEST_CASE("IP-like values are strings") {
  const ConfigValue v = parse_ok("a = 127.0.0.1\nb = 0.0.0.0:4222\nc = 10.0.0.1-5\n");
  CHECK(string_of(v, "a") == "127.0.0.1");
  CHECK(string_of(v, "b") == "0.0.0.0:4222");
  CHECK(string_of(v, "c") == "10.0.0.1-5");
}

TEST_CASE("ISO-8601 Zulu datetimes") {
  const ConfigValue v = parse_ok("t = 2023-01-02T03:04:05Z\nepoch = 1970-01-01T00:00:00Z\nleap = 2024-02-29T23:59:59Z\n");
  REQUIRE(get(v, "t").is_datetime());
  CHECK(get(v, "t").as_datetime().unix_seconds == 1672628645);
  CHECK(get(v, "epoch").as_datetime().unix_seconds == 0);
  CHECK(get(v, "leap").as_datetime().unix_seconds == 1709251199);
}

TEST_CASE("unquoted bcrypt hashes ($2a$...) are strings, not variables") {
  const ConfigValue v = parse_ok("pass = $2a$11$3kIDaCxw.Glsl1.u5nKa6eUnNDLV5HV9tIuUp7EHhMt6Nm9myW1aS\n");
  CHECK(string_of(v, "pass") == "$2a$11$3kIDaCxw.Glsl1.u5nKa6eUnNDLV5HV9tIuUp7EHhMt6Nm9myW1aS");
}

TEST_CASE("odd corners the reference accepts") {
  // A value missing at the very end is an empty string; a trailing key without a value is
  // dropped; a word ended by a quote keeps what came before it.
  CHECK(string_of(parse_ok("a = 1\nport ="), "port").empty());
  const ConfigValue dangling = parse_ok("a = 1\nport");
  CHECK(dangling.as_map().size() == 1);
  CHECK(dangling.as_map().find("port") == nullptr);
  CHECK(string_of(parse_ok("a = true'\n"), "a") == "true");
  CHECK(string_of(parse_ok("a = /\n"), "a") == "/");
  CHECK(int_of(parse_ok("a = 1 / \n"), "a") == 1);
}

TEST_CASE("positions: keys and values carry file, line and column") {
  const ConfigValue v = parse_ok("port: 1\n  foo: 1\nm {\n    bar = \"x\"\n}\narr = [ 10,\n 20 ]\n");
  const ConfigMapEntry* port = v.as_map().find("port");
  REQUIRE(port != nullptr);
  CHECK(port->key_pos.file == "t.conf");
  CHECK(port->key_pos.line == 1);
  CHECK(port->key_pos.column == 1);
  CHECK(port->key_pos.reference_column() == 0);  // nats-server prints t.conf:1:0 here
  CHECK(port->value.pos().column == 7);
  const ConfigMapEntry* foo = v.as_map().find("foo");
  REQUIRE(foo != nullptr);
  CHECK(foo->key_pos.line == 2);
  CHECK(foo->key_pos.column == 3);
  CHECK(foo->key_pos.reference_column() == 3);  // nats-server prints t.conf:2:3
  const ConfigMapEntry* bar = get(v, "m").as_map().find("bar");
  REQUIRE(bar != nullptr);
  CHECK(bar->key_pos.to_string() == "t.conf:4:5");
  CHECK(bar->value.pos().to_string() == "t.conf:4:12");
  const ConfigArray& arr = get(v, "arr").as_array();
  REQUIRE(arr.size() == 2);
  CHECK(arr[1].pos().to_string() == "t.conf:7:2");
}

TEST_CASE("go_type_name matches the reference's Go types") {
  const ConfigValue v = parse_ok("a = 1\nb = x\nc = true\nd = 1.5\ne = {}\nf = []\n");
  CHECK(get(v, "a").go_type_name() == "int64");
  CHECK(get(v, "b").go_type_name() == "string");
  CHECK(get(v, "c").go_type_name() == "bool");
  CHECK(get(v, "d").go_type_name() == "float64");
  CHECK(get(v, "e").go_type_name() == "map[string]interface {}");
  CHECK(get(v, "f").go_type_name() == "[]interface {}");
}

}  // namespace
}  // namespace zats::server::config
