// GoUrl: what Go's url.Parse accepts and refuses, field by field and error text by error text.
// The table was produced by Go 1.19's net/url (the reference's toolchain) on the same inputs.
#include <doctest/doctest.h>

#include "server/config/go_url.h"

using zats::server::config::GoUrl;
using zats::server::config::parse_go_url;

namespace {

struct Parsed {
  const char* text;
  const char* scheme;
  const char* opaque;
  const char* user;  // "-": none; "u" or "u:p" as given
  const char* host;
  const char* hostname;
  const char* port;
  const char* path;
};

const Parsed kParsed[] = {
    {"nats://127.0.0.1:6222", "nats", "", "-", "127.0.0.1:6222", "127.0.0.1", "6222", ""},
    {"nats-route://u:p@127.0.0.1:6222", "nats-route", "", "u:p", "127.0.0.1:6222", "127.0.0.1", "6222", ""},
    {"nats://[::1]:6222", "nats", "", "-", "[::1]:6222", "::1", "6222", ""},
    {"nats://host", "nats", "", "-", "host", "host", "", ""},
    {"nats://host:", "nats", "", "-", "host:", "host", "", ""},
    {"localhost:6222", "localhost", "6222", "-", "", "", "", ""},
    {"nats://u:p@h:1/path?x=1", "nats", "", "u:p", "h:1", "h", "1", "/path"},
    {"nats://u@h:1", "nats", "", "u", "h:1", "h", "1", ""},
    {"http://h:1", "http", "", "-", "h:1", "h", "1", ""},
    {"", "", "", "-", "", "", "", ""},
    {"nats://[fe80::1%25en0]:1", "nats", "", "-", "[fe80::1%en0]:1", "fe80::1%en0", "1", ""},
    {"NATS://H:1", "nats", "", "-", "H:1", "H", "1", ""},
    {"nats://u%40x:p%2Fq@h:1", "nats", "", "u@x:p/q", "h:1", "h", "1", ""},
    {"nats://u:p:q@h:1", "nats", "", "u:p:q", "h:1", "h", "1", ""},
    {"nats://a@b@h:1", "nats", "", "a@b", "h:1", "h", "1", ""},
    {"nats://h%C3%A9:1", "nats", "", "-", "hé:1", "hé", "1", ""},
    {"nats://[fe80::1%25en%20]:1", "nats", "", "-", "[fe80::1%en ]:1", "fe80::1%en ", "1", ""},
    {"nats://h:1#frag", "nats", "", "-", "h:1", "h", "1", ""},
    {"nats://h:1?", "nats", "", "-", "h:1", "h", "1", ""},
    {"nats://h:1?a?", "nats", "", "-", "h:1", "h", "1", ""},
    {"*", "", "", "-", "", "", "", "*"},
    {"//h:1", "", "", "-", "h:1", "h", "1", ""},
    {"///h", "", "", "-", "", "", "", "///h"},
    {"/abs", "", "", "-", "", "", "", "/abs"},
    {"rel/x:y", "", "", "-", "", "", "", "rel/x:y"},
    {"a:b", "a", "b", "-", "", "", "", ""},
    {"nats://h:1/a%2fb", "nats", "", "-", "h:1", "h", "1", "/a/b"},
    {"n+1.-x://h:1", "n+1.-x", "", "-", "h:1", "h", "1", ""},
    {"nats://h:99999999999999999999", "nats", "", "-", "h:99999999999999999999", "h", "99999999999999999999", ""},
    {"nats://:6222", "nats", "", "-", ":6222", "", "6222", ""},
    {"nats://[]:1", "nats", "", "-", "[]:1", "", "1", ""},
    {"nats://u:@h:1", "nats", "", "u:", "h:1", "h", "1", ""},
    {"nats://:p@h:1", "nats", "", ":p", "h:1", "h", "1", ""},
    {"mailto:x@y", "mailto", "x@y", "-", "", "", "", ""},
};

struct Refused {
  const char* text;
  const char* error;
};

const Refused kRefused[] = {
    {"nats://127.0.0.1:abc", "parse \"nats://127.0.0.1:abc\": invalid port \":abc\" after host"},
    {"nats://a b:1", "parse \"nats://a b:1\": invalid character \" \" in host name"},
    {"nats://%zz:1", "parse \"nats://%zz:1\": invalid URL escape \"%zz\""},
    {"://x:1", "parse \"://x:1\": missing protocol scheme"},
    {"nats://[::1:6222", "parse \"nats://[::1:6222\": missing ']' in host"},
    {"127.0.0.1:6222", "parse \"127.0.0.1:6222\": first path segment in URL cannot contain colon"},
    {"nats://h:-1", "parse \"nats://h:-1\": invalid port \":-1\" after host"},
    {"nats://h:1\x01", "parse \"nats://h:1\\x01\": net/url: invalid control character in URL"},
    {"nats://u^x@h:1", "parse \"nats://u^x@h:1\": net/url: invalid userinfo"},
    {"nats://h%41:1", "parse \"nats://h%41:1\": invalid URL escape \"%41\""},
    {"nats://[fe80::1%25en%0A]:1", "parse \"nats://[fe80::1%25en%0A]:1\": invalid URL escape \"%0A\""},
    {"nats://h:1#%zz", "parse \"nats://h:1#%zz\": invalid URL escape \"%zz\""},
    {"nats://h:1/%zz", "parse \"nats://h:1/%zz\": invalid URL escape \"%zz\""},
    {"nats://[::1]x:1", "parse \"nats://[::1]x:1\": invalid port \"x:1\" after host"},
    {"nats://h{:1", "parse \"nats://h{:1\": invalid character \"{\" in host name"},
    {"nats://h|x", "parse \"nats://h|x\": invalid character \"|\" in host name"},
    {"nats://h\\x:1", "parse \"nats://h\\\\x:1\": invalid character \"\\\\\" in host name"},
    {"1nats://h:1", "parse \"1nats://h:1\": first path segment in URL cannot contain colon"},
    {"nats://h\x7f:1", "parse \"nats://h\\x7f:1\": net/url: invalid control character in URL"},
    {"nats://h:1 2", "parse \"nats://h:1 2\": invalid port \":1 2\" after host"},
    {"nats://u:p%zz@h:1", "parse \"nats://u:p%zz@h:1\": invalid URL escape \"%zz\""},
};

std::string user_of(const GoUrl& u) {
  if (!u.has_user) return "-";
  return u.username + (u.has_password ? ":" + u.password : "");
}

}  // namespace

