// ClientPermissions: one connection's permissions, compiled for the hot path (client.go
// pubAllowedFullCheck, canSubscribe, checkDenySub). Publish results are cached per subject in
// a small bounded map, so a repeated subject is one hash lookup and no list walk; replies the
// client may answer (allow_responses) are tracked per delivered reply subject. Owned by one
// Client and used on its worker's thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/permissions.h"
#include "server/sublist_string_map.h"

namespace zats::server {

class ClientPermissions {
 public:
  explicit ClientPermissions(PermissionsPtr permissions);

  bool can_publish(std::string_view subject, uint64_t now_ns);
  // Also arms the delivery deny filter when a wildcard subscription overlaps a deny entry.
  bool can_subscribe(std::string_view subject, std::string_view queue);
  // The same check without side effects (reload re-checks existing subscriptions).
  bool subscription_allowed(std::string_view subject, std::string_view queue) const;
  // True when a message on `subject` must not be delivered (subscribe deny entries).
  bool delivery_denied(std::string_view subject);
  // allow_responses: a message with this reply subject was delivered to the client.
  void note_reply(std::string_view reply, uint64_t now_ns);
  bool tracks_replies() const { return permissions_->response.has_value(); }
  const PermissionsPtr& permissions() const { return permissions_; }

  static constexpr size_t kPublishCacheMax = 128;   // client.go maxPermCacheSize
  static constexpr size_t kDenyCacheMax = 256;      // client.go maxDenyPermCacheSize
  static constexpr size_t kReplyLimit = 4096;       // client.go replyPermLimit

 private:
  struct Reply {
    uint64_t since_ns = 0;
    int64_t count = 0;
  };
  bool publish_allowed_by_lists(std::string_view subject) const;
  bool reply_allowed(std::string_view subject, uint64_t now_ns);
  void prune_replies(uint64_t now_ns);

  PermissionsPtr permissions_;
  bool check_publish_ = false;
  bool deny_filter_ = false;
  StringMap<bool> publish_cache_;
  StringMap<bool> deny_cache_;
  StringMap<Reply> replies_;
};

// sublist.go subjectIsSubsetMatch: is every subject matched by `subject` also matched by `test`?
bool subject_is_subset_match(std::string_view subject, std::string_view test);

}  // namespace zats::server
