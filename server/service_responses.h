// ServiceResponses: one worker's replies in flight through service imports (docs/compatibility.md,
// Exports and imports). A request imported from account B into account A gets a new reply subject
// `_R_.<prefix>.<id>` in A, where the prefix names this worker of this server; the worker keeps
// what the response must become (B, and the request's own reply) here, and holds interest in
// `_R_.<prefix>.>` in A, so that a response published anywhere, on any worker or server, travels
// back to this worker through the ordinary interest index. Owned by one worker: no sharing, no lock.
// A Singleton entry ends with its first response, any entry with an empty one; every entry ends
// after the response threshold (2 minutes, as nats-server's default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "server/account.h"

namespace zats::server {

class ServiceResponses {
 public:
  static constexpr uint64_t kThresholdNs = 120'000'000'000;  // DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD

  struct Entry {
    AccountId exporter = kNoAccount;  // where the response must be published
    AccountId importer = kNoAccount;  // where it is delivered
    std::string reply;                // the request's reply subject, in the importer
    bool singleton = true;
    uint64_t expires_ns = 0;
  };

  // `prefix`: unique to this worker of this server (letters and digits, no dots).
  explicit ServiceResponses(std::string prefix);

  // "_R_.<prefix>.": the start of every reply subject this worker hands out.
  std::string_view subject_prefix() const { return subject_prefix_; }
  bool owns(std::string_view subject) const {
    return !entries_.empty() && subject.size() > subject_prefix_.size() && subject.substr(0, subject_prefix_.size()) == subject_prefix_;
  }
  // Records a request's reply; writes the reply subject to use in the exporter into `out`.
  void add(Entry entry, std::string& out);
  // The entry a response on `subject` (owns() was true) published in `account` maps to, or
  // nullopt (unknown, expired, another account's). A Singleton entry is gone after this, and any
  // entry after an empty response (`empty`: no headers, no payload), which ends a streamed or
  // chunked one in nats-server.
  std::optional<Entry> take(std::string_view subject, AccountId account, uint64_t now_ns, bool empty = false);
  // Drops the entries past their threshold.
  void expire(uint64_t now_ns);
  size_t size() const { return entries_.size(); }

 private:
  std::string subject_prefix_;
  uint64_t next_id_ = 1;
  absl::flat_hash_map<uint64_t, Entry> entries_;
};

}  // namespace zats::server
