// The `tls {}` block and the --tls* flags → Options, with nats-server 2.9's errors.
#include <doctest/doctest.h>

#include "server/config/options_config.h"
#include "server/flags.h"
#include "tests/unit/auth/options_test_support.h"
#include "tests/unit/tls/test_pki.h"

using namespace zats::server;

namespace {

std::string block(const test::TestPki& pki, const std::string& more = {}) {
  return "tls {\n  cert_file: \"" + pki.server().cert + "\"\n  key_file: \"" + pki.server().key + "\"\n" + more + "}\n";
}

}  // namespace

TEST_CASE("a tls block: context, timeout, map, pins, rate limit; auth timeout follows") {
  test::TestPki pki;
  test::Applied a = test::apply_text(block(pki,
      "  ca_file: \"" + pki.ca().cert + "\"\n  verify_and_map: true\n  timeout: 0.5\n  connection_rate_limit: 10\n"
      "  pinned_certs: [\"" + std::string(64, 'A') + "\"]\n  cipher_suites: [\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\"]\n"
      "  curve_preferences: [\"CurveP256\"]\n"));
  REQUIRE(test::only_error(a) == "");
  REQUIRE(a.options.tls != nullptr);
  CHECK(a.options.tls->verify());
  CHECK(a.options.tls_map);
  CHECK(a.options.tls_timeout == 0.5);
  CHECK(a.options.tls_rate_limit == 10);
  CHECK(a.options.tls_pinned_certs == std::set<std::string>{std::string(64, 'a')});
  std::string error;
  REQUIRE(config::finish_options(a.options, &error));
  CHECK(a.options.auth_timeout == std::chrono::milliseconds(1500));

  test::Applied plain = test::apply_text("port: 4222\n");
  REQUIRE(config::finish_options(plain.options, &error));
  CHECK(plain.options.auth_timeout == std::chrono::seconds(2));
  CHECK(plain.options.tls_timeout == 2.0);

  test::Applied duration = test::apply_text(block(pki, "  timeout: \"250ms\"\n"));
  CHECK(duration.options.tls_timeout == 0.25);
  test::Applied defaults = test::apply_text(block(pki));
  REQUIRE(config::finish_options(defaults.options, &error));
  CHECK(defaults.options.auth_timeout == std::chrono::seconds(3));
}

TEST_CASE("tls block errors are nats-server's, at its positions") {
  test::TestPki pki;
  CHECK(test::only_error(test::apply_text(block(pki, "    bogus: 1\n"))) ==
        "t.conf:4:5: error parsing tls config, unknown field [\"bogus\"]");
  CHECK(test::only_error(test::apply_text("tls {\n  cert_file: \"/nope.pem\"\n  key_file: \"/nope-key.pem\"\n}\n")) ==
        "t.conf:1:0: error parsing X509 certificate/key pair: open /nope.pem: no such file or directory");
  CHECK(test::only_error(test::apply_text("tls {\n  cert_file: \"" + pki.server().cert + "\"\n}\n")) ==
        "t.conf:1:0: missing 'key_file' in TLS configuration");
  CHECK(test::only_error(test::apply_text(block(pki, "  cipher_suites: [\n   \"TLS_NOPE\"\n ]\n"))) ==
        "t.conf:5:5: unrecognized cipher TLS_NOPE");
  CHECK(test::only_error(test::apply_text(block(pki, "  cipher_suites: \"x\"\n"))) ==
        "t.conf:4:3: interface conversion: interface {} is string, not []interface {}");
  CHECK(test::only_error(test::apply_text(block(pki, "  curve_preferences: []\n"))) ==
        "t.conf:4:3: error parsing tls config, 'curve_preferences' cannot be empty");
  CHECK(test::only_error(test::apply_text(block(pki, "  curve_preferences: [\"P-256\"]\n"))) ==
        "t.conf:4:24: unrecognized curve preference P-256");
  CHECK(test::only_error(test::apply_text("tls {\n  cert_file: 1\n}\n")) ==
        "t.conf:2:3: error parsing tls config, expected 'cert_file' to be filename");
  CHECK(test::only_error(test::apply_text("tls {\n  verify: \"yes\"\n}\n")) ==
        "t.conf:2:3: error parsing tls config, expected 'verify' to be a boolean");
  CHECK(test::only_error(test::apply_text("tls {\n  timeout: \"abc\"\n}\n")) ==
        "t.conf:2:3: error parsing tls config, 'timeout' time: invalid duration \"abc\"");
  CHECK(test::only_error(test::apply_text("tls {\n  timeout: true\n}\n")) ==
        "t.conf:2:3: error parsing tls config, 'timeout' wrong type");
  CHECK(test::only_error(test::apply_text("tls {\n  pinned_certs: [\"abc\"]\n}\n")) ==
        "t.conf:2:19: error parsing tls config, 'pinned_certs' key abc does not look like hex-encoded sha256 of DER "
        "encoded SubjectPublicKeyInfo");
  CHECK(test::only_error(test::apply_text("tls {\n  connection_rate_limit: \"1\"\n}\n")) ==
        "t.conf:2:3: error parsing tls config, 'connection_rate_limit' wrong type");
  CHECK(test::only_error(test::apply_text("tls {\n  verify_cert_and_check_known_urls: true\n}\n")) ==
        "t.conf:2:3: verify_cert_and_check_known_urls not supported in this context");
  CHECK(test::only_error(test::apply_text("tls: 1\n")) ==
        "t.conf:1:0: interface conversion: interface {} is int64, not map[string]interface {}");
  CHECK(test::only_error(test::apply_text("allow_non_tls: 1\n")) ==
        "t.conf:1:0: interface conversion: interface {} is int64, not bool");
}

