// Authentication order and rules (auth.go): users list, token, single user; bcrypt; no_auth_user.
#include <doctest/doctest.h>

#include "server/auth/authenticator.h"
#include "server/auth/bcrypt.h"
#include "server/auth/constant_time.h"

using namespace zats::server;

namespace {

// bcrypt of "s3cr3t", cost 6.
constexpr const char* kHash2b = "$2b$06$ZD3xliPKwG5Hu2MDyEHpD.hkjrg3HwrtKu2VIPj8YmcXB5vY4468m";
constexpr const char* kHash2a = "$2a$06$ZD3xliPKwG5Hu2MDyEHpD.hkjrg3HwrtKu2VIPj8YmcXB5vY4468m";

zats::proto::ConnectOptions creds(std::string user, std::string pass, std::string token = {}) {
  zats::proto::ConnectOptions c;
  c.user = std::move(user);
  c.pass = std::move(pass);
  c.auth_token = std::move(token);
  return c;
}

}  // namespace

TEST_CASE("constant_time_equals") {
  CHECK(auth::constant_time_equals("abc", "abc"));
  CHECK_FALSE(auth::constant_time_equals("abc", "abd"));
  CHECK_FALSE(auth::constant_time_equals("abc", "abcd"));
  CHECK_FALSE(auth::constant_time_equals("", "a"));
  CHECK(auth::constant_time_equals("", ""));
}

TEST_CASE("bcrypt detection and checks") {
  CHECK(auth::is_bcrypt(kHash2b));
  CHECK(auth::is_bcrypt(kHash2a));
  CHECK(auth::is_bcrypt("$2y$10$x"));
  CHECK_FALSE(auth::is_bcrypt("$2c$10$x"));
  CHECK_FALSE(auth::is_bcrypt("$2a$1x$"));
  CHECK_FALSE(auth::is_bcrypt("plain"));
  CHECK(auth::password_matches(kHash2b, "s3cr3t"));
  CHECK(auth::password_matches(kHash2a, "s3cr3t"));
  CHECK_FALSE(auth::password_matches(kHash2b, "wrong"));
  CHECK(auth::password_matches("plain", "plain"));
  CHECK_FALSE(auth::password_matches("plain", "Plain"));
}

TEST_CASE("no auth configured: everyone is in") {
  Options o;
  CHECK(auth::authenticate(o, creds("", "")).ok);
  CHECK(auth::authenticate(o, creds("x", "y")).ok);
}

TEST_CASE("token") {
  Options o;
  o.token = "tok";
  CHECK(auth::authenticate(o, creds("", "", "tok")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("", "", "tok2")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("", "")).ok);
  o.token = kHash2b;
  CHECK(auth::authenticate(o, creds("", "", "s3cr3t")).ok);
}

TEST_CASE("single user") {
  Options o;
  o.username = "u";
  o.password = "p";
  CHECK(auth::authenticate(o, creds("u", "p")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("u", "x")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("v", "p")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("", "")).ok);
}

TEST_CASE("users list, accounts, permissions and no_auth_user") {
  Options o;
  auto perms = std::make_shared<Permissions>();
  o.users.push_back(auth::User{"alice", "foo", "", nullptr, true});
  o.users.push_back(auth::User{"bob", kHash2a, "B", perms, true});
  o.users.push_back(auth::User{"ws", "x", "", nullptr, false});
  auth::AuthResult r = auth::authenticate(o, creds("bob", "s3cr3t"));
  CHECK(r.ok);
  REQUIRE(r.user != nullptr);
  CHECK(r.user->account == "B");
  CHECK(r.user->permissions == perms);
  CHECK_FALSE(auth::authenticate(o, creds("bob", "foo")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("carol", "foo")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("", "")).ok);
  CHECK_FALSE(auth::authenticate(o, creds("ws", "x")).ok);  // allowed_connection_types without STANDARD
  o.no_auth_user = "alice";
  r = auth::authenticate(o, creds("", ""));
  CHECK(r.ok);
  CHECK(r.user_name == "alice");
  CHECK_FALSE(auth::authenticate(o, creds("", "foo")).ok);  // any credential means no default
}
