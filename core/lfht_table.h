// LfhtTable: one liburcu lock-free hash table (cds_lfht), owned, and sized by its owner's own
// count of entries: the owner calls added()/removed() under its writer lock, and when the count
// leaves the band the current size suits, a resize is asked of a thread of the process's own
// (one for all tables), never run on the caller's thread.
//
// Why not the table's automatic resizing (CDS_LFHT_AUTO_RESIZE): in liburcu 0.13 it can stop
// for good. The thread that launches a lazy resize marks the table "resize initiated" only
// after queueing the work; when the resize thread runs the whole resize in between (on a busy
// box the wake-up alone can preempt the launcher), it clears the mark first, the launcher then
// sets it, and no resize is ever launched again: the table keeps 64 buckets and every lookup
// walks chains thousands of entries long (a route re-sync of 500k subscriptions took 40 s
// instead of 0.7 s, and every publish to a literal subject of that account paid the same).
//
// Threads: as for any cds_lfht, callers are registered RCU threads. The resizing thread stays
// online while it resizes, so nothing it walks is freed under it.
#pragma once

#include <cstddef>
#include <memory>

struct cds_lfht;

namespace zats::core {

class TableGrower;

class LfhtTable {
 public:
  LfhtTable();
  // Waits for a resize of this table in progress (offline meanwhile), then destroys it; the
  // owner must have removed every entry.
  ~LfhtTable();
  LfhtTable(const LfhtTable&) = delete;
  LfhtTable& operator=(const LfhtTable&) = delete;

  cds_lfht* get() const { return table_; }

  // One entry more / fewer (the owner's writer lock held).
  void added();
  void removed();

  // Cancels a pending resize and waits for one in progress (offline meanwhile); later
  // added()/removed() ask for none. For an owner about to free entries without a grace period.
  void stop_resizing();

  size_t entries() const { return entries_; }
  size_t buckets_asked() const { return buckets_; }

  static constexpr size_t kMinBuckets = 64;

 private:
  void ask(size_t buckets);

  std::shared_ptr<TableGrower> grower_;
  cds_lfht* table_;
  size_t entries_ = 0;
  size_t buckets_ = kMinBuckets;  // the size last asked for
  bool resizing_stopped_ = false;
};

// Blocks until every resize asked so far (of any table) has been done. For tests.
void lfht_wait_resizes();

}  // namespace zats::core
