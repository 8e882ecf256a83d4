// parse_connect: CONNECT JSON unmarshalled the way Go's encoding/json fills the reference's
// ClientOpts: keys match field names case-insensitively, later duplicates win, null leaves
// a field as it was, a value of the wrong type fails the whole CONNECT.
#include "proto/connect.h"

#include "proto/json_fields.h"

namespace zats::proto {

namespace {

using json_fields::assign_bool;
using json_fields::assign_int;
using json_fields::assign_string;
using json_fields::element;
using json_fields::equals_ignoring_ascii_case;

// "account" is a string, "new_account" a bool: either one set means the client asked
// for an account designation, which the reference always refuses.
bool note_account(element value, std::string_view key, ConnectOptions& options) {
  if (equals_ignoring_ascii_case(key, "account")) {
    std::string account;
    if (!assign_string(value, account)) return false;
    if (!account.empty()) options.has_account = true;
    return true;
  }
  bool new_account = false;
  if (!assign_bool(value, new_account)) return false;
  if (new_account) options.has_account = true;
  return true;
}

// Applies one key/value pair; false when the value has the wrong type for a known field.
bool apply_field(std::string_view key, element value, ConnectOptions& options) {
  struct BoolField { std::string_view name; bool ConnectOptions::*member; };
  struct StringField { std::string_view name; std::string ConnectOptions::*member; };
  static constexpr BoolField kBools[] = {
      {"verbose", &ConnectOptions::verbose},       {"pedantic", &ConnectOptions::pedantic},
      {"echo", &ConnectOptions::echo},             {"tls_required", &ConnectOptions::tls_required},
      {"headers", &ConnectOptions::headers},       {"no_responders", &ConnectOptions::no_responders}};
  static const StringField kStrings[] = {
      {"auth_token", &ConnectOptions::auth_token}, {"user", &ConnectOptions::user},
      {"pass", &ConnectOptions::pass},             {"name", &ConnectOptions::name},
      {"lang", &ConnectOptions::lang},             {"version", &ConnectOptions::version},
      {"jwt", &ConnectOptions::jwt},               {"nkey", &ConnectOptions::nkey},
      {"sig", &ConnectOptions::sig}};
  for (const auto& field : kBools) {
    if (equals_ignoring_ascii_case(key, field.name)) return assign_bool(value, options.*field.member);
  }
  for (const auto& field : kStrings) {
    if (equals_ignoring_ascii_case(key, field.name)) {
      return assign_string(value, options.*field.member);
    }
  }
  if (equals_ignoring_ascii_case(key, "protocol")) return assign_int(value, options.protocol);
  if (equals_ignoring_ascii_case(key, "account") || equals_ignoring_ascii_case(key, "new_account")) {
    return note_account(value, key, options);
  }
  return true;  // unknown fields are ignored
}

}  // namespace

std::optional<ConnectOptions> parse_connect(std::string_view json) {
  return parse_connect(json, ConnectOptions{});
}

std::optional<ConnectOptions> parse_connect(std::string_view json, const ConnectOptions& base) {
  ConnectOptions options = base;
  if (!json_fields::decode_object(json, options, apply_field)) return std::nullopt;
  return options;
}

}  // namespace zats::proto
