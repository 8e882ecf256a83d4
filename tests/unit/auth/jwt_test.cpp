// NATS JWTs (server/auth/jwt.h) and operator mode's login (server/auth/jwt_login.h): decoding
// tokens made with nats-io/jwt v2 (tests/integration/go/jwt_tool), refusing altered ones and ones
// of the wrong kind, and the checks of jwt_login in their order.
#include <doctest/doctest.h>

#include <string>

#include "server/auth/base64.h"
#include "server/auth/jwt.h"
#include "server/auth/jwt_login.h"

using namespace zats::server;

namespace {

// Made once with jwt_tool: an operator, an account it signed (a signing key, limits, exports, a
// default permission, a revocation), a user that account signed (permissions, limits, src), the
// same user key signed by the account's signing key, and the user's signature of kNonce.
constexpr const char* kOperatorKey = "OAGERLIWOZY6SUFTHADFMN432LHAJE6HXCQ75BHIZYECAW6FB6X7GUPY";
constexpr const char* kOperatorJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJJWTRCSkdOWDJZVFU3TkpSR1BRRlZXU1o3WENQT0VQN1pWTTVHUldBNTZWQjJKTlYyVFFBIiwiaWF0IjoxNzk2NDMzMzIxLCJpc3MiOiJPQUdFUkxJV09aWTZTVUZUSEFERk1ONDMyTEhBSkU2SFhDUTc1QkhJWllFQ0FXNkZCNlg3R1VQWSIsIm5hbWUiOiJvcCIsInN1YiI6Ik9BR0VSTElXT1pZNlNVRlRIQURGTU40MzJMSEFKRTZIWENRNzVCSElaWUVDQVc2RkI2WDdHVVBZIiwibmF0cyI6eyJ0eXBlIjoib3BlcmF0b3IiLCJ2ZXJzaW9uIjoyfX0.4Xm3ui_iEC0Ajz4HrNcEjYghwHkT1jH0-5pvHg2H3I3_1BPbx5ZRqzAhs6aYGG_Z9-EYvg9e7LE-nf07kqqzAA";
constexpr const char* kAccountKey = "ACNOBRZHIGQ6UDVYZJNCUXNZQPRINNCOZGFVNLNBYPIJVYQPXNTDDQAA";
constexpr const char* kAccountSigningKey = "AAZ7FTTBFJX5ECFXAMXOECUON4EZ6SXOFCYT5RAA7FK6PUZG3JKXTS5V";
constexpr const char* kAccountJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJFTk81UUFVVU9WSldMSURHNkRUVlRNR0Y1UVk2V1JTUE0zWVMyT09ZMk1NRFdOWEpDNDZRIiwiaWF0IjoxNzk2NDMzMzIxLCJpc3MiOiJPQUdFUkxJV09aWTZTVUZUSEFERk1ONDMyTEhBSkU2SFhDUTc1QkhJWllFQ0FXNkZCNlg3R1VQWSIsIm5hbWUiOiJhY2MiLCJzdWIiOiJBQ05PQlJaSElHUTZVRFZZWkpOQ1VYTlpRUFJJTk5DT1pHRlZOTE5CWVBJSlZZUVBYTlRERFFBQSIsIm5hdHMiOnsiZXhwb3J0cyI6W3sic3ViamVjdCI6InMuXHUwMDNlIiwidHlwZSI6InN0cmVhbSJ9LHsic3ViamVjdCI6InN2YyIsInR5cGUiOiJzZXJ2aWNlIiwidG9rZW5fcmVxIjp0cnVlLCJyZXNwb25zZV90eXBlIjoiU3RyZWFtIn1dLCJsaW1pdHMiOnsic3VicyI6MTAsImRhdGEiOi0xLCJwYXlsb2FkIjoxMDAwLCJpbXBvcnRzIjotMSwiZXhwb3J0cyI6LTEsIndpbGRjYXJkcyI6dHJ1ZSwiY29ubiI6NSwibGVhZiI6LTF9LCJzaWduaW5nX2tleXMiOlsiQUFaN0ZUVEJGSlg1RUNGWEFNWE9FQ1VPTjRFWjZTWE9GQ1lUNVJBQTdGSzZQVVpHM0pLWFRTNVYiXSwicmV2b2NhdGlvbnMiOnsiVUFBQSI6MTAwfSwiZGVmYXVsdF9wZXJtaXNzaW9ucyI6eyJwdWIiOnsiZGVueSI6WyJubyJdfSwic3ViIjp7fX0sInR5cGUiOiJhY2NvdW50IiwidmVyc2lvbiI6Mn19.K6maqNnw6yqj6497CUkuXxdm16Gn15CDN818ZRtj2Il6-nEtHP-pBOiyml_SpBgoa3lKKnx2vdw5Nin7Cr8rBA";
constexpr const char* kUserKey = "UAKIVAMYYU3ZPIWM4NOE2UZ6CNCNDV65GYZZTCDSVXP6Q5UZHEQGEGAB";
constexpr const char* kUserJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJQVlFCUTJCNFZJS0xKWjVQQ0RKUFlRSTNKTDRNVUVOVE5TWUVBUVJLQVRRWkdCUEEyTkFBIiwiaWF0IjoxNzk2NDMzMzIxLCJpc3MiOiJBQ05PQlJaSElHUTZVRFZZWkpOQ1VYTlpRUFJJTk5DT1pHRlZOTE5CWVBJSlZZUVBYTlRERFFBQSIsIm5hbWUiOiJ1Iiwic3ViIjoiVUFLSVZBTVlZVTNaUElXTTROT0UyVVo2Q05DTkRWNjVHWVpaVENEU1ZYUDZRNVVaSEVRR0VHQUIiLCJuYXRzIjp7InB1YiI6eyJhbGxvdyI6WyJhLlx1MDAzZSJdfSwic3ViIjp7ImRlbnkiOlsiYiJdfSwicmVzcCI6eyJtYXgiOjMsInR0bCI6MTAwMDAwMDAwMH0sInNyYyI6WyIxMjcuMC4wLjAvOCJdLCJzdWJzIjo0LCJkYXRhIjotMSwicGF5bG9hZCI6NTAwLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.ufTKF3FFxEz_bIUBfLk8JCsdz9R1lQPhI0LZNfI9t9kevOpvJK8ZG5PexLNqN0Fr5t9fTtXnZpWlkuHzxpKHDg";
constexpr const char* kUserBySigningKeyJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJZWVpTSEdKUEszQUpLTDdFQk1aS0ZYTzdXSFBCSzVDRU5PQUxLTzVIWFBGNUNPNUNEMlNBIiwiaWF0IjoxNzk2NDMzMzIxLCJpc3MiOiJBQVo3RlRUQkZKWDVFQ0ZYQU1YT0VDVU9ONEVaNlNYT0ZDWVQ1UkFBN0ZLNlBVWkczSktYVFM1ViIsIm5hbWUiOiJ1Iiwic3ViIjoiVUFLSVZBTVlZVTNaUElXTTROT0UyVVo2Q05DTkRWNjVHWVpaVENEU1ZYUDZRNVVaSEVRR0VHQUIiLCJuYXRzIjp7InB1YiI6e30sInN1YiI6e30sInN1YnMiOi0xLCJkYXRhIjotMSwicGF5bG9hZCI6LTEsImlzc3Vlcl9hY2NvdW50IjoiQUNOT0JSWkhJR1E2VURWWVpKTkNVWE5aUVBSSU5OQ09aR0ZWTkxOQllQSUpWWVFQWE5URERRQUEiLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.OfZzHNYCKLjhUMomTZ4OkDjTfi3csPIJdoSxvFKRNdg27wPZFkALOB2j4s1hqd9CgEUMSaVQj63YnGH0bkbsBg";
constexpr const char* kNonceSig = "Wg8_479zm5nHlxBvRz_WaXQb0_PpVLv5a7kEQIplOBxH9rz3b-cfs7Qfj8RWDF3ywqUzIlaCPC_74bwTjvVfAw";
constexpr const char* kNonce = "abcdefghijklmno";

// `token` with `from` in its claims replaced by `to`, the signature kept.
std::string altered(std::string_view token, std::string_view from, std::string_view to) {
  size_t a = token.find('.');
  size_t b = token.find('.', a + 1);
  std::string claims = *auth::base64_decode(token.substr(a + 1, b - a - 1), auth::Base64Alphabet::UrlRaw);
  claims.replace(claims.find(from), from.size(), to);
  return std::string(token.substr(0, a + 1)) + auth::base64_encode(claims, auth::Base64Alphabet::UrlRaw) +
         std::string(token.substr(b));
}

OperatorMode mode() {
  std::string why;
  OperatorMode m;
  m.operators.push_back(*auth::decode_operator_jwt(kOperatorJwt, &why));
  m.trusted_keys.push_back(kOperatorKey);
  m.accounts.push_back(*auth::decode_account_jwt(kAccountJwt, &why));
  return m;
}

auth::AuthResult login(const OperatorMode& m, std::string jwt, std::string sig = kNonceSig,
                       std::string_view ip = "127.0.0.1", int64_t now = 1'800'000'000) {
  zats::proto::ConnectOptions c;
  c.jwt = std::move(jwt);
  c.sig = std::move(sig);
  return auth::jwt_login(m, c, {nullptr, kNonce, ip}, now);
}

}  // namespace

