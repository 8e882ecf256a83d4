// Permissions as configured for a user (docs/compatibility.md, Permissions): which subjects it may
// publish to and subscribe to (an allow list, a deny list, or both), and whether it may answer
// requests it receives (allow_responses). Plain data, immutable once built; shared between users.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zats::server {

struct SubjectPermission {
  // nullopt: no allow list (everything allowed unless denied); an empty list allows nothing.
  std::optional<std::vector<std::string>> allow;
  std::vector<std::string> deny;
  bool operator==(const SubjectPermission&) const = default;
};

// allow_responses: each reply subject of a message delivered to the client may be published
// to up to max_msgs times within expires (client.go deliverMsg / pubAllowedFullCheck).
struct ResponsePermission {
  int64_t max_msgs = 1;                                    // < 0: unlimited
  std::chrono::nanoseconds expires = std::chrono::minutes(2);  // < 0: never
  bool operator==(const ResponsePermission&) const = default;
};

struct Permissions {
  std::optional<SubjectPermission> publish;
  std::optional<SubjectPermission> subscribe;
  std::optional<ResponsePermission> response;
  bool operator==(const Permissions&) const = default;
};

using PermissionsPtr = std::shared_ptr<const Permissions>;

inline bool same_permissions(const PermissionsPtr& a, const PermissionsPtr& b) {
  if (a == b) return true;
  return a && b && *a == *b;
}

}  // namespace zats::server
