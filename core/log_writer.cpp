#include "core/log_writer.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/log_ring.h"
#include "core/wake_flag.h"

namespace zats::core {
namespace {

constexpr size_t kRingBytes = size_t{1} << 20;  // per logging thread
constexpr size_t kBatch = 4096;                  // records per pass between flushes
constexpr size_t kFlushPasses = 256;             // a flush waits for at most this many batches
constexpr uint64_t kDropReportNs = 1'000'000'000;
constexpr std::chrono::milliseconds kStopBound{2000};
// use() waits this long for the writer to switch outputs (it may be blocked in the old one).
constexpr std::chrono::milliseconds kSwapBound{1000};

// How a line sits in a ring: this header, then the id tag, the address and the text.
struct RecordHeader {
  int64_t wall_ns;
  uint64_t cid;
  uint32_t text_len;
  uint16_t address_len;
  uint8_t level;
  uint8_t truncated;
  uint8_t id_tag_len;
};

struct RingSlot {
  LogRing ring{kRingBytes};
  std::atomic<bool> orphaned{false};  // its thread has exited
};

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, const timespec* timeout) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

bool is_main_thread() { return ::gettid() == ::getpid(); }

}  // namespace

struct LogWriter::Impl {
  // Rings, one per logging thread. Producers add under the mutex; only the writer removes.
  std::mutex registry_mutex;
  std::vector<std::unique_ptr<RingSlot>> slots;
  std::atomic<bool> registry_changed{false};
  std::atomic<uint64_t> retired_dropped{0};  // drops counted by rings already freed

  // Requests to the writer thread.
  std::mutex control_mutex;
  std::condition_variable control_cv;
  std::unique_ptr<LogSink> next_sink;
  uint64_t swap_requested = 0;
  uint64_t swap_done = 0;
  bool reopen_requested = false;
  bool stop_requested = false;
  uint64_t flush_requested = 0;
  uint64_t flush_done = 0;
  bool exited = true;
  std::atomic<bool> commands{false};

  WakeFlag sleeping;
  std::atomic<uint32_t> wake_word{0};
  std::atomic<bool> running{false};
  bool stuck = false;  // a stop gave up on a thread blocked in a write: never start another
  std::thread thread;

  // The writer thread's own state.
  std::unique_ptr<LogSink> sink;
  std::vector<RingSlot*> active;
  struct Head {
    RingSlot* slot;
    RecordHeader header;
    const char* body;
  };
  std::vector<Head> heads;
  std::string scratch;
  uint64_t reported_dropped = 0;
  uint64_t last_report_ns = 0;

  RingSlot* ring_for_this_thread();
  void wake();
  void request(bool reopen, bool stop);
  // Writer thread.
  void run();
  void refresh_active();
  bool any_queued() const;
  size_t drain();
  void write_record(const Head& head);
  void emit(LogLevel level, std::string_view text);
  void report_drops(bool now);
  uint64_t total_dropped() const;
  void sleep();
};

namespace {

// The calling thread's ring; its thread_local guard marks it orphaned when the thread exits
// (the main thread's ring stays: it may still log while the process exits).
struct ThreadRing {
  RingSlot* slot = nullptr;
  std::atomic<bool>* registry_changed = nullptr;
  ~ThreadRing();
};

thread_local ThreadRing t_ring;

}  // namespace

ThreadRing::~ThreadRing() {
  if (slot == nullptr || is_main_thread()) return;
  slot->orphaned.store(true, std::memory_order_release);
  registry_changed->store(true, std::memory_order_release);
  slot = nullptr;
}

RingSlot* LogWriter::Impl::ring_for_this_thread() {
  if (t_ring.slot != nullptr) return t_ring.slot;
  auto slot = std::make_unique<RingSlot>();
  RingSlot* raw = slot.get();
  {
    std::lock_guard lock(registry_mutex);
    slots.push_back(std::move(slot));
  }
  registry_changed.store(true, std::memory_order_release);
  t_ring.slot = raw;
  t_ring.registry_changed = &registry_changed;
  return raw;
}

void LogWriter::Impl::wake() {
  wake_word.fetch_add(1, std::memory_order_release);
  futex_wake(&wake_word);
}

void LogWriter::Impl::request(bool reopen, bool stop) {
  {
    std::lock_guard lock(control_mutex);
    reopen_requested |= reopen;
    stop_requested |= stop;
    commands.store(true, std::memory_order_release);
  }
  wake();
}

// ---- the writer thread ------------------------------------------------------------------

