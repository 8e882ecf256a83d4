// Fuzz-style robustness: thousands of random inputs and mutations of valid configs. Every
// input must end in either a map or a non-empty error naming a line — never a crash or hang
// (run under ASan/UBSan for the memory half of that promise).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "server/config/config_parser.h"

namespace zats::server::config {
namespace {

const std::vector<std::string>& seeds() {
  static const std::vector<std::string> kSeeds = {
      "port: 4222\nhost = 0.0.0.0\ndebug true\n",
      "{\n  cluster {\n    name: c1, listen: 127.0.0.1:6222\n    routes = [nats://a:1, nats://b:2]\n  }\n}\n",
      "authorization {\n  users = [\n    {user: a, password: $2a$11$abc}\n    {user: \"b\", password: 'p\\w'}\n  ]\n}\n",
      "x = 1\ny = $x\nz = [1k, 2MB, -3.5, 2020-01-02T03:04:05Z]\ns = \"a\\tb\\x41\"\n",
      "text = (\nblock\n)\n# comment\n// comment\nm { a = 1; b = 2, c 3 }\n",
      "max_payload: 1MB\nping_interval: \"2m\"\nwrite_deadline: 10s\nlisten: 4222\n",
  };
  return kSeeds;
}

void check_outcome(const std::string& input) {
  ConfigValue value;
  ConfigError error;
  const bool ok = parse_config_string(input, "fuzz.conf", &value, &error);
  if (ok) {
    CHECK(value.is_map());
  } else {
    // Every failure says what went wrong; syntax errors also say where.
    CHECK_FALSE(error.message.empty());
    CHECK(error.pos.line >= 1);
  }
}

TEST_CASE("random bytes never crash the parser") {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 200);
  for (int i = 0; i < 4000; ++i) {
    std::string input(static_cast<size_t>(length(rng)), '\0');
    for (char& c : input) c = static_cast<char>(byte(rng));
    check_outcome(input);
  }
}

TEST_CASE("random syntax-heavy text never crashes the parser") {
  static const std::string kAlphabet = "{}[]()=:;,#/\"'\\$-. \t\n\rabkKmMx0123456789TZe";
  std::mt19937 rng(777);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 120);
  for (int i = 0; i < 6000; ++i) {
    std::string input;
    for (int n = length(rng); n > 0; --n) input += kAlphabet[pick(rng)];
    check_outcome(input);
  }
}

TEST_CASE("mutations of valid configs never crash the parser") {
  static const std::string kInteresting = "{}[]()=:;,#/\"'\\$\n \x00\xff";
  std::mt19937 rng(4242);
  for (const std::string& seed : seeds()) {
    ConfigValue value;
    std::string error;
    REQUIRE_MESSAGE(parse_config_string(seed, "seed.conf", &value, &error), error);
    for (int i = 0; i < 1500; ++i) {
      std::string input = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !input.empty(); ++e) {
        const size_t at = rng() % input.size();
        const char c = kInteresting[rng() % kInteresting.size()];
        switch (rng() % 4) {
          case 0: input[at] = c; break;
          case 1: input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), c); break;
          case 2: input.erase(at, 1 + rng() % 3); break;
          default: input = input.substr(0, at); break;  // truncation
        }
      }
      check_outcome(input);
    }
  }
}

}  // namespace
}  // namespace zats::server::config
