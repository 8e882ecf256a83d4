// ClientPermissions: allow/deny matching with the reference's rules, bounded caches.
#include "server/permissions_check.h"

#include <vector>

#include "proto/subject.h"

namespace zats::server {
namespace {

// A configured subscribe entry: "subject" or "subject queue".
struct Entry {
  std::string_view subject;
  std::string_view queue;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Entry split_entry(std::string_view raw) {
  size_t a = 0;
  while (a < raw.size() && is_space(raw[a])) ++a;
  size_t b = a;
  while (b < raw.size() && !is_space(raw[b])) ++b;
  size_t c = b;
  while (c < raw.size() && is_space(raw[c])) ++c;
  size_t d = c;
  while (d < raw.size() && !is_space(raw[d])) ++d;
  return Entry{raw.substr(a, b - a), raw.substr(c, d - c)};
}

bool has_wildcard(std::string_view s) { return !proto::is_literal(s); }

// client.go queueMatches over the queue entries that matched.
bool queue_matches(std::string_view queue, const std::vector<std::string_view>& queues) {
  if (queues.empty()) return true;
  for (std::string_view q : queues)
    if (queue == q || (has_wildcard(q) && subject_is_subset_match(queue, q))) return true;
  return false;
}

// Matches `subject` against a list as a Sublist would: plain entries and queue entries apart.
bool match_list(const std::vector<std::string>& list, std::string_view subject, std::vector<std::string_view>* queues) {
  bool plain = false;
  for (const std::string& raw : list) {
    Entry e = split_entry(raw);
    if (!proto::subject_matches(e.subject, subject)) continue;
    if (e.queue.empty()) plain = true;
    else queues->push_back(e.queue);
  }
  return plain;
}

bool any_match(const std::vector<std::string>& list, std::string_view subject) {
  for (const std::string& p : list)
    if (proto::subject_matches(p, subject)) return true;
  return false;
}

}  // namespace

bool subject_is_subset_match(std::string_view subject, std::string_view test) {
  using proto::kAnyToken;
  using proto::kTrailingTokens;
  proto::SubjectTokens subject_tokens(subject);
  proto::SubjectTokens test_tokens(test);
  std::string_view t1;
  std::string_view t2;
  while (test_tokens.next(t2)) {
    if (!subject_tokens.next(t1) || t2.empty()) return false;
    if (t2 == kTrailingTokens) return true;
    if (t1.empty() || t1 == kTrailingTokens) return false;
    if (t1 == kAnyToken) {
      if (t2 != kAnyToken) return false;
      continue;
    }
    if (t2 != kAnyToken && t1 != t2) return false;
  }
  return !subject_tokens.next(t1);
}

ClientPermissions::ClientPermissions(PermissionsPtr permissions) : permissions_(std::move(permissions)) {
  const auto& pub = permissions_->publish;
  check_publish_ = pub && (pub->allow || !pub->deny.empty());
}

bool ClientPermissions::publish_allowed_by_lists(std::string_view subject) const {
  const SubjectPermission& pub = *permissions_->publish;
  bool allowed = !pub.allow || any_match(*pub.allow, subject);
  return allowed && !any_match(pub.deny, subject);
}

bool ClientPermissions::can_publish(std::string_view subject, uint64_t now_ns) {
  if (!check_publish_) return true;
  if (auto it = publish_cache_.find(subject); it != publish_cache_.end()) return it->second;
  bool allowed = publish_allowed_by_lists(subject);
  // A reply the client may answer is allowed for now only: never cached.
  if (!allowed && permissions_->response) return reply_allowed(subject, now_ns);
  if (publish_cache_.size() >= kPublishCacheMax) publish_cache_.clear();
  publish_cache_.emplace(std::string(subject), allowed);
  return allowed;
}

bool ClientPermissions::reply_allowed(std::string_view subject, uint64_t now_ns) {
  auto it = replies_.find(subject);
  if (it == replies_.end()) return false;
  const ResponsePermission& rp = *permissions_->response;
  Reply& r = it->second;
  r.count++;
  bool too_many = rp.max_msgs > 0 && r.count > rp.max_msgs;
  bool expired = rp.expires.count() > 0 && now_ns - r.since_ns > static_cast<uint64_t>(rp.expires.count());
  if (too_many || expired) {
    replies_.erase(it);
    return false;
  }
  return true;
}

void ClientPermissions::note_reply(std::string_view reply, uint64_t now_ns) {
  if (!permissions_->response || reply.empty()) return;
  auto [it, inserted] = replies_.try_emplace(std::string(reply));
  it->second = Reply{now_ns, 0};
  if (inserted && replies_.size() > kReplyLimit) prune_replies(now_ns);
}

void ClientPermissions::prune_replies(uint64_t now_ns) {
  const ResponsePermission& rp = *permissions_->response;
  for (auto it = replies_.begin(); it != replies_.end();) {
    const Reply& r = it->second;
    bool used_up = rp.max_msgs > 0 && r.count >= rp.max_msgs;
    bool expired = rp.expires.count() > 0 && now_ns - r.since_ns > static_cast<uint64_t>(rp.expires.count());
    if (used_up || expired) replies_.erase(it++);
    else ++it;
  }
}

bool ClientPermissions::subscription_allowed(std::string_view subject, std::string_view queue) const {
  const auto& sub = permissions_->subscribe;
  if (!sub) return true;
  bool allowed = true;
  std::vector<std::string_view> queues;
  // As in the reference, an empty subscribe allow list is no allow list at all.
  if (sub->allow && !sub->allow->empty()) {
    allowed = match_list(*sub->allow, subject, &queues);
    if (!queue.empty() && !queues.empty()) allowed = queue_matches(queue, queues);
  }
  if (allowed && !sub->deny.empty()) {
    queues.clear();
    allowed = !match_list(sub->deny, subject, &queues);
    if (!queue.empty() && !queues.empty()) allowed = !queue_matches(queue, queues);
  }
  return allowed;
}

bool ClientPermissions::can_subscribe(std::string_view subject, std::string_view queue) {
  bool allowed = subscription_allowed(subject, queue);
  const auto& sub = permissions_->subscribe;
  if (allowed && sub && !sub->deny.empty() && !deny_filter_ && has_wildcard(subject)) {
    for (const std::string& d : sub->deny)
      if (subject_is_subset_match(d, subject)) deny_filter_ = true;
  }
  return allowed;
}

bool ClientPermissions::delivery_denied(std::string_view subject) {
  if (!deny_filter_) return false;
  if (auto it = deny_cache_.find(subject); it != deny_cache_.end()) return it->second;
  bool denied = any_match(permissions_->subscribe->deny, subject);
  if (deny_cache_.size() >= kDenyCacheMax) deny_cache_.clear();
  deny_cache_.emplace(std::string(subject), denied);
  return denied;
}

}  // namespace zats::server