void LogWriter::Impl::run() {
  for (;;) {
    std::unique_ptr<LogSink> swap;
    bool reopen = false, stop = false;
    uint64_t flush_ticket = 0, swap_ticket = 0;
    if (commands.exchange(false, std::memory_order_acq_rel)) {
      std::lock_guard lock(control_mutex);
      swap = std::move(next_sink);
      swap_ticket = swap_requested;
      reopen = std::exchange(reopen_requested, false);
      stop = stop_requested;
      flush_ticket = flush_requested;
    }
    if (swap) {
      // What was queued before the switch still goes to the old output.
      for (size_t i = 0; i < kFlushPasses && drain() == kBatch; ++i) {}
      sink->flush();
      sink = std::move(swap);
      std::lock_guard lock(control_mutex);
      swap_done = std::max(swap_done, swap_ticket);
      control_cv.notify_all();
    }
    if (reopen) {
      sink->flush();
      emit(LogLevel::Notice, sink->reopen() ? "File log re-opened" : "File log re-open ignored, not a file logger");
    }
    size_t written = drain();
    if (flush_ticket != 0 || stop) {
      for (size_t i = 0; i < kFlushPasses && written == kBatch; ++i) written = drain();
    }
    report_drops(stop);
    sink->flush();
    if (flush_ticket != 0) {
      std::lock_guard lock(control_mutex);
      flush_done = std::max(flush_done, flush_ticket);
      control_cv.notify_all();
    }
    if (stop) break;
    if (written == 0) sleep();
  }
  sink.reset();
  std::lock_guard lock(control_mutex);
  exited = true;
  control_cv.notify_all();
}

void LogWriter::Impl::refresh_active() {
  if (!registry_changed.exchange(false, std::memory_order_acq_rel)) return;
  std::lock_guard lock(registry_mutex);
  bool keep_checking = false;
  std::erase_if(slots, [&](const std::unique_ptr<RingSlot>& s) {
    if (!s->orphaned.load(std::memory_order_acquire)) return false;
    if (!s->ring.empty()) {
      keep_checking = true;  // freed once drained
      return false;
    }
    retired_dropped.fetch_add(s->ring.dropped(), std::memory_order_relaxed);
    return true;
  });
  if (keep_checking) registry_changed.store(true, std::memory_order_relaxed);
  active.clear();
  for (auto& s : slots) active.push_back(s.get());
}

bool LogWriter::Impl::any_queued() const {
  for (RingSlot* s : active)
    if (!s->ring.empty()) return true;
  return false;
}

// Up to kBatch records from all rings, oldest first (each ring is in order already; the
// merge keeps lines of different threads in time order too).
size_t LogWriter::Impl::drain() {
  refresh_active();
  heads.clear();
  auto peek = [](RingSlot* s, Head* h) {
    size_t size = 0;
    const char* data = s->ring.peek(&size);
    if (data == nullptr) return false;
    std::memcpy(&h->header, data, sizeof h->header);
    h->slot = s;
    h->body = data + sizeof h->header;
    return true;
  };
  for (RingSlot* s : active) {
    Head h;
    if (peek(s, &h)) heads.push_back(h);
  }
  size_t written = 0;
  while (!heads.empty() && written < kBatch) {
    auto oldest = std::min_element(heads.begin(), heads.end(),
                                   [](const Head& a, const Head& b) { return a.header.wall_ns < b.header.wall_ns; });
    write_record(*oldest);
    oldest->slot->ring.pop();
    ++written;
    if (!peek(oldest->slot, &*oldest)) heads.erase(oldest);
  }
  return written;
}

void LogWriter::Impl::write_record(const Head& head) {
  LogEntry e;
  e.level = static_cast<LogLevel>(head.header.level);
  e.wall_ns = head.header.wall_ns;
  e.cid = head.header.cid;
  const char* p = head.body;
  e.id_tag = std::string_view(p, head.header.id_tag_len);
  p += head.header.id_tag_len;
  e.address = std::string_view(p, head.header.address_len);
  p += head.header.address_len;
  e.text = std::string_view(p, head.header.text_len);
  if (head.header.truncated) {
    scratch.assign(e.text);
    scratch.append("... [truncated]");
    e.text = scratch;
  }
  sink->write(e);
}

void LogWriter::Impl::emit(LogLevel level, std::string_view text) {
  LogEntry e;
  e.level = level;
  e.wall_ns = realtime_ns();
  e.text = text;
  sink->write(e);
}

uint64_t LogWriter::Impl::total_dropped() const {
  uint64_t n = retired_dropped.load(std::memory_order_relaxed);
  for (RingSlot* s : active) n += s->ring.dropped();
  return n;
}

// Lost lines are never silent: at most once a second the log itself says how many.
void LogWriter::Impl::report_drops(bool now) {
  uint64_t t = monotonic_ns();
  if (!now && t - last_report_ns < kDropReportNs) return;
  last_report_ns = t;
  uint64_t dropped = total_dropped();
  if (dropped == reported_dropped) return;
  std::string text = "Dropped " + std::to_string(dropped - reported_dropped) +
                     " log lines: the log output did not keep up (" + std::to_string(dropped) + " in all)";
  reported_dropped = dropped;
  emit(LogLevel::Warn, text);
}

