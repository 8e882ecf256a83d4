// Query (see query.h): Go url.ParseQuery semantics.
#include "server/monitor/query.h"

#include "proto/hex.h"

namespace zats::server::monitor {

bool Query::unescape(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = proto::hex_digit_value(in[i + 1]), lo = proto::hex_digit_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

Query::Query(std::string_view raw) {
  while (!raw.empty()) {
    std::size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    // Go 1.17+ rejects ';' separators; r.URL.Query() then drops the pair.
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    std::size_t eq = pair.find('=');
    std::string key, value;
    if (!unescape(pair.substr(0, eq), key, true)) continue;
    if (eq != std::string_view::npos && !unescape(pair.substr(eq + 1), value, true)) continue;
    pairs_.emplace_back(std::move(key), std::move(value));
  }
}

std::string Query::get(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return v;
  }
  return {};
}

bool Query::has(std::string_view name) const {
  for (const auto& kv : pairs_) {
    if (kv.first == name) return true;
  }
  return false;
}

}  // namespace zats::server::monitor
