// Every error path of the config → Options mapping names the file, line and column (the
// column nats-server prints) and the reference's problem text. The expectations were taken
// from nats-server 2.9.10 -t on the same text, except where zats is stricter (noted).
#include <doctest/doctest.h>

#include "tests/unit/auth/options_test_support.h"

using zats::server::test::apply_text;
using zats::server::test::only_error;

namespace {

struct Case {
  const char* name;
  const char* text;
  const char* error;
};

const Case kCases[] = {
    {"unknown_top", "port: 4222\nbogus: 1\n",
     "t.conf:2:1: unknown field \"bogus\""},
    {"unknown_auth", "authorization {\n  user: a\n  pass: b\n  bogus: 1\n}\n",
     "t.conf:4:3: unknown field \"bogus\""},
    {"unknown_user", "authorization {\n  users = [\n    {user: a, password: b, bad: 1}\n  ]\n}\n",
     "t.conf:3:28: unknown field \"bad\""},
    {"unknown_perm", "authorization {\n  users = [\n    {user: a, password: b, permissions: {\n      publish: \"x\"\n      wat: 1\n    }}\n  ]\n}\n",
     "t.conf:5:7: Unknown field \"wat\" parsing permissions"},
    {"unknown_subperm", "authorization {\n  users = [\n    {user: a, password: b, permissions: {\n      publish: {allow: \"x\", foo: 1}\n    }}\n  ]\n}\n",
     "t.conf:4:29: Unknown field name \"foo\" parsing subject permissions, only 'allow' or 'deny' are permitted"},
    {"unknown_resp", "authorization {\n  users = [\n    {user: a, password: b, permissions: {\n      allow_responses: {max: 1, zzz: 2}\n    }}\n  ]\n}\n",
     "t.conf:4:33: Unknown field \"zzz\" parsing permissions"},
    {"unknown_account", "accounts {\n  A {\n    users = [ {user: a, password: b} ]\n    whatever: 1\n  }\n}\n",
     "t.conf:4:5: unknown field \"whatever\""},
    {"type_int", "\nmax_payload: \"abc\"\n",
     "t.conf:2:1: interface conversion: interface {} is string, not int64"},
    {"type_bool", "\ndebug: \"yes please\"\n",
     "t.conf:2:1: interface conversion: interface {} is string, not bool"},
    {"type_string", "\nserver_name: 5\n",
     "t.conf:2:1: interface conversion: interface {} is int64, not string"},
    {"bad_duration", "\nping_interval: \"5x\"\n",
     "t.conf:2:1: error parsing ping_interval: time: unknown unit \"x\" in duration \"5x\""},
    {"too_big", "\nmax_payload: 3000000000\n",
     "t.conf:2:1: max_payload value is too big"},
    {"sub_tokens", "\nmax_sub_tokens: 300\n",
     "t.conf:2:1: max_sub_tokens value is too big"},
    {"lame_duck", "\nlame_duck_duration: \"10s\"\n",
     "t.conf:2:1: invalid lame_duck_duration of 10s, minimum is 30 seconds"},
    {"user_and_token", "\nauthorization {\n  user: a\n  password: b\n  token: c\n}\n",
     "t.conf:2:1: Cannot have a user/pass and token"},
    {"users_and_user", "\nauthorization {\n  user: a\n  users = [ {user: b, password: c} ]\n}\n",
     "t.conf:2:1: Can not have a single user/pass and a users array"},
    {"dup_user", "\nauthorization {\n  users = [ {user: b, password: c}, {user: b, password: d} ]\n}\n",
     "t.conf:2:1: Duplicate user \"b\" detected"},
    {"nkey_not_user_key", "authorization {\n  users = [\n    {nkey: UBAD}\n  ]\n}\n",
     "t.conf:3:6: Not a valid public nkey for a user"},
    {"nkey_with_password", "authorization {\n  users = [\n    {nkey: UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH, password: x}\n  ]\n}\n",
     "t.conf:3:70: Nkey users do not take usernames or passwords"},
    {"nkey_not_string", "authorization {\n  users = [\n    {nkey: 5}\n  ]\n}\n",
     "t.conf:3:6: interface conversion: interface {} is int64, not string"},
    {"dup_nkey", "\nauthorization {\n  users = [\n    {nkey: UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH}\n    {nkey: UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH}\n  ]\n}\n",
     "t.conf:2:1: Duplicate nkey \"UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH\" detected"},
    {"dup_nkey_accounts", "accounts {\n  A { users = [ {nkey: UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH} ] }\n  B { users = [ {nkey: UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH} ] }\n}\n",
     "t.conf:3:7: Duplicate nkey \"UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH\" detected"},
    {"account_nkey", "accounts {\n  A { nkey: UBAD }\n}\n",
     "t.conf:2:7: Not a valid public nkey for an account: \"UBAD\""},
    // zats adds the position the reference leaves out.
    {"bad_subject", "\nauthorization {\n  users = [ {user: b, password: c, permissions: { publish: \"a..b\" }} ]\n}\n",
     "t.conf:3:51: subject \"a..b\" is not a valid subject"},
    {"perm_not_map", "\nauthorization {\n  users = [ {user: b, password: c, permissions: 5} ]\n}\n",
     "t.conf:3:36: Expected permissions to be a map/struct, got 5"},
    {"resp_bad", "\nauthorization {\n  users = [ {user: b, password: c, permissions: { allow_responses: \"x\" }} ]\n}\n",
     "t.conf:3:51: error parsing response permissions, expected a boolean or a map"},
    {"resp_expires", "\nauthorization {\n  users = [ {user: b, password: c, permissions: { allow_responses: { expires: 5 } }} ]\n}\n",
     "t.conf:3:70: error parsing expires, not a duration string"},
    {"reserved_acc", "\naccounts {\n  $G { users = [ {user: b, password: c} ] }\n}\n",
     "t.conf:3:3: \"$G\" is a Reserved Account"},
    {"acc_not_map", "\naccounts {\n  A: 5\n}\n",
     "t.conf:3:3: Expected map entries for accounts"},
    {"listen_bad", "\nlisten: \"nope\"\n",
     "t.conf:2:1: could not parse address string \"nope\""},
    {"tls", "\ntls {\n  cert_file: x\n}\n",
     "t.conf:2:1: missing 'key_file' in TLS configuration"},
    {"cluster_tls", "\ncluster {\n  port: 6222\n  tls {\n    cert_file: x\n  }\n}\n",
     "t.conf:4:3: missing 'key_file' in TLS configuration"},
    // Features zats lacks are refused (the reference accepts or checks them further).
    {"users_not_array", "\nauthorization {\n  users: 5\n}\n",
     "t.conf:3:3: Expected users field to be an array, got 5"},
};

}  // namespace

TEST_CASE("config errors name file, line, column and the problem") {
  for (const Case& c : kCases) {
    CAPTURE(c.name);
    CHECK(only_error(apply_text(c.text)) == c.error);
  }
}

TEST_CASE("a syntax error is reported by the parser with its position") {
  auto a = apply_text("port: 1 x: 2\n");
  REQUIRE(a.diag.errors.size() == 1);
  CHECK(a.diag.errors[0].rfind("t.conf:1:", 0) == 0);
}

TEST_CASE("keys only used as variables are not unknown") {
  auto a = apply_text("perms = { publish: \"a\" }\nauthorization { users = [ {user: u, password: p, permissions: $perms} ] }\n");
  CHECK(only_error(a) == "");
}
