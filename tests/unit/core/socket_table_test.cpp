// SocketTable: slots are reused through a free list, always under a new generation.
#include "core/socket_table.h"

#include <doctest/doctest.h>

using zats::core::SocketId;
using zats::core::SocketTable;

TEST_CASE("SocketTable hands out slots and finds them by id") {
  SocketTable table;
  SocketId a = table.acquire(10);
  SocketId b = table.acquire(11);
  REQUIRE(a.valid());
  REQUIRE(b.valid());
  CHECK(a.slot != b.slot);
  REQUIRE(table.find(a) != nullptr);
  CHECK(table.find(a)->fd == 10);
  CHECK(table.find(b)->fd == 11);
  CHECK(table.open_count() == 2);
}

TEST_CASE("SocketTable: a released slot comes back under a new generation") {
  SocketTable table;
  SocketId old_id = table.acquire(10);
  table.release(old_id.slot);
  CHECK(table.find(old_id) == nullptr);
  SocketId new_id = table.acquire(12);
  CHECK(new_id.slot == old_id.slot);
  CHECK(new_id.gen != old_id.gen);
  CHECK(table.find(old_id) == nullptr);
  REQUIRE(table.find(new_id) != nullptr);
  CHECK(table.find(new_id)->fd == 12);
  CHECK_FALSE(table.find(new_id)->closing);
  CHECK(table.open_count() == 1);
}

TEST_CASE("SocketTable: ids out of range are not found") {
  SocketTable table;
  CHECK(table.find(SocketId{}) == nullptr);
  CHECK(table.find(SocketId{5, 1}) == nullptr);
}