TEST_CASE("a cluster tls block: verification forced, known URLs allowed, auth timeout follows") {
  test::TestPki pki;
  auto cluster = [&](const std::string& more) {
    return "cluster {\n  port: 6222\n  " + block(pki, "  ca_file: \"" + pki.ca().cert + "\"\n" + more) + "}\n";
  };
  test::Applied a = test::apply_text(cluster("  verify_cert_and_check_known_urls: true\n  verify_and_map: true\n"
                                             "  insecure: true\n  timeout: 0.5\n  connection_rate_limit: 5\n"
                                             "  pinned_certs: [\"" + std::string(64, 'B') + "\"]\n"));
  REQUIRE(test::only_error(a) == "");
  const ClusterOptions& c = a.options.cluster;
  REQUIRE(c.tls != nullptr);
  CHECK(a.options.tls == nullptr);  // clients stay in the clear
  CHECK(c.tls->verify());
  CHECK(c.tls->options().insecure);
  CHECK(c.tls_map);
  CHECK(c.tls_check_known_urls);
  CHECK(c.tls_timeout == 0.5);
  CHECK(c.tls_pinned_certs == std::set<std::string>{std::string(64, 'b')});
  std::string error;
  REQUIRE(config::finish_options(a.options, &error));
  CHECK(c.auth_timeout == std::chrono::milliseconds(1500));
  CHECK(a.options.auth_timeout == std::chrono::seconds(2));

  test::Applied plain = test::apply_text(cluster(""));  // no verify key: routes verify anyway
  REQUIRE(test::only_error(plain) == "");
  CHECK(plain.options.cluster.tls->verify());
  REQUIRE(config::finish_options(plain.options, &error));
  CHECK(plain.options.cluster.tls_timeout == 2.0);
  CHECK(plain.options.cluster.auth_timeout == std::chrono::seconds(3));
}

TEST_CASE("cluster tls block errors are nats-server's, at its positions") {
  test::TestPki pki;
  CHECK(test::only_error(test::apply_text("\ncluster {\n  tls {\n    cert_file: x\n  }\n}\n")) ==
        "t.conf:3:3: missing 'key_file' in TLS configuration");
  CHECK(test::only_error(test::apply_text("\ncluster {\n  tls: 5\n}\n")) ==
        "t.conf:3:3: interface conversion: interface {} is int64, not map[string]interface {}");
  CHECK(test::only_error(test::apply_text("\ncluster {\n  tls {\n    cert_file: \"/nope.pem\"\n    key_file: \"" +
                                          pki.server().key + "\"\n  }\n}\n")) ==
        "t.conf:3:3: error parsing X509 certificate/key pair: open /nope.pem: no such file or directory");
  CHECK(test::only_error(test::apply_text("\ncluster {\n  tls {\n    ca_file: \"/nope-ca.pem\"\n  }\n}\n")) ==
        "t.conf:3:3: open /nope-ca.pem: no such file or directory");
  CHECK(test::only_error(test::apply_text("\ncluster {\n  tls {\n    insecure: \"yes\"\n  }\n}\n")) ==
        "t.conf:4:5: error parsing tls config, expected 'insecure' to be a boolean");
  CHECK(test::only_error(test::apply_text("\ncluster {\n  tls {\n    bogus: 1\n  }\n}\n")) ==
        "t.conf:4:5: error parsing tls config, unknown field [\"bogus\"]");
}

TEST_CASE("--tls* flags: certificate and key required; --tls=false turns a file's TLS off") {
  test::TestPki pki;
  auto run = [](std::vector<std::string> args, Options& o, std::string* error) {
    std::vector<const char*> argv = {"zats"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    FlagResult flags = parse_flags(static_cast<int>(argv.size()), argv.data(), o);
    REQUIRE(flags.error.empty());
    return apply_tls_flags(flags, o, error);
  };
  std::string error;
  Options o;
  CHECK_FALSE(run({"--tls"}, o, &error));
  CHECK(error == "TLS Server certificate must be present and valid");
  CHECK_FALSE(run({"-tlscert", pki.server().cert}, o, &error));
  CHECK(error == "TLS Server private key must be present and valid");
  CHECK_FALSE(run({"--tlscert", pki.dir() + "/x.pem", "--tlskey", pki.server().key}, o, &error));
  CHECK(error == "error parsing X509 certificate/key pair: open " + pki.dir() + "/x.pem: no such file or directory");

  Options ok;
  REQUIRE(run({"--tlscert=" + pki.server().cert, "--tlskey", pki.server().key, "--tlsverify", "--tlscacert",
               pki.ca().cert}, ok, &error));
  REQUIRE(ok.tls != nullptr);
  CHECK(ok.tls->verify());

  Options single_dash;  // Go's flag package takes every flag with one dash too
  REQUIRE(run({"-tls", "-tlscert", pki.server().cert, "-tlskey", pki.server().key, "-tlsverify", "-tlscacert",
               pki.ca().cert}, single_dash, &error));
  REQUIRE(single_dash.tls != nullptr);
  CHECK(single_dash.tls->verify());
  CHECK(single_dash.tls->options().ca_file == pki.ca().cert);

  Options from_file = test::apply_text(block(pki)).options;
  REQUIRE(from_file.tls != nullptr);
  REQUIRE(run({"--tls=false", "--tlscert", "/ignored"}, from_file, &error));
  CHECK(from_file.tls == nullptr);
}