TEST_CASE("operator, account and user JWTs decode with their claims") {
  std::string why;
  std::optional<auth::OperatorJwt> op = auth::decode_operator_jwt(kOperatorJwt, &why);
  REQUIRE_MESSAGE(op, why);
  CHECK(op->claims.subject == kOperatorKey);
  CHECK(op->claims.issuer == kOperatorKey);
  CHECK(op->claims.name == "op");

  std::optional<auth::AccountJwt> acc = auth::decode_account_jwt(kAccountJwt, &why);
  REQUIRE_MESSAGE(acc, why);
  CHECK(acc->claims.subject == kAccountKey);
  CHECK(acc->claims.issuer == kOperatorKey);
  CHECK(acc->limits.subs == 10);
  CHECK(acc->limits.payload == 1000);
  CHECK(acc->max_connections == 5);
  CHECK(acc->issues_with(kAccountKey));
  CHECK(acc->issues_with(kAccountSigningKey));
  CHECK_FALSE(acc->issues_with(kUserKey));
  REQUIRE(acc->exports.size() == 2);
  CHECK(acc->exports[0].subject == "s.>");  // written escaped ("s.\u003e") by Go
  CHECK_FALSE(acc->exports[0].service);
  CHECK(acc->exports[1].service);
  CHECK(acc->exports[1].token_required);
  CHECK(acc->exports[1].response_type == "Streamed");
  REQUIRE(acc->default_permissions);
  CHECK(acc->default_permissions->publish->deny == std::vector<std::string>{"no"});
  CHECK(acc->revoked("UAAA", 100));
  CHECK_FALSE(acc->revoked("UAAA", 101));

  std::optional<auth::UserJwt> user = auth::decode_user_jwt(kUserJwt, &why);
  REQUIRE_MESSAGE(user, why);
  CHECK(user->claims.subject == kUserKey);
  CHECK(user->claims.issuer == kAccountKey);
  CHECK(user->limits.subs == 4);
  CHECK(user->limits.payload == 500);
  CHECK(user->src == std::vector<std::string>{"127.0.0.0/8"});
  REQUIRE(user->permissions);
  CHECK(*user->permissions->publish->allow == std::vector<std::string>{"a.>"});
  CHECK(user->permissions->subscribe->deny == std::vector<std::string>{"b"});
  REQUIRE(user->permissions->response);
  CHECK(user->permissions->response->max_msgs == 3);
  CHECK(user->permissions->response->expires == std::chrono::seconds(1));
}

