// Logging: the per-thread ring (wrap, full, drops), the line formats (text, syslog), rotation
// by size, and the writer thread under concurrent producers while the file is reopened again
// and again — the TSan build runs this too, so a write racing a reopen would be reported.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/log_format.h"
#include "core/log_ring.h"

using namespace zats::core;

namespace {

std::string push(LogRing& ring, const std::string& text) {
  char* p = ring.reserve(text.size());
  if (p == nullptr) return "full";
  std::memcpy(p, text.data(), text.size());
  ring.commit();
  return "ok";
}

std::string pop(LogRing& ring) {
  size_t size = 0;
  const char* p = ring.peek(&size);
  if (p == nullptr) return "<empty>";
  std::string out(p, size);
  ring.pop();
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

LogEntry entry(LogLevel level, std::string_view text, std::string_view address = {}, uint64_t cid = 0) {
  LogEntry e;
  e.level = level;
  e.wall_ns = 1'764'300'123'456'789'000;  // 2025-11-28T03:22:03.456789Z
  e.text = text;
  e.address = address;
  e.cid = cid;
  return e;
}

}  // namespace

TEST_CASE("LogRing keeps records in order across the wrap and counts what does not fit") {
  LogRing ring(256);
  CHECK(pop(ring) == "<empty>");
  // 40-byte records (+8 prefix): five fill 240 of the 256 bytes.
  std::string rec(40, 'a');
  for (int i = 0; i < 5; ++i) {
    rec[0] = static_cast<char>('0' + i);
    CHECK(push(ring, rec) == "ok");
  }
  CHECK(push(ring, rec) == "full");
  CHECK(ring.dropped() == 1);
  CHECK(pop(ring)[0] == '0');
  CHECK(pop(ring)[0] == '1');
  // 96 bytes free now, but only 16 before the end: the record wraps to offset 0.
  rec[0] = 'w';
  CHECK(push(ring, rec) == "ok");
  CHECK(pop(ring)[0] == '2');
  CHECK(pop(ring)[0] == '3');
  CHECK(pop(ring)[0] == '4');
  CHECK(pop(ring)[0] == 'w');
  CHECK(pop(ring) == "<empty>");
  CHECK(ring.empty());
  // Larger than half the ring: never accepted.
  CHECK(ring.reserve(200) == nullptr);
  CHECK(ring.dropped() == 2);
}

TEST_CASE("LogRing hands records from one thread to another intact") {
  LogRing ring(4096);
  constexpr int kRecords = 200000;
  std::thread producer([&] {
    for (int i = 0; i < kRecords; ++i) {
      std::string text = std::to_string(i);
      while (push(ring, text) != "ok") std::this_thread::yield();
    }
  });
  int next = 0;
  bool in_order = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (next < kRecords && std::chrono::steady_clock::now() < deadline) {
    std::string got = pop(ring);
    if (got == "<empty>") continue;
    in_order = in_order && got == std::to_string(next);
    ++next;
  }
  producer.join();
  CHECK(next == kRecords);
  CHECK(in_order);
}

TEST_CASE("text lines are nats-server's") {
  std::string out;
  append_text_line(out, entry(LogLevel::Notice, "Server is ready"), 42, /*log_time=*/false);
  CHECK(out == "[42] [INF] Server is ready\n");
  out.clear();
  append_text_line(out, entry(LogLevel::Trace, "<<- [PING]", "127.0.0.1:5000", 7), 42, false);
  CHECK(out == "[42] [TRC] 127.0.0.1:5000 - cid:7 - <<- [PING]\n");
  out.clear();
  append_text_line(out, entry(LogLevel::Error, "x"), 1, /*log_time=*/true);
  // "[1] YYYY/MM/DD HH:MM:SS.456789 [ERR] x" in local time.
  REQUIRE(out.size() == std::string("[1] 2025/11/28 03:22:03.456789 [ERR] x\n").size());
  CHECK(out.substr(out.size() - 16) == ".456789 [ERR] x\n");
  CHECK(out[8] == '/');
}

TEST_CASE("syslog messages are Go log/syslog's") {
  SyslogStyle local{true, "zats", "ignored", 42};
  std::string out;
  append_syslog_message(out, entry(LogLevel::Notice, "Server is ready"), local);
  // <daemon.notice>Nov 28 HH:MM:SS zats[42]: text
  CHECK(out.substr(0, 11) == "<29>Nov 28 ");
  CHECK(out.substr(19) == " zats[42]: Server is ready\n");
  out.clear();
  SyslogStyle remote{false, "zats", "host1", 42};
  append_syslog_message(out, entry(LogLevel::Debug, "x", "1.2.3.4:5", 3), remote);
  // <kern.debug>2025-11-28T..:..:..+zone host1 zats[42]: 1.2.3.4:5 - cid:3 - x
  CHECK(out.substr(0, 14) == "<7>2025-11-28T");
  CHECK(out.find(" host1 zats[42]: 1.2.3.4:5 - cid:3 - x\n") != std::string::npos);
  CHECK(syslog_severity(LogLevel::Fatal) == 2);
  CHECK(syslog_severity(LogLevel::Error) == 3);
  CHECK(syslog_severity(LogLevel::Warn) == 4);
  CHECK(syslog_severity(LogLevel::Trace) == 5);
}

TEST_CASE("a new output (a reload) takes every line logged after configure_logging returns") {
  char dir_template[] = "/tmp/zats-log-test-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  std::string dir = dir_template;
  std::string error;
  for (int round = 0; round < 20; ++round) {
    LogSettings settings;
    settings.output.log_time = false;
    settings.output.file = dir + "/" + std::to_string(round) + ".log";
    // Keep the writer busy with the old output while the new one is handed over.
    for (int i = 0; i < 1000; ++i) ZATS_NOTICE("filler");
    REQUIRE(configure_logging(settings, &error));  // the writer runs: a switch, not a start
    ZATS_NOTICE("round %d", round);
  }
  flush_log();
  for (int round = 0; round < 20; ++round) {
    std::string path = dir + "/" + std::to_string(round) + ".log";
    std::string text = read_all(path);
    CHECK(text.rfind("[" + std::to_string(::getpid()) + "] [INF] round " + std::to_string(round) + "\n", 0) == 0);
    CHECK(count(text, "] [INF] round ") == 1);
    std::remove(path.c_str());
  }
  ::rmdir(dir.c_str());
  LogSettings plain;
  REQUIRE(configure_logging(plain, &error));
}

TEST_CASE("log_size_limit: rotation by size, and a file that cannot be rotated keeps its lines") {
  char dir_template[] = "/tmp/zats-log-test-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  std::string dir = dir_template;
  std::string path = dir + "/zats.log";
  LogSettings settings;
  settings.output.file = path;
  settings.output.log_time = false;
  // Lines are 120-126 bytes (the pid has 1-7 digits): the 9th takes the file past the limit.
  settings.output.file_size_limit = 1050;
  std::string error;
  REQUIRE(configure_logging(settings, &error));
  const std::string text(100, 'x');

  for (int i = 0; i < 12; ++i) ZATS_NOTICE("first %02d %s", i, text.c_str());
  flush_log();
  // Past the limit once: one backup, and the file that follows names it.
  std::vector<std::string> backups;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind("zats.log.", 0) == 0) backups.push_back(dir + "/" + name);
    }
    ::closedir(d);
  }
  REQUIRE(backups.size() == 1);
  CHECK(backups[0].size() == path.size() + std::string(".2026.12.04.22.10.05.123456789").size());
  std::string old_text = read_all(backups[0]);
  CHECK(old_text.size() > 1050);
  CHECK(count(old_text, "[INF] first ") == 9);
  std::string new_text = read_all(path);
  CHECK(new_text.find("[INF] Rotated log, backup saved as \"" + backups[0] + "\"\n") != std::string::npos);
  CHECK(new_text.find("[INF] Rotated log") < new_text.find("[INF] first 09"));
  CHECK(count(new_text, "[INF] first ") == 3);

  // The directory moves away: renaming the file fails, its lines stay in it, and the next try
  // comes at twice the size (nats-server's behaviour when it cannot rotate).
  std::string moved = dir + ".moved";
  REQUIRE(std::rename(dir.c_str(), moved.c_str()) == 0);
  for (int i = 0; i < 20; ++i) ZATS_NOTICE("second %02d %s", i, text.c_str());
  flush_log();
  std::string kept = read_all(moved + "/zats.log");
  CHECK(count(kept, "[INF] second ") == 20);
  CHECK(count(kept, "[ERR] Unable to rotate logfile (no such file or directory), will attempt next rotation at size 2100") == 1);
  CHECK(count(kept, "will attempt next rotation at size 4200") == 1);
  CHECK(count(kept, "Unable to rotate") == 2);

  LogSettings plain;
  REQUIRE(configure_logging(plain, &error));
  std::remove((moved + "/zats.log").c_str());
  std::remove((moved + backups[0].substr(dir.size())).c_str());
  ::rmdir(moved.c_str());
}

