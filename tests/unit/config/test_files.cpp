// Temporary directories and parse helpers for the config tests.
#include "test_files.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "server/config/config_parser.h"

namespace zats::server::config::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "zats-config-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, std::string_view content) const {
  const std::filesystem::path full = std::filesystem::path(path_) / name;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  REQUIRE(out.good());
  return full.string();
}

ConfigValue parse_ok(std::string_view text) {
  ConfigValue value;
  std::string error;
  const bool ok = parse_config_string(text, "t.conf", &value, &error);
  INFO("input: ", text);
  CHECK_MESSAGE(ok, error);
  return ok ? value : ConfigValue();
}

std::string parse_error(std::string_view text) {
  ConfigValue value;
  std::string error;
  const bool ok = parse_config_string(text, "t.conf", &value, &error);
  INFO("input: ", text);
  CHECK_FALSE(ok);
  return error;
}

}  // namespace zats::server::config::testing
