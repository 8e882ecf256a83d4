// SocketTable: the reactor's per-socket state in a vector indexed by slot, with a free list.
// A slot is reused only under a new generation, so a SocketId (or a completion tag) that
// outlived its socket never finds the new owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/completion_tag.h"
#include "core/reactor.h"

namespace zats::core {

struct SocketSlot {
  int fd = -1;
  int file_index = -1;         // registered (direct) descriptor, or -1: the plain fd serves
  uint32_t gen = 1;
  uint32_t inflight = 0;       // submitted operations tagged with this slot, not yet completed
  bool in_use = false;
  bool recv_armed = false;     // a recv (multishot or single-shot) is in flight
  bool recv_paused = false;
  bool recv_ended = false;     // peer closed or recv failed: never re-armed
  bool rearm_queued = false;   // in the reactor's re-arm list
  bool send_busy = false;
  bool closing = false;
  bool close_submitted = false;
  bool detaching = false;      // detach(): the descriptor goes back to the handler, not closed
  const char* send_data = nullptr;
  msghdr* send_msg = nullptr;  // a gathered send (send_message), else send_data serves
  size_t send_size = 0;
  size_t send_done = 0;
};

class SocketTable {
 public:
  // Returns an invalid id when every one of the 2^24 slots is taken.
  SocketId acquire(int fd) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      if (slots_.size() > CompletionTag::kMaxSlot) return SocketId{};
      slot = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    SocketSlot& s = slots_[slot];
    uint32_t gen = s.gen;
    s = SocketSlot{};
    s.gen = gen;
    s.fd = fd;
    s.in_use = true;
    ++open_;
    return SocketId{slot, gen};
  }

  SocketSlot* find(uint32_t slot, uint32_t gen) {
    if (slot >= slots_.size()) return nullptr;
    SocketSlot& s = slots_[slot];
    return s.in_use && s.gen == gen ? &s : nullptr;
  }
  SocketSlot* find(SocketId id) { return find(id.slot, id.gen); }
  const SocketSlot* find(SocketId id) const {
    return const_cast<SocketTable*>(this)->find(id.slot, id.gen);
  }

  // Retires the slot: its generation moves on, so old ids and tags go stale.
  void release(uint32_t slot) {
    SocketSlot& s = slots_[slot];
    s.in_use = false;
    s.fd = -1;
    s.gen = s.gen + 1 == 0 ? 1 : s.gen + 1;
    free_.push_back(slot);
    --open_;
  }

  size_t open_count() const { return open_; }

  template <class F>
  void for_each_open(F&& f) {
    for (SocketSlot& s : slots_)
      if (s.in_use) f(s);
  }

 private:
  std::vector<SocketSlot> slots_;
  std::vector<uint32_t> free_;
  size_t open_ = 0;
};

}  // namespace zats::core
