// InterestSnapshot: all of this server's local interest, as RS+ lines for a route that has just
// come up, produced on a thread of its own (InterestIndex::visit_local, lock-free) so that a
// route meeting a million subscriptions never stalls its worker's clients, nor the other
// workers' SUBs (nats-server #3571 chokes here). The route takes the lines in chunks as they
// come; until the last one is taken it holds back interest changes and messages for the peer,
// so the peer learns the snapshot first, then each change, then what depends on them.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/permissions.h"
#include "server/server_context.h"

namespace zats::cluster {

class InterestSnapshot {
 public:
  // `import` bounds the subjects announced; `wake` is called (from the snapshot's thread) when
  // lines are ready to take.
  InterestSnapshot(server::ServerContext& context, std::optional<server::SubjectPermission> import,
                   std::function<void()> wake);
  // Stops the walk early if it is still going, and waits for the thread.
  ~InterestSnapshot();
  InterestSnapshot(const InterestSnapshot&) = delete;
  InterestSnapshot& operator=(const InterestSnapshot&) = delete;

  // Owner's thread: appends the lines produced so far to `out`; true once all of them were.
  bool take(std::string& out);

 private:
  void run();
  void flush_chunk(std::string& chunk, bool last);

  server::ServerContext& context_;
  std::optional<server::SubjectPermission> import_;
  std::function<void()> wake_;
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::vector<std::string> chunks_;
  bool done_ = false;
  std::thread thread_;
};

// Whether a subject passes a route permission: its allow list first (when it has one), then
// its deny list (route.go canImport / canExport).
bool route_permits(const std::optional<server::SubjectPermission>& permission, std::string_view subject);

}  // namespace zats::cluster
