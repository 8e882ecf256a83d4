// Go's net.SplitHostPort, strconv.Atoi and nats-server's parseHostPort, with their error texts.
#include "server/config/host_port.h"

#include "proto/encode.h"

namespace zats::server::config {
namespace {

constexpr std::string_view kMissingPort = "missing port in address";
constexpr std::string_view kTooManyColons = "too many colons in address";

// Go's net.AddrError text.
std::string addr_error(std::string_view addr, std::string_view why) {
  if (addr.empty()) return std::string(why);
  return "address " + std::string(addr) + ": " + std::string(why);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

std::string split_host_port(std::string_view hostport, std::string* host, std::string* port) {
  const size_t last_colon = hostport.rfind(':');
  if (last_colon == std::string_view::npos) return addr_error(hostport, kMissingPort);
  size_t no_open_from = 0;   // where a '[' may no longer appear
  size_t no_close_from = 0;  // where a ']' may no longer appear
  std::string_view h;
  if (hostport.front() == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos) return addr_error(hostport, "missing ']' in address");
    if (end + 1 == hostport.size()) return addr_error(hostport, kMissingPort);
    if (end + 1 != last_colon) {
      return addr_error(hostport, hostport[end + 1] == ':' ? kTooManyColons : kMissingPort);
    }
    h = hostport.substr(1, end - 1);
    no_open_from = 1;
    no_close_from = end + 1;
  } else {
    h = hostport.substr(0, last_colon);
    if (h.find(':') != std::string_view::npos) return addr_error(hostport, kTooManyColons);
  }
  if (hostport.find('[', no_open_from) != std::string_view::npos)
    return addr_error(hostport, "unexpected '[' in address");
  if (hostport.find(']', no_close_from) != std::string_view::npos)
    return addr_error(hostport, "unexpected ']' in address");
  *host = std::string(h);
  *port = std::string(hostport.substr(last_colon + 1));
  return {};
}

std::string go_atoi(std::string_view text, int64_t* out) {
  const std::string prefix = "strconv.Atoi: parsing " + proto::go_quoted(text) + ": ";
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (digits.empty()) return prefix + "invalid syntax";
  // As strconv.ParseUint, then ParseInt's range check: an overflow of 64 unsigned bits wins over
  // a later bad character; a bad character wins over a value that only overflows int64.
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return prefix + "invalid syntax";
    const auto d = static_cast<uint64_t>(c - '0');
    if (n >= UINT64_MAX / 10 + 1) return prefix + "value out of range";
    const uint64_t next = n * 10 + d;
    if (next < n * 10) return prefix + "value out of range";
    n = next;
  }
  const uint64_t int64_limit = uint64_t{1} << 63;
  if (negative ? n > int64_limit : n >= int64_limit) return prefix + "value out of range";
  *out = negative ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return {};
}

std::string parse_host_port(std::string_view hostport, int default_port, std::string* host, int64_t* port) {
  if (hostport.empty()) return "no hostport specified";
  std::string h, p;
  std::string error = split_host_port(hostport, &h, &p);
  if (!error.empty() && error.ends_with(kMissingPort)) {
    error = split_host_port(std::string(hostport) + ":" + std::to_string(default_port), &h, &p);
  }
  if (!error.empty()) return error;
  int64_t n = 0;
  if (std::string why = go_atoi(trim_space(p), &n); !why.empty()) return why;
  *port = (n == 0 || n == -1) ? default_port : n;
  *host = std::string(trim_space(h));
  return {};
}

std::string_view trim_space(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace zats::server::config
