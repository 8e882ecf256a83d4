// Query parameter decoding (see params.h). Once `error` is set, later calls leave it alone so
// the first bad parameter is the one reported, as in nats-server's handlers.
#include "server/monitor/params.h"

#include "server/monitor/go_format.h"

namespace zats::server::monitor {
namespace {

std::string decode_error(const char* type, const char* name, const std::string& why) {
  return std::string("Error decoding ") + type + " for '" + name + "': " + why;
}

}  // namespace

bool decode_bool_param(const Query& q, const char* name, std::string& error) {
  std::string s = q.get(name);
  if (!error.empty() || s.empty()) return false;
  auto p = go_parse_bool(s);
  if (!p.ok()) error = decode_error("boolean", name, p.error);
  return p.value.value_or(false);
}

std::int64_t decode_int_param(const Query& q, const char* name, std::string& error) {
  std::string s = q.get(name);
  if (!error.empty() || s.empty()) return 0;
  auto p = go_atoi(s);
  if (!p.ok()) error = decode_error("int", name, p.error);
  return p.value.value_or(0);
}

std::uint64_t decode_uint64_param(const Query& q, const char* name, std::string& error) {
  std::string s = q.get(name);
  if (!error.empty() || s.empty()) return 0;
  auto p = go_parse_uint(s);
  if (!p.ok()) error = decode_error("uint64", name, p.error);
  return p.value.value_or(0);
}

}  // namespace zats::server::monitor
