// nkeys (server/auth/nkey.h): public key decoding (kind, base32, CRC), ed25519 signatures over a
// nonce as CONNECT carries them, base64 both ways, nonces; nkey users in authenticate().
#include <doctest/doctest.h>

#include <set>

#include "server/auth/authenticator.h"
#include "server/auth/base64.h"
#include "server/auth/nkey.h"
#include "server/auth/nonce.h"

using namespace zats::server;

namespace {

// A user key made with nats-io/nkeys (seed SUAEQZX4MQ5J74TROATWDTEBBMOKT6CE3DDWFO3PSUREJXITIAFTRYLZII)
// and its signature of kNonce, in both alphabets.
constexpr const char* kUserKey = "UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH";
constexpr const char* kNonce = "abcdefghijklmno";
constexpr const char* kSigUrl = "K87lvTJC_n-RZ7Kyiiqy-n5JT7TxMoleopvtr_iJxPOpO3v26hANCSHGY8N6NM47ZREA9G_Tu-4FYHSz8JgzBw";
constexpr const char* kSigStd = "K87lvTJC/n+RZ7Kyiiqy+n5JT7TxMoleopvtr/iJxPOpO3v26hANCSHGY8N6NM47ZREA9G/Tu+4FYHSz8JgzBw==";

}  // namespace

TEST_CASE("public nkeys: kind, alphabet, length and checksum") {
  CHECK(auth::is_public_nkey(kUserKey, auth::NkeyKind::User));
  CHECK_FALSE(auth::is_public_nkey(kUserKey, auth::NkeyKind::Account));
  std::string key = kUserKey;
  CHECK_FALSE(auth::is_public_nkey(key.substr(0, 55), auth::NkeyKind::User));
  CHECK_FALSE(auth::is_public_nkey(key + "A", auth::NkeyKind::User));
  std::string flipped = key;
  flipped[20] = flipped[20] == 'A' ? 'B' : 'A';  // the CRC no longer matches
  CHECK_FALSE(auth::is_public_nkey(flipped, auth::NkeyKind::User));
  std::string lower = key;
  lower[10] = 'a';
  CHECK_FALSE(auth::is_public_nkey(lower, auth::NkeyKind::User));
  CHECK_FALSE(auth::is_public_nkey("", auth::NkeyKind::User));
  CHECK_FALSE(auth::is_public_nkey("SUAEQZX4MQ5J74TROATWDTEBBMOKT6CE3DDWFO3PSUREJXITIAFTRYLZII", auth::NkeyKind::User));
}

TEST_CASE("nkey signatures over the nonce") {
  CHECK(auth::nkey_signature_valid(kUserKey, kNonce, kSigUrl));
  CHECK(auth::nkey_signature_valid(kUserKey, kNonce, kSigStd));
  CHECK_FALSE(auth::nkey_signature_valid(kUserKey, "abcdefghijklmnp", kSigUrl));  // another nonce
  CHECK_FALSE(auth::nkey_signature_valid(kUserKey, kNonce, ""));
  CHECK_FALSE(auth::nkey_signature_valid(kUserKey, kNonce, "not base64!"));
  std::string bad = kSigUrl;
  bad[5] = bad[5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(auth::nkey_signature_valid(kUserKey, kNonce, bad));
  CHECK_FALSE(auth::nkey_signature_valid(kUserKey, kNonce, std::string(kSigUrl).substr(0, 40)));
}

TEST_CASE("base64 round trips and rejects") {
  for (std::string bytes : {std::string(), std::string("f"), std::string("fo"), std::string("foo"),
                            std::string("\xff\xfe\x00\x01", 4)}) {
    for (auto a : {auth::Base64Alphabet::UrlRaw, auth::Base64Alphabet::StandardPadded}) {
      std::optional<std::string> back = auth::base64_decode(auth::base64_encode(bytes, a), a);
      REQUIRE(back);
      CHECK(*back == bytes);
    }
  }
  CHECK(auth::base64_encode("fo", auth::Base64Alphabet::StandardPadded) == "Zm8=");
  CHECK(auth::base64_encode("\xfb\xff", auth::Base64Alphabet::UrlRaw) == "-_8");
  CHECK_FALSE(auth::base64_decode("Zm8", auth::Base64Alphabet::StandardPadded));  // padding missing
  CHECK_FALSE(auth::base64_decode("Zm8=", auth::Base64Alphabet::UrlRaw));
  CHECK_FALSE(auth::base64_decode("Z", auth::Base64Alphabet::UrlRaw));
  CHECK_FALSE(auth::base64_decode("Zm=8", auth::Base64Alphabet::StandardPadded));
}

TEST_CASE("nonces: 15 letters of the URL alphabet, different each time") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string n = auth::make_nonce();
    CHECK(n.size() == 15);
    CHECK(auth::base64_decode(n, auth::Base64Alphabet::UrlRaw).has_value());
    seen.insert(n);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("nkey users: the signature decides, an unknown key fails") {
  Options o;
  auth::User nkey_user;
  nkey_user.nkey = kUserKey;
  nkey_user.account = "A";
  o.users.push_back(nkey_user);
  o.users.push_back(auth::User{"alice", "foo", "", nullptr, true});
  REQUIRE(o.nonce_required());
  zats::proto::ConnectOptions c;
  c.nkey = kUserKey;
  c.sig = kSigUrl;
  auth::AuthResult r = auth::authenticate(o, c, {nullptr, kNonce});
  CHECK(r.ok);
  REQUIRE(r.user != nullptr);
  CHECK(r.user->account == "A");
  CHECK(r.user_name == kUserKey);
  CHECK_FALSE(auth::authenticate(o, c, {nullptr, "abcdefghijklmnp"}).ok);
  c.sig.clear();
  CHECK_FALSE(auth::authenticate(o, c, {nullptr, kNonce}).ok);  // signature missing
  c.nkey = "UBAD";
  c.sig = kSigUrl;
  CHECK_FALSE(auth::authenticate(o, c, {nullptr, kNonce}).ok);  // unknown key
  // An nkey in CONNECT takes the nkey path even with a good password beside it.
  c.user = "alice";
  c.pass = "foo";
  CHECK_FALSE(auth::authenticate(o, c, {nullptr, kNonce}).ok);
  c.nkey.clear();
  CHECK(auth::authenticate(o, c, {nullptr, kNonce}).ok);
  // A user name equal to an nkey does not log in as the nkey user.
  c.user = kUserKey;
  c.pass.clear();
  CHECK_FALSE(auth::authenticate(o, c, {nullptr, kNonce}).ok);
  // Connection types without STANDARD keep a standard client out.
  o.users[0].standard_connections_allowed = false;
  c = {};
  c.nkey = kUserKey;
  c.sig = kSigUrl;
  CHECK_FALSE(auth::authenticate(o, c, {nullptr, kNonce}).ok);
}