TEST_CASE("JWTs altered, truncated or of another kind are refused") {
  std::string why;
  CHECK_FALSE(auth::decode_user_jwt(altered(kUserJwt, "\"subs\":4", "\"subs\":9"), &why));
  CHECK(why == "claim failed V2 signature verification");
  CHECK_FALSE(auth::decode_user_jwt(std::string(kUserJwt).substr(0, 40), &why));
  CHECK(why == "expected 3 chunks");
  CHECK_FALSE(auth::decode_account_jwt(kUserJwt, &why));
  CHECK(why == "not account claim");
  CHECK_FALSE(auth::decode_operator_jwt(kAccountJwt, &why));
  CHECK(why == "not operator claim");
  CHECK_FALSE(auth::decode_user_jwt("", &why));
}

TEST_CASE("jwt_login: a user of a trusted account signing the nonce") {
  OperatorMode m = mode();
  auth::AuthResult r = login(m, kUserJwt);
  REQUIRE_MESSAGE(r.ok, r.failure);
  REQUIRE(r.jwt);
  CHECK(r.jwt->account == kAccountKey);
  CHECK(r.jwt->user == kUserKey);
  CHECK(r.jwt->max_subs == 4);        // the user's, under the account's 10
  CHECK(r.jwt->max_payload == 500);   // the user's, under the account's 1000
  CHECK(r.jwt->account_max_connections == 5);
  CHECK(r.jwt->permissions->publish->allow);

  auth::AuthResult by_key = login(m, kUserBySigningKeyJwt);
  REQUIRE_MESSAGE(by_key.ok, by_key.failure);
  // No permissions of its own: the account's defaults.
  CHECK(by_key.jwt->permissions->publish->deny == std::vector<std::string>{"no"});
  CHECK(by_key.jwt->max_subs == 10);
}

