#include "server/mesh.h"

namespace zats::server {

Mesh::Mesh(unsigned workers)
    : workers_(workers),
      room_wanted_(new RoomFlag[workers * workers]),
      marks_(new PendingMark[workers]),
      peers_(new Peer[workers]) {
  rings_.reserve(static_cast<size_t>(workers) * workers);
  for (unsigned i = 0; i < workers * workers; ++i) rings_.push_back(std::make_unique<Ring>());
}

Mesh::~Mesh() {
  // Messages still in flight at shutdown: release them so nothing leaks.
  SharedMessage* m = nullptr;
  for (auto& ring : rings_)
    while (ring->try_pop(m)) SharedMessageRef::adopt(m).reset();
}

void Mesh::post(unsigned worker, Task task) {
  Peer& p = peers_[worker];
  std::lock_guard lock(p.mailbox_mutex);
  p.mailbox.push_back(std::move(task));
  p.mailbox_full.store(true, std::memory_order_release);
}

void Mesh::run_posted(unsigned worker) {
  Peer& p = peers_[worker];
  if (!p.mailbox_full.load(std::memory_order_acquire)) return;
  std::vector<Task> tasks;
  {
    std::lock_guard lock(p.mailbox_mutex);
    tasks.swap(p.mailbox);
    p.mailbox_full.store(false, std::memory_order_relaxed);
  }
  for (Task& t : tasks) t();
}


}  // namespace zats::server
