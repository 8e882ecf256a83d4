// libFuzzer target for the configuration file: the reader (syntax, includes, $variables, the
// environment) and the mapping onto Options (every key's types, durations, sizes, permissions,
// accounts), as `zats -c` runs them. The input is cut at its first two NUL bytes into main.conf,
// inc.conf (which main.conf may include, also as sub/../inc.conf) and the value of the
// environment variable ZATS_FUZZ. Properties: the outcome is a map or an error that names a
// place; the same files read twice give the same outcome; options that load also pass the
// reload check against themselves. Inputs that might include a device are skipped (see below).
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/config/config_parser.h"
#include "server/config/options_config.h"
#include "server/config/options_reload.h"

namespace {

using namespace zats::server;

// One directory per process, reused by every input (libFuzzer runs inputs one at a time) and
// removed at exit. Under /tmp, not /dev/shm: from there `include "../../zero"` would be /dev/zero.
struct FuzzDir {
  std::string path;
  FuzzDir() {
    char name[] = "/tmp/zats-config-fuzz-XXXXXX";
    if (mkdtemp(name) == nullptr) std::abort();
    path = name;
    if (mkdir((path + "/sub").c_str(), 0700) != 0) std::abort();
  }
  ~FuzzDir() {
    for (const char* f : {"/main.conf", "/inc.conf"}) unlink((path + f).c_str());
    rmdir((path + "/sub").c_str());
    rmdir(path.c_str());
  }
};

const std::string& fuzz_dir() {
  static const FuzzDir dir;
  return dir.path;
}

void write_file(const std::string& path, std::string_view content) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!content.empty() && std::fwrite(content.data(), 1, content.size(), f) != content.size()) std::abort();
  std::fclose(f);
}

// Cuts at the next NUL: the part before it, and `rest` moves past it (empty when none is left).
std::string_view take_part(std::string_view& rest) {
  const size_t nul = rest.find('\0');
  std::string_view part = rest.substr(0, nul);
  rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  return part;
}

// `include /dev/zero`, `cert_file: /dev/zero` or a FIFO hangs any reader (nats-server's too): a
// file that never ends is the administrator's choice, not something to fuzz. Includes (relative
// to this target's directory) and the TLS keys (cert_file, key_file, ca_file) name their files
// literally or through a variable, so an input that has one of them, and whose files or
// environment value name a path under /dev, /proc, /sys, /run or /tmp, is skipped.
bool names_a_file(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view key : {"include", "cert_file", "key_file", "ca_file"})
    if (lower.find(key) != std::string::npos) return true;
  return false;
}

bool mentions_special_files(std::string_view text) {
  for (std::string_view dir : {"/dev", "/proc", "/sys", "/run", "/tmp"})
    if (text.find(dir) != std::string_view::npos) return true;
  return false;
}

// The whole outcome as text, for comparing two runs.
std::string load(const std::string& main_path) {
  config::ConfigValue root;
  config::ConfigError error;
  if (!config::parse_config_file(main_path, &root, &error)) {
    if (error.message.empty()) std::abort();  // every failure says what went wrong
    return "syntax: " + error.to_string();
  }
  if (!root.is_map()) std::abort();
  Options options;
  config::OptionsDiagnostics diag;
  config::apply_config(root, options, diag);
  for (const std::string& e : diag.errors)
    if (e.empty()) std::abort();
  std::string finish_error;
  const bool finished = diag.ok() && config::finish_options(options, &finish_error);
  // Options that load are a valid reload of themselves.
  if (finished && !config::reload_refusal(options, options).empty()) std::abort();
  return diag.to_string() + (finished ? "loaded" : "refused: " + finish_error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view main_text = take_part(rest);
  const std::string_view include_text = take_part(rest);
  const std::string env_value(take_part(rest));
  if ((names_a_file(main_text) || names_a_file(include_text)) &&
      (mentions_special_files(main_text) || mentions_special_files(include_text) || mentions_special_files(env_value)))
    return 0;
  const std::string& dir = fuzz_dir();
  write_file(dir + "/main.conf", main_text);
  write_file(dir + "/inc.conf", include_text);
  setenv("ZATS_FUZZ", env_value.c_str(), 1);
  const std::string main_path = dir + "/main.conf";
  if (load(main_path) != load(main_path)) std::abort();
  return 0;
}
