#include "server/service_responses.h"

#include <charconv>

namespace zats::server {

ServiceResponses::ServiceResponses(std::string prefix) : subject_prefix_("_R_." + prefix + ".") {}

void ServiceResponses::add(Entry entry, std::string& out) {
  const uint64_t id = next_id_++;
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, id, 36);
  out.assign(subject_prefix_);
  out.append(digits, end);
  entries_.emplace(id, std::move(entry));
}

std::optional<ServiceResponses::Entry> ServiceResponses::take(std::string_view subject, AccountId account,
                                                              uint64_t now_ns, bool empty) {
  std::string_view id_text = subject.substr(subject_prefix_.size());
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id, 36);
  if (ec != std::errc() || end != id_text.data() + id_text.size()) return std::nullopt;
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.exporter != account) return std::nullopt;
  if (it->second.expires_ns <= now_ns) {
    entries_.erase(it);
    return std::nullopt;
  }
  if (!it->second.singleton && !empty) return it->second;
  Entry e = std::move(it->second);
  entries_.erase(it);
  return e;
}

void ServiceResponses::expire(uint64_t now_ns) {
  absl::erase_if(entries_, [now_ns](const auto& kv) { return kv.second.expires_ns <= now_ns; });
}

}  // namespace zats::server
