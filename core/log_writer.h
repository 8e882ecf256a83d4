// LogWriter: the one thread that writes log output. Every thread that logs gets its own
// LogRing (registered on its first line); the writer drains them all, oldest line first, into
// the current LogSink, and is the only thread that touches the sink, so a sink swap (reload)
// or a file reopen (SIGUSR1) never races a write. Producers never wait: when a ring is full
// the line is dropped and counted, the count shows in /varz and /metrics, and the writer
// itself logs how many were lost once it catches up. A sleeping writer is woken the way a
// sleeping worker is (WakeFlag), so a producer pays a futex call only when the writer sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/log_format.h"
#include "core/log_sink.h"

namespace zats::core {

class LogWriter {
 public:
  static LogWriter& instance();

  // Starts the thread with `sink`, or hands `sink` to the running thread (which switches
  // after the lines queued before) and waits, bounded, until it has: lines logged after the
  // call go to the new output. Returns false when a stopped writer could not be restarted.
  bool use(std::unique_ptr<LogSink> sink);
  bool running() const;
  // Drains what is queued (bounded) and stops the thread.
  void stop();

  // Any thread: queues one line; false when it was dropped.
  bool submit(const LogEntry& entry);
  // The writer reopens a file sink and logs the outcome.
  void reopen();
  // Waits (at most `bound`) until the lines queued before the call are written.
  bool flush(std::chrono::milliseconds bound);
  uint64_t dropped() const;

  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

 private:
  LogWriter();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zats::core