void LogWriter::Impl::sleep() {
  uint32_t seen = wake_word.load(std::memory_order_acquire);
  sleeping.prepare_sleep();
  if (commands.load(std::memory_order_acquire) || registry_changed.load(std::memory_order_acquire) || any_queued()) {
    sleeping.awake();
    return;
  }
  timespec bound{1, 0};  // also wakes to report drops
  futex_wait(&wake_word, seen, &bound);
  sleeping.awake();
}

// ---- LogWriter --------------------------------------------------------------------------

LogWriter::LogWriter() : impl_(std::make_unique<Impl>()) {}

LogWriter& LogWriter::instance() {
  static LogWriter* writer = new LogWriter();  // never destroyed: threads may log during exit
  return *writer;
}

bool LogWriter::use(std::unique_ptr<LogSink> sink) {
  Impl& w = *impl_;
  if (w.running.load(std::memory_order_acquire)) {
    uint64_t ticket;
    {
      std::lock_guard lock(w.control_mutex);
      w.next_sink = std::move(sink);
      ticket = ++w.swap_requested;
      w.commands.store(true, std::memory_order_release);
    }
    w.wake();
    // Lines logged after use() returns go to the new output: wait (bounded) for the switch.
    std::unique_lock lock(w.control_mutex);
    w.control_cv.wait_for(lock, kSwapBound, [&] { return w.swap_done >= ticket || w.exited; });
    return true;
  }
  if (w.stuck) return false;
  w.sink = std::move(sink);
  {
    std::lock_guard lock(w.control_mutex);
    w.stop_requested = false;
    w.exited = false;
  }
  w.thread = std::thread([&w] { w.run(); });
  pthread_setname_np(w.thread.native_handle(), "zats-log");
  w.running.store(true, std::memory_order_release);
  return true;
}

bool LogWriter::running() const { return impl_->running.load(std::memory_order_acquire); }

void LogWriter::stop() {
  Impl& w = *impl_;
  if (!w.running.exchange(false, std::memory_order_acq_rel)) return;
  w.request(/*reopen=*/false, /*stop=*/true);
  std::unique_lock lock(w.control_mutex);
  bool exited = w.control_cv.wait_for(lock, kStopBound, [&] { return w.exited; });
  lock.unlock();
  if (exited) {
    w.thread.join();
  } else {
    w.thread.detach();  // blocked in a write nobody reads: the process exits without it
    w.stuck = true;
  }
}

bool LogWriter::submit(const LogEntry& e) {
  Impl& w = *impl_;
  LogRing& ring = w.ring_for_this_thread()->ring;
  size_t tag = std::min<size_t>(e.id_tag.size(), 16);
  size_t address = std::min<size_t>(e.address.size(), 256);
  size_t fixed = sizeof(RecordHeader) + tag + address;
  size_t text = std::min(e.text.size(), ring.max_record() - fixed);
  char* p = ring.reserve(fixed + text);
  if (p == nullptr) return false;
  RecordHeader h{e.wall_ns, e.cid, static_cast<uint32_t>(text), static_cast<uint16_t>(address),
                 static_cast<uint8_t>(e.level), static_cast<uint8_t>(text < e.text.size()),
                 static_cast<uint8_t>(tag)};
  std::memcpy(p, &h, sizeof h);
  // An empty view may have no data pointer at all, which memcpy must not be given.
  if (tag > 0) std::memcpy(p + sizeof h, e.id_tag.data(), tag);
  if (address > 0) std::memcpy(p + sizeof h + tag, e.address.data(), address);
  if (text > 0) std::memcpy(p + fixed, e.text.data(), text);
  ring.commit();
  if (w.sleeping.need_wake()) w.wake();
  return true;
}

void LogWriter::reopen() { impl_->request(/*reopen=*/true, /*stop=*/false); }

bool LogWriter::flush(std::chrono::milliseconds bound) {
  Impl& w = *impl_;
  if (!running()) return true;
  uint64_t ticket;
  {
    std::lock_guard lock(w.control_mutex);
    ticket = ++w.flush_requested;
    w.commands.store(true, std::memory_order_release);
  }
  w.wake();
  std::unique_lock lock(w.control_mutex);
  return w.control_cv.wait_for(lock, bound, [&] { return w.flush_done >= ticket || w.exited; });
}

uint64_t LogWriter::dropped() const {
  Impl& w = *impl_;
  std::lock_guard lock(w.registry_mutex);
  uint64_t n = w.retired_dropped.load(std::memory_order_relaxed);
  for (auto& s : w.slots) n += s->ring.dropped();
  return n;
}

}  // namespace zats::core
