#include "server/signal_command.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "proto/encode.h"

namespace zats::server {
namespace {

std::string read_file(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream text;
  if (*ok) text << in.rdbuf();
  return text.str();
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The name the kernel shows for a process (/proc/PID/comm): our own tells what to look for.
std::string process_name(const std::string& pid) {
  bool ok = false;
  return trim_newline(read_file("/proc/" + pid + "/comm", &ok));
}

bool is_zombie(const std::string& pid) {
  bool ok = false;
  std::string stat = read_file("/proc/" + pid + "/stat", &ok);
  size_t paren = stat.rfind(')');
  return ok && paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// Every other live process with our name, like `pgrep <name>` minus ourselves.
bool find_processes(const std::string& name, std::vector<int>* pids) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return false;
  const int self = static_cast<int>(::getpid());
  while (dirent* entry = ::readdir(proc)) {
    std::string pid = entry->d_name;
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      continue;
    int n = std::atoi(pid.c_str());
    if (n == self || process_name(pid) != name || is_zombie(pid)) continue;
    pids->push_back(n);
  }
  ::closedir(proc);
  std::sort(pids->begin(), pids->end());
  return true;
}

// strconv.Atoi: an optional sign, then decimal digits, nothing else.
bool parse_pid(const std::string& text, int* pid) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, *pid);
  return ec == std::errc() && ptr == end && begin != end;
}

int signal_for(std::string_view command) {
  if (command == "stop") return SIGKILL;
  if (command == "quit") return SIGINT;
  if (command == "reopen") return SIGUSR1;
  if (command == "reload") return SIGHUP;
  if (command == "ldm") return SIGUSR2;
  if (command == "term") return SIGTERM;
  return 0;
}

std::string errno_text(int err) {
  std::string text = strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// The pid to signal: the argument (a number, or a file holding one), or the one process
// running under our name.
bool resolve_pid(const std::vector<std::string>& parts, int* pid, std::string* error) {
  if (parts.size() == 2) {
    bool ok = false;
    std::string text = read_file(parts[1], &ok);  // a pid file, else the pid itself
    if (!ok) text = parts[1];
    // Refuse 0 and negative numbers: kill(2) would take them as process groups.
    if (!parse_pid(text, pid) || *pid <= 0) {
      *error = "invalid pid: " + text;
      return false;
    }
    return true;
  }
  std::string name = process_name("self");
  std::vector<int> pids;
  if (!find_processes(name, &pids)) {
    *error = "unable to resolve pid, try providing one";
    return false;
  }
  if (pids.empty()) {
    *error = "no " + name + " processes running";
    return false;
  }
  if (pids.size() > 1) {
    *error = "multiple " + name + " processes running:";
    for (int p : pids) *error += "\n" + std::to_string(p);
    return false;
  }
  *pid = pids.front();
  return true;
}

}  // namespace

int send_signal_command(std::string_view argument, std::string* error) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t eq = argument.find('=', start);
    parts.emplace_back(argument.substr(start, eq == std::string_view::npos ? std::string_view::npos : eq - start));
    if (eq == std::string_view::npos) break;
    start = eq + 1;
  }
  if (parts.size() > 2) {
    *error = "invalid signal parameters: [";
    for (size_t i = 2; i < parts.size(); ++i) *error += (i > 2 ? " " : "") + parts[i];
    *error += "]";
    return 1;
  }
  int pid = 0;
  if (!resolve_pid(parts, &pid, error)) return 1;
  int sig = signal_for(parts[0]);
  if (sig == 0) {
    *error = "unknown signal " + proto::go_quoted(parts[0]);
    return 1;
  }
  if (::kill(pid, sig) != 0) {
    *error = errno_text(errno);
    return 1;
  }
  return 0;
}

}  // namespace zats::server
