// LfhtTable: the size it asks for follows its entries both ways, the resizes run (and finish)
// on the grower's thread while entries are added, found and removed, and a table destroyed
// with a resize pending or running never races it.
#include "core/lfht_table.h"

#include <doctest/doctest.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include <memory>
#include <vector>

#include "core/rcu.h"

using zats::core::LfhtTable;
using zats::core::RcuThread;

namespace {

struct Entry {
  cds_lfht_node node;
  unsigned long key = 0;
};

int same_key(cds_lfht_node* node, const void* key) {
  return reinterpret_cast<Entry*>(node)->key == *static_cast<const unsigned long*>(key);
}

unsigned long hash_of(unsigned long key) { return key * 0x9E3779B97F4A7C15ul; }

bool contains(LfhtTable& table, unsigned long key) {
  cds_lfht_iter iter;
  cds_lfht_lookup(table.get(), hash_of(key), same_key, &key, &iter);
  return cds_lfht_iter_get_node(&iter) != nullptr;
}

// Entries are freed only after the table stopped resizing (or the test ends with none left).
struct Filled {
  LfhtTable table;
  std::vector<std::unique_ptr<Entry>> entries;

  void add(unsigned long key) {
    auto e = std::make_unique<Entry>();
    e->key = key;
    cds_lfht_node_init(&e->node);
    cds_lfht_add(table.get(), hash_of(key), &e->node);
    table.added();
    entries.push_back(std::move(e));
  }
  void remove_all() {
    for (auto& e : entries) {
      CHECK(cds_lfht_del(table.get(), &e->node) == 0);
      table.removed();
    }
  }
};

}  // namespace

TEST_CASE("lfht table: grows with its entries, every entry stays findable, and shrinks back") {
  RcuThread rcu;
  Filled f;
  CHECK(f.table.buckets_asked() == LfhtTable::kMinBuckets);
  constexpr unsigned long kEntries = 100000;
  for (unsigned long k = 0; k < kEntries; ++k) {
    f.add(k);
    if (k % 1000 == 0) zats::core::rcu_quiescent();  // let the grower's grace periods pass, as a worker would
  }
  CHECK(f.table.entries() == kEntries);
  CHECK(f.table.buckets_asked() >= kEntries);
  CHECK(f.table.buckets_asked() <= 4 * kEntries);
  zats::core::lfht_wait_resizes();
  for (unsigned long k = 0; k < kEntries; k += 97) CHECK(contains(f.table, k));
  CHECK_FALSE(contains(f.table, kEntries + 1));
  f.remove_all();
  CHECK(f.table.entries() == 0);
  CHECK(f.table.buckets_asked() == LfhtTable::kMinBuckets);
  zats::core::lfht_wait_resizes();  // the shrink waits for a grace period: this thread goes offline meanwhile
  f.table.stop_resizing();
}

TEST_CASE("lfht table: destroyed while its resizes are still asked for") {
  RcuThread rcu;
  for (int round = 0; round < 20; ++round) {
    Filled f;
    for (unsigned long k = 0; k < 5000; ++k) f.add(k);
    f.table.stop_resizing();  // no resize runs now: the entries may go without a grace period
    f.remove_all();
    CHECK(f.table.entries() == 0);
  }
}
