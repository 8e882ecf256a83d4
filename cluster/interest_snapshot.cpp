#include "cluster/interest_snapshot.h"

#include <algorithm>

#include "core/rcu.h"
#include "proto/encode.h"
#include "proto/subject.h"

namespace zats::cluster {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;

}  // namespace

bool route_permits(const std::optional<server::SubjectPermission>& permission, std::string_view subject) {
  if (!permission) return true;
  if (permission->allow) {
    const bool allowed = std::any_of(permission->allow->begin(), permission->allow->end(),
                                     [&](const std::string& pattern) { return proto::subject_matches(pattern, subject); });
    if (!allowed) return false;
  }
  return std::none_of(permission->deny.begin(), permission->deny.end(),
                      [&](const std::string& pattern) { return proto::subject_matches(pattern, subject); });
}

InterestSnapshot::InterestSnapshot(server::ServerContext& context, std::optional<server::SubjectPermission> import,
                                   std::function<void()> wake)
    : context_(context), import_(std::move(import)), wake_(std::move(wake)) {
  thread_ = std::thread([this] { run(); });
}

InterestSnapshot::~InterestSnapshot() {
  cancelled_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

bool InterestSnapshot::take(std::string& out) {
  std::vector<std::string> chunks;
  bool done = false;
  {
    std::lock_guard lock(mu_);
    chunks.swap(chunks_);
    done = done_;
  }
  for (const std::string& chunk : chunks) out.append(chunk);
  return done;
}

// One walk per account, online for RCU the whole time (nothing it reads is freed under it).
void InterestSnapshot::run() {
  core::RcuThread rcu;
  std::string chunk;
  const auto stop = [this] { return cancelled_.load(std::memory_order_relaxed); };
  for (server::AccountId a = 0; a < context_.accounts.size() && !stop(); ++a) {
    const std::string& account = context_.accounts.name(a);
    context_.interest[a]->visit_local(
        [&](std::string_view subject, std::string_view queue, uint32_t weight) {
          if (!route_permits(import_, subject)) return;
          proto::append_remote_sub(chunk, account, subject, queue, weight);
          if (chunk.size() >= kChunkBytes) flush_chunk(chunk, false);
        },
        stop);
  }
  flush_chunk(chunk, true);
}

void InterestSnapshot::flush_chunk(std::string& chunk, bool last) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    first = chunks_.empty() && !done_;
    if (!chunk.empty()) chunks_.push_back(std::move(chunk));
    chunk.clear();
    if (last) done_ = true;
  }
  // The route takes everything there is each time it is woken; one wake per batch is enough.
  if (first || last) wake_();
}

}  // namespace zats::cluster
