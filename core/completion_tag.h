// CompletionTag: what an io_uring completion belongs to, packed into its 64-bit user_data as
// 8 bits operation | 24 bits slot | 32 bits generation. No heap pointers travel through the
// kernel, so a completion that outlives its socket is recognised as stale by its generation.
#pragma once

#include <cstdint>

namespace zats::core {

enum class OpKind : uint8_t {
  None = 0,
  Accept,           // slot = listener index
  Recv,             // slot/gen = socket
  Send,             // slot/gen = socket
  Cancel,           // slot/gen = socket whose ops are being cancelled
  Close,            // slot/gen = socket being closed
  WakeRead,         // the eventfd read that notify() completes
  RingMessage,      // MSG_RING from another ring; gen carries the sender's data
  RingMessageSent,  // our own MSG_RING (only failures are posted)
  Detach,           // slot/gen = socket being detached (its descriptor made plain, or a NOP)
  Shutdown,         // slot/gen = socket whose sending side is being shut down
};

struct CompletionTag {
  static constexpr uint32_t kMaxSlot = (1u << 24) - 1;

  OpKind op = OpKind::None;
  uint32_t slot = 0;  // 24 bits used
  uint32_t gen = 0;

  constexpr uint64_t pack() const {
    return (uint64_t{static_cast<uint8_t>(op)} << 56) | (uint64_t{slot & kMaxSlot} << 32) | gen;
  }
  static constexpr CompletionTag unpack(uint64_t user_data) {
    return CompletionTag{static_cast<OpKind>(user_data >> 56),
                         static_cast<uint32_t>(user_data >> 32) & kMaxSlot,
                         static_cast<uint32_t>(user_data)};
  }
};

}  // namespace zats::core
