// Handover: one client connection moving from one worker to another (worker_handover.cpp has
// the protocol and why it keeps every message exactly once and in order). Shared between the
// two workers; each field is written by one side only, and what crosses from one to the other
// is handed over through a posted task (the mailbox's lock orders it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/reactor.h"
#include "server/account.h"
#include "server/connection.h"
#include "server/shared_message.h"

namespace zats::server {

struct Handover {
  uint64_t id = 0;  // server-wide, for the markers in the rings
  unsigned from = 0;
  unsigned to = 0;
  AccountId account = 0;
  core::SocketId socket;              // on `from`
  std::vector<std::string> subjects;  // the connection's subscriptions (plain ones only)
  uint64_t started_ns = 0;            // on `from`'s clock: the client's reads paused then

  // `from`'s side.
  unsigned barriers = 0;   // Barrier markers received (one from every other worker)
  bool switched = false;   // `from` no longer delivers to it
  bool detaching = false;  // its socket is being detached

  // Set by `from` before it posts the arrival: by origin worker, the origin_seq of the last
  // message `from` delivered to it (from's own entry: the last message from made).
  std::vector<uint64_t> delivered_through;
  std::unique_ptr<Connection> connection;
  int fd = -1;

  // `to`'s side.
  std::vector<SharedMessageRef> captured;  // messages for it that arrived before it did
  bool arrived = false;
  core::SocketId arrived_as;
  unsigned released = 0;  // workers that have delivered all it published on `from`
};

}  // namespace zats::server