TEST_CASE("the writer thread: lines from many threads while the file is reopened") {
  char dir_template[] = "/tmp/zats-log-test-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  std::string dir = dir_template;
  std::string path = dir + "/zats.log";
  LogSettings settings;
  settings.output.file = path;
  settings.output.log_time = false;
  std::string error;
  REQUIRE(configure_logging(settings, &error));

  constexpr int kThreads = 4, kLines = 5000;
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kLines; ++i) ZATS_NOTICE("producer %d line %d", t, i);
    });
  }
  go = true;
  // Rotate under load: move the file away and reopen, as logrotate and SIGUSR1 do.
  std::vector<std::string> rotated;
  for (int r = 0; r < 20; ++r) {
    std::string old = path + "." + std::to_string(r);
    std::rename(path.c_str(), old.c_str());
    rotated.push_back(old);
    reopen_log();
    flush_log();  // the reopen is done before the next rename
  }
  for (auto& p : producers) p.join();
  flush_log();
  rotated.push_back(path);

  size_t found = 0, reopened = 0;
  for (const std::string& f : rotated) {
    std::string text = read_all(f);
    found += count(text, "] [INF] producer ");
    reopened += count(text, "File log re-opened");
    std::remove(f.c_str());
  }
  ::rmdir(dir.c_str());
  // Every line is in some file, or was dropped and counted.
  CHECK(found + log_lines_dropped() >= kThreads * kLines);
  CHECK(found <= kThreads * kLines);
  CHECK(reopened == 20);

  // Back to stderr for the rest of the binary's tests.
  LogSettings plain;
  REQUIRE(configure_logging(plain, &error));
  shutdown_logging();
}

TEST_CASE("configure_logging refuses an output it cannot open, as nats-server words it") {
  LogSettings settings;
  settings.output.file = "/nonexistent-dir/zats.log";
  std::string error;
  CHECK_FALSE(configure_logging(settings, &error));
  CHECK(error == "error opening file: open /nonexistent-dir/zats.log: no such file or directory");
  settings.output.file.clear();
  settings.output.remote_syslog = "http://127.0.0.1:1";
  CHECK_FALSE(configure_logging(settings, &error));
  CHECK(error == "error invalid network type: \"http\"");
  settings.output.remote_syslog = "tcp://127.0.0.1:1";
  CHECK_FALSE(configure_logging(settings, &error));
  CHECK(error == "error connecting to syslog: \"dial tcp 127.0.0.1:1: connect: connection refused\"");
  settings.output.remote_syslog.clear();
  settings.output.format = LogFormat::Json;  // without the server's line writer
  CHECK_FALSE(configure_logging(settings, &error));
}
