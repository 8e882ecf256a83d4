// HttpRequestCounts: how many requests the monitoring port answered per endpoint path ("/varz":
// 3), what /varz shows as http_req_stats. Counted on the monitoring thread; read there and by the
// system account's services (their VARZ shows the same counts), hence the lock: both are rare.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace zats::server::monitor {

using HttpRequestStats = std::map<std::string, std::uint64_t, std::less<>>;

class HttpRequestCounts {
 public:
  void count(std::string_view path) {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(path);
    if (it == counts_.end()) it = counts_.emplace(std::string(path), 0).first;
    ++it->second;
  }
  HttpRequestStats snapshot() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }

 private:
  mutable std::mutex mutex_;
  HttpRequestStats counts_;
};

}  // namespace zats::server::monitor