TEST_CASE("jwt_login: each refusal, with nats-server's reason") {
  OperatorMode m = mode();
  CHECK(login(m, "").failure == "Authentication requires a user JWT");
  CHECK(login(m, kUserJwt, "").failure == "Signature missing");
  CHECK(login(m, kUserJwt, "!!").failure == "Signature not valid base64");
  CHECK(login(m, kUserJwt, std::string(kNonceSig).replace(0, 4, "AAAA")).failure == "Signature not verified");
  CHECK(login(m, kUserJwt, kNonceSig, "10.1.2.3").failure == "Bad src Ip 10.1.2.3");
  CHECK(login(m, altered(kUserJwt, "\"subs\":4", "\"subs\":9")).failure.starts_with("User JWT not valid"));
  OperatorMode untrusted = m;
  untrusted.trusted_keys = {"OTHER"};
  CHECK(login(untrusted, kUserJwt).failure == "Account JWT not signed by trusted operator");
  OperatorMode empty = m;
  empty.accounts.clear();
  CHECK(login(empty, kUserJwt).failure == "Account JWT lookup error: account missing");
  OperatorMode revoking = m;
  revoking.accounts[0].revocations.emplace_back(kUserKey, 2'000'000'000);
  CHECK(login(revoking, kUserJwt).failure == "User authentication revoked");
  OperatorMode expired = m;
  expired.accounts[0].claims.expires = 1'700'000'000;
  CHECK(login(expired, kUserJwt).failure == "Account JWT has expired");
  OperatorMode no_signing_key = m;
  no_signing_key.accounts[0].signing_keys.clear();
  CHECK(login(no_signing_key, kUserBySigningKeyJwt).failure == "User JWT issuer is not known");
}

TEST_CASE("address_in_cidr") {
  CHECK(auth::address_in_cidr("127.0.0.1", "127.0.0.0/8"));
  CHECK_FALSE(auth::address_in_cidr("128.0.0.1", "127.0.0.0/8"));
  CHECK(auth::address_in_cidr("10.1.2.3", "10.1.2.3/32"));
  CHECK(auth::address_in_cidr("::1", "::1/128"));
  CHECK(auth::address_in_cidr("192.168.1.7", "::ffff:192.168.1.0/120"));
  CHECK_FALSE(auth::address_in_cidr("::1", "127.0.0.0/8"));
  CHECK_FALSE(auth::address_in_cidr("127.0.0.1", "127.0.0.0"));
  CHECK_FALSE(auth::address_in_cidr("127.0.0.1", "127.0.0.0/33"));
}

TEST_CASE("undecorated_jwt: an nsc-decorated file, or the text trimmed") {
  std::string decorated = "-----BEGIN NATS OPERATOR JWT-----\neyJhbGc.x.y\n------END NATS OPERATOR JWT------\n";
  CHECK(auth::undecorated_jwt(decorated) == "eyJhbGc.x.y");
  CHECK(auth::undecorated_jwt("  eyJ.a.b\n") == "eyJ.a.b");
}

TEST_CASE("malformed tokens are refused, never trusted") {
  std::string why;
  auto encode = [](std::string_view json) { return auth::base64_encode(json, auth::Base64Alphabet::UrlRaw); };
  std::string header = encode(R"({"typ":"JWT","alg":"ed25519-nkey"})");
  for (std::string claims : {std::string("[]"), std::string("null"), std::string("{"), std::string(R"({"nats":[]})"),
                             std::string(R"({"nats":{"type":"user","version":2},"exp":1e300,"iss":7})"),
                             std::string(R"({"nats":{"type":"user","version":2,"subs":18446744073709551615}})")}) {
    std::string token = header + "." + encode(claims) + "." + encode(std::string(64, 'x'));
    CHECK_FALSE(auth::decode_user_jwt(token, &why));
    CHECK(login(mode(), token).ok == false);
  }
  CHECK_FALSE(auth::decode_user_jwt(encode(R"({"typ":"JWT","alg":"ed25519"})") + ".e30.e30", &why));
  CHECK(why == "version 1 JWTs are not supported by zats");
  CHECK_FALSE(auth::decode_user_jwt("!!!.!!!.!!!", &why));
  CHECK_FALSE(auth::decode_user_jwt("a.b.c.d", &why));
}
