// parse_connect: Go's json.Unmarshal on top of the defaults (verbose, pedantic, echo true):
// missing and null fields keep defaults, wrong types and bad JSON fail, keys match
// case-insensitively, later duplicates win, account fields are flagged.
#include <doctest/doctest.h>

#include <string>

#include "proto/connect.h"

using zats::proto::ConnectOptions;
using zats::proto::parse_connect;

TEST_CASE("empty object keeps the reference defaults") {
  const auto options = parse_connect("{}");
  REQUIRE(options.has_value());
  CHECK(options->verbose);
  CHECK(options->pedantic);
  CHECK(options->echo);
  CHECK_FALSE(options->tls_required);
  CHECK_FALSE(options->headers);
  CHECK_FALSE(options->no_responders);
  CHECK(options->protocol == 0);
  CHECK(options->name.empty());
  CHECK_FALSE(options->has_account);
}

TEST_CASE("a typical client CONNECT") {
  const auto options = parse_connect(
      R"({"verbose":false,"pedantic":false,"tls_required":false,"name":"svc","lang":"go",)"
      R"("version":"1.24.0","protocol":1,"echo":false,"headers":true,"no_responders":true,)"
      R"("user":"u","pass":"p","auth_token":"t","jwt":"j","nkey":"k","sig":"s"})");
  REQUIRE(options.has_value());
  CHECK_FALSE(options->verbose);
  CHECK_FALSE(options->pedantic);
  CHECK_FALSE(options->echo);
  CHECK(options->headers);
  CHECK(options->no_responders);
  CHECK(options->protocol == 1);
  CHECK(options->name == "svc");
  CHECK(options->lang == "go");
  CHECK(options->version == "1.24.0");
  CHECK(options->user == "u");
  CHECK(options->pass == "p");
  CHECK(options->auth_token == "t");
  CHECK(options->jwt == "j");
  CHECK(options->nkey == "k");
  CHECK(options->sig == "s");
}

TEST_CASE("null leaves a field as it was; unknown fields are ignored") {
  const auto options =
      parse_connect(R"({"verbose":null,"name":null,"protocol":null,"extra":{"a":[1,2]},"z":1.5})");
  REQUIRE(options.has_value());
  CHECK(options->verbose);
  CHECK(options->name.empty());
  CHECK(options->protocol == 0);
  // A JSON null document unmarshals to nothing at all.
  const auto null_doc = parse_connect("null");
  REQUIRE(null_doc.has_value());
  CHECK(null_doc->verbose);
}

TEST_CASE("keys match case-insensitively and the last duplicate wins") {
  const auto upper = parse_connect(R"({"VERBOSE":false,"Name":"x"})");
  REQUIRE(upper.has_value());
  CHECK_FALSE(upper->verbose);
  CHECK(upper->name == "x");
  const auto dup = parse_connect(R"({"verbose":false,"verbose":true})");
  REQUIRE(dup.has_value());
  CHECK(dup->verbose);
}

TEST_CASE("escaped strings are decoded") {
  const auto options = parse_connect(R"({"name":"a\"b\u00e9\n"})");
  REQUIRE(options.has_value());
  CHECK(options->name == "a\"b\xc3\xa9\n");
}

TEST_CASE("protocol accepts only integer literals") {
  CHECK(parse_connect(R"({"protocol":-0})").value().protocol == 0);
  CHECK(parse_connect(R"({"protocol":-1})").value().protocol == -1);
  CHECK(parse_connect(R"({"protocol":2})").value().protocol == 2);
  CHECK_FALSE(parse_connect(R"({"protocol":1.5})").has_value());
  CHECK_FALSE(parse_connect(R"({"protocol":1e0})").has_value());
  CHECK_FALSE(parse_connect(R"({"protocol":1.0})").has_value());
  CHECK_FALSE(parse_connect(R"({"protocol":9223372036854775808})").has_value());
  CHECK_FALSE(parse_connect(R"({"protocol":"1"})").has_value());
}

TEST_CASE("a value of the wrong type fails the whole CONNECT") {
  for (const char* json : {R"({"verbose":"false"})", R"({"verbose":0})", R"({"echo":[]})",
                           R"({"name":1})", R"({"user":true})", R"({"headers":{}})",
                           R"({"account":1})", R"({"new_account":"yes"})"}) {
    CAPTURE(json);
    CHECK_FALSE(parse_connect(json).has_value());
  }
}

TEST_CASE("invalid JSON and non-object documents fail") {
  for (const char* json : {"", " ", "{", "{\"verbose\":false", "{} x", "[1]", "1", "\"s\"", "true",
                           "{\"verbose\":false,}", "{'verbose':false}", "{\r}x"}) {
    CAPTURE(json);
    CHECK_FALSE(parse_connect(json).has_value());
  }
  CHECK(parse_connect(" \r\n {\"verbose\":false} \n").has_value());
}

TEST_CASE("account designations are flagged") {
  CHECK(parse_connect(R"({"account":"A"})").value().has_account);
  CHECK(parse_connect(R"({"new_account":true})").value().has_account);
  CHECK_FALSE(parse_connect(R"({"account":""})").value().has_account);
  CHECK_FALSE(parse_connect(R"({"account":null})").value().has_account);
  CHECK_FALSE(parse_connect(R"({"new_account":false})").value().has_account);
}

TEST_CASE("a second CONNECT applies on top of the options in force") {
  auto first = parse_connect(R"({"verbose":false,"name":"a"})");
  REQUIRE(first.has_value());
  auto second = parse_connect("{}", *first);
  REQUIRE(second.has_value());
  CHECK_FALSE(second->verbose);
  CHECK(second->name == "a");
  auto third = parse_connect(R"({"verbose":true})", *second);
  REQUIRE(third.has_value());
  CHECK(third->verbose);
}

namespace {

// {"x":[[...]]} with `depth` levels in all, the object included.
std::string nested(size_t depth) {
  return R"({"x":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

}  // namespace

TEST_CASE("nesting: up to Go's 10000 levels, not one more") {
  CHECK(parse_connect(nested(1024)).has_value());
  CHECK(parse_connect(nested(10000)).has_value());
  CHECK_FALSE(parse_connect(nested(10001)).has_value());
  CHECK(parse_connect(nested(2)).has_value());  // the parser keeps working after a refusal
}

TEST_CASE("strings: invalid UTF-8 and unpaired surrogates read as U+FFFD, as Go reads them") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(parse_connect("{\"name\":\"a\xFF" "b\"}").value().name == "a" + fffd + "b");
  CHECK(parse_connect("{\"name\":\"\xC3\"}").value().name == fffd);
  CHECK(parse_connect("{\"name\":\"\xED\xA0\x80\"}").value().name == fffd + fffd + fffd);
  CHECK(parse_connect(R"({"name":"\ud800"})").value().name == fffd);
  CHECK(parse_connect(R"({"name":"\udc00x"})").value().name == fffd + "x");
  CHECK(parse_connect(R"({"name":"\ud800\u0041"})").value().name == fffd + "A");
  CHECK(parse_connect(R"({"name":"\ud83d\ude00"})").value().name == "\xF0\x9F\x98\x80");
  CHECK(parse_connect(R"({"name":"\\ud800"})").value().name == "\\ud800");  // an escaped backslash
  CHECK(parse_connect("{\"x\":\"\xFF\",\"verbose\":false}").value().verbose == false);
  // Outside strings a bad byte is still a syntax error, for Go too.
  CHECK_FALSE(parse_connect("{\"name\":\"a\"\xFF}").has_value());
  CHECK_FALSE(parse_connect(R"({"name":"\x"})").has_value());
}
