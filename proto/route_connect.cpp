// RouteConnect: the reference's route connectInfo (route.go) in its field order; decoding
// fills it the way Go's encoding/json does, through json_fields.h.
#include "proto/route_connect.h"

#include "proto/json_fields.h"
#include "proto/json_string.h"

namespace zats::proto {
namespace {

using json_fields::assign_bool;
using json_fields::assign_string;
using json_fields::element;
using json_fields::equals_ignoring_ascii_case;

void field(std::string& out, std::string_view name) {
  if (out.back() != '{') out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
}

void bool_field(std::string& out, std::string_view name, bool value) {
  field(out, name);
  out.append(value ? "true" : "false");
}

void string_field(std::string& out, std::string_view name, std::string_view value) {
  field(out, name);
  append_json_string(out, value);
}

bool apply_field(std::string_view key, element value, RouteConnect& c) {
  struct BoolField { std::string_view name; bool RouteConnect::*member; };
  struct StringField { std::string_view name; std::string RouteConnect::*member; };
  static constexpr BoolField kBools[] = {
      {"echo", &RouteConnect::echo},       {"verbose", &RouteConnect::verbose},
      {"pedantic", &RouteConnect::pedantic}, {"tls_required", &RouteConnect::tls_required},
      {"headers", &RouteConnect::headers}, {"cluster_dynamic", &RouteConnect::cluster_dynamic},
      {"lnoc", &RouteConnect::lnoc}};
  static const StringField kStrings[] = {
      {"user", &RouteConnect::user},       {"pass", &RouteConnect::pass},
      {"name", &RouteConnect::name},       {"cluster", &RouteConnect::cluster},
      {"gateway", &RouteConnect::gateway}, {"lang", &RouteConnect::lang}};
  for (const auto& f : kBools)
    if (equals_ignoring_ascii_case(key, f.name)) return assign_bool(value, c.*f.member);
  for (const auto& f : kStrings)
    if (equals_ignoring_ascii_case(key, f.name)) return assign_string(value, c.*f.member);
  return true;  // unknown fields are ignored
}

}  // namespace

void append_route_connect(std::string& out, const RouteConnect& c) {
  out.append("CONNECT {");
  bool_field(out, "echo", c.echo);
  bool_field(out, "verbose", c.verbose);
  bool_field(out, "pedantic", c.pedantic);
  if (!c.user.empty()) string_field(out, "user", c.user);
  if (!c.pass.empty()) string_field(out, "pass", c.pass);
  bool_field(out, "tls_required", c.tls_required);
  bool_field(out, "headers", c.headers);
  string_field(out, "name", c.name);
  string_field(out, "cluster", c.cluster);
  if (c.cluster_dynamic) bool_field(out, "cluster_dynamic", true);
  if (c.lnoc) bool_field(out, "lnoc", true);
  if (!c.gateway.empty()) string_field(out, "gateway", c.gateway);
  out.append("}\r\n");
}

std::optional<RouteConnect> parse_route_connect(std::string_view json) {
  RouteConnect c;
  c.echo = c.headers = false;  // what the JSON does not say is Go's zero value
  if (!json_fields::decode_object(json, c, apply_field)) return std::nullopt;
  return c;
}

}  // namespace zats::proto