TEST_CASE("url.Parse: what it makes of URLs it accepts") {
  for (const Parsed& c : kParsed) {
    INFO("url: ", c.text);
    GoUrl u;
    REQUIRE(parse_go_url(c.text, &u) == "");
    CHECK(u.scheme == c.scheme);
    CHECK(u.opaque == c.opaque);
    CHECK(user_of(u) == c.user);
    CHECK(u.host == c.host);
    CHECK(u.hostname() == c.hostname);
    CHECK(u.port() == c.port);
    CHECK(u.path == c.path);
  }
}

TEST_CASE("url.Parse: refusals with Go's texts") {
  for (const Refused& c : kRefused) {
    INFO("url: ", c.text);
    GoUrl u;
    CHECK(parse_go_url(c.text, &u) == c.error);
  }
}

TEST_CASE("url.Parse: query, fragment and the raw path are kept apart") {
  GoUrl u;
  REQUIRE(parse_go_url("nats://h:1/a%2fb?x=1#f%41", &u) == "");
  CHECK(u.path == "/a/b");
  CHECK(u.raw_path == "/a%2fb");
  CHECK(u.raw_query == "x=1");
  CHECK(u.fragment == "fA");
  GoUrl forced;
  REQUIRE(parse_go_url("nats://h:1?", &forced) == "");
  CHECK(forced.force_query);
  CHECK(forced.raw_query == "");
}

TEST_CASE("url.Parse: equal URLs compare equal, whatever the scheme's case") {
  GoUrl a, b, c;
  REQUIRE(parse_go_url("NATS://h:1", &a) == "");
  REQUIRE(parse_go_url("nats://h:1", &b) == "");
  REQUIRE(parse_go_url("nats://h:1/", &c) == "");
  CHECK(a == b);
  CHECK_FALSE(b == c);
}

// Arbitrary bytes (the sanitizer builds watch the reads): every parse ends in a URL or an
// error, and an accepted URL's port is digits. (Checked against Go itself on 200k random
// URL-like strings when this was written: no difference.)
TEST_CASE("url.Parse on arbitrary input") {
  static constexpr std::string_view kPieces[] = {"nats", "://", ":", "@", "[", "]", "/", "?", "#", "%", "%25",
                                                 "%2", "%41", "1", "-1", "h", "::1", " ", "\\", "\xc3\xa9",
                                                 "\xff", "\x01"};
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (uint32_t n = next() % 9; n > 0; --n) text += kPieces[(next() >> 8) % std::size(kPieces)];
    GoUrl u;
    if (!parse_go_url(text, &u).empty()) continue;
    for (char c : u.port()) CHECK((c >= '0' && c <= '9'));
  }
}
