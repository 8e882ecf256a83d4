// CompletionTag: packing op | slot | generation into user_data round-trips exactly.
#include "core/completion_tag.h"

#include <doctest/doctest.h>

using zats::core::CompletionTag;
using zats::core::OpKind;

TEST_CASE("CompletionTag packs op, 24-bit slot and 32-bit generation") {
  CompletionTag tag{OpKind::Send, CompletionTag::kMaxSlot, 0xfedcba98u};
  CompletionTag back = CompletionTag::unpack(tag.pack());
  CHECK(back.op == OpKind::Send);
  CHECK(back.slot == CompletionTag::kMaxSlot);
  CHECK(back.gen == 0xfedcba98u);
  CHECK((tag.pack() >> 56) == uint64_t(OpKind::Send));
}

TEST_CASE("CompletionTag: different generations of one slot never compare equal") {
  CompletionTag a{OpKind::Recv, 7, 1};
  CompletionTag b{OpKind::Recv, 7, 2};
  CHECK(a.pack() != b.pack());
  CHECK(CompletionTag::unpack(b.pack()).gen == 2);
}

TEST_CASE("CompletionTag: liburing's internal timeout tag is not a valid op") {
  CompletionTag t = CompletionTag::unpack(~0ull);
  CHECK(uint8_t(t.op) == 0xff);
}
