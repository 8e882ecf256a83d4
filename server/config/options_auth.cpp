// The `authorization` block, users lists and permissions (opts.go parseAuthorization,
// parseUsers, parseUserPermissions, parseSubjectPermission, parseAllowResponses).
#include <algorithm>
#include <set>

#include "proto/subject.h"
#include "server/auth/nkey.h"
#include "server/config/duration.h"
#include "server/config/options_reader.h"

namespace zats::server::config {
namespace {

// %v of a scalar, as the reference prints a value it did not expect.
std::string go_value_text(const ConfigValue& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return std::string(v.go_type_name());
}

// opts.go checkPermSubjectArray: a subject, or "subject queue".
std::string check_perm_subject(const std::string& s) {
  if (proto::is_valid_subject(s)) return {};
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    size_t start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i > start) fields.push_back(s.substr(start, i - start));
  }
  if (fields.size() != 2) return "subject \"" + s + "\" is not a valid subject";
  if (!proto::is_valid_subject(fields[0])) return "subject \"" + fields[0] + "\" is not a valid subject";
  return {};
}

bool read_subjects(OptionsReader& r, const ConfigMapEntry& e, std::vector<std::string>* out) {
  if (e.value.is_string()) {
    out->push_back(e.value.as_string());
  } else if (e.value.is_array()) {
    for (const ConfigValue& v : e.value.as_array()) {
      if (!v.is_string()) {
        r.error(v.pos(), "Subject in permissions array cannot be cast to string");
        return false;
      }
      out->push_back(v.as_string());
    }
  } else {
    r.error(e.key_pos, "Expected subject permissions to be a subject, or array of subjects, got " +
                           std::string(e.value.go_type_name()));
    return false;
  }
  for (const std::string& s : *out) {
    if (std::string why = check_perm_subject(s); !why.empty()) {
      r.error(e.key_pos, why);
      return false;
    }
  }
  return true;
}

// A subject or list (= allow list), or {allow, deny}; an empty map means no permission.
std::optional<SubjectPermission> read_subject_permission(OptionsReader& r, const ConfigMapEntry& e) {
  SubjectPermission p;
  if (!e.value.is_map()) {
    std::vector<std::string> allow;
    if (!read_subjects(r, e, &allow)) return std::nullopt;
    p.allow = std::move(allow);
    return p;
  }
  if (e.value.as_map().empty()) return std::nullopt;
  for (const ConfigMapEntry& k : e.value.as_map()) {
    if (k.lower_key == "allow") {
      std::vector<std::string> allow;
      if (read_subjects(r, k, &allow)) p.allow = std::move(allow);
    } else if (k.lower_key == "deny") {
      read_subjects(r, k, &p.deny);
    } else if (!k.used_as_variable) {
      r.error(k.key_pos, "Unknown field name \"" + k.key +
                             "\" parsing subject permissions, only 'allow' or 'deny' are permitted");
    }
  }
  return p;
}

std::optional<ResponsePermission> read_allow_responses(OptionsReader& r, const ConfigMapEntry& e) {
  if (e.value.is_bool()) return e.value.as_bool() ? std::optional<ResponsePermission>(ResponsePermission{}) : std::nullopt;
  if (!e.value.is_map()) {
    r.error(e.key_pos, "error parsing response permissions, expected a boolean or a map");
    return std::nullopt;
  }
  ResponsePermission rp;
  for (const ConfigMapEntry& k : e.value.as_map()) {
    const std::string& key = k.lower_key;
    if (key == "max" || key == "max_msgs" || key == "max_messages" || key == "max_responses") {
      int64_t n = 0;
      if (r.get_int(k, &n) && n != 0) rp.max_msgs = n;  // 0 keeps the default; < 0 is unlimited
    } else if (key == "expires" || key == "expiration" || key == "ttl") {
      if (!k.value.is_string()) {
        r.error(k.key_pos, "error parsing expires, not a duration string");
        return std::nullopt;
      }
      int64_t nanos = 0;
      std::string why;
      if (!parse_go_duration(k.value.as_string(), &nanos, &why)) {
        r.error(k.key_pos, "error parsing expires: " + why);
        return std::nullopt;
      }
      if (nanos != 0) rp.expires = Nanos(nanos);
    } else if (!k.used_as_variable) {
      r.error(k.key_pos, "Unknown field \"" + k.key + "\" parsing permissions");
    }
  }
  return rp;
}

void apply_default_permissions(std::vector<auth::User>& users, size_t from, const PermissionsPtr& defaults) {
  if (!defaults) return;
  for (size_t i = from; i < users.size(); ++i)
    if (!users[i].permissions) users[i].permissions = defaults;
}

bool read_connection_types(OptionsReader& r, const ConfigMapEntry& e, bool* standard) {
  std::vector<std::string> types;
  if (!r.get_string_list(e, "allowed connection types", &types)) return false;
  std::vector<std::string> unknown;
  *standard = types.empty();
  for (std::string t : types) {
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (t == "STANDARD") *standard = true;
    else if (t != "WEBSOCKET" && t != "LEAFNODE" && t != "LEAFNODE_WS" && t != "MQTT" && t != "MQTT_WS")
      unknown.push_back(t);
  }
  if (!unknown.empty()) {
    std::string list = "[";
    for (size_t i = 0; i < unknown.size(); ++i) list += (i ? " \"" : "\"") + unknown[i] + "\"";
    r.error(e.key_pos, "invalid connection types " + list + "]");
    return false;
  }
  return true;
}

}  // namespace

PermissionsPtr read_permissions(OptionsReader& r, const ConfigMapEntry& entry) {
  if (!entry.value.is_map()) {
    r.error(entry.key_pos, "Expected permissions to be a map/struct, got " + go_value_text(entry.value));
    return nullptr;
  }
  auto p = std::make_shared<Permissions>();
  for (const ConfigMapEntry& k : entry.value.as_map()) {
    const std::string& key = k.lower_key;
    if (key == "pub" || key == "publish" || key == "import") {
      p->publish = read_subject_permission(r, k);
    } else if (key == "sub" || key == "subscribe" || key == "export") {
      p->subscribe = read_subject_permission(r, k);
    } else if (key == "publish_allow_responses" || key == "allow_responses") {
      p->response = read_allow_responses(r, k);
    } else if (!k.used_as_variable) {
      r.error(k.key_pos, "Unknown field \"" + k.key + "\" parsing permissions");
    }
  }
  // Responses turn the blanket publish allow off (only replies, unless publish allows more).
  if (p->response) {
    if (!p->publish) p->publish = SubjectPermission{};
    if (!p->publish->allow) p->publish->allow = std::vector<std::string>{};
  }
  return p;
}

bool read_users(OptionsReader& r, const ConfigMapEntry& entry, std::vector<auth::User>* users) {
  if (!entry.value.is_array()) {
    r.error(entry.key_pos, "Expected users field to be an array, got " + go_value_text(entry.value));
    return false;
  }
  for (const ConfigValue& v : entry.value.as_array()) {
    if (!v.is_map()) {
      r.error(v.pos(), "Expected user entry to be a map/struct, got " + go_value_text(v));
      continue;
    }
    auth::User user;
    for (const ConfigMapEntry& k : v.as_map()) {
      const std::string& key = k.lower_key;
      if (key == "user" || key == "username") {
        r.get_string(k, &user.name);
      } else if (key == "pass" || key == "password") {
        r.get_string(k, &user.password);
      } else if (key == "permission" || key == "permissions" || key == "authorization") {
        user.permissions = read_permissions(r, k);
      } else if (key == "allowed_connection_types" || key == "connection_types" || key == "clients") {
        read_connection_types(r, k, &user.standard_connections_allowed);
      } else if (key == "nkey") {
        if (!r.get_string(k, &user.nkey)) return false;  // the reference stops at the bad entry
      } else {
        r.unknown_field(k);
      }
    }
    if (user.name.empty() && user.nkey.empty()) {
      r.error(v.pos(), "User entry requires a user");
      return false;
    }
    if (user.is_nkey()) {
      // The reference names the entry's last field (with one field, the nkey itself).
      const SourcePos& where = v.as_map().entries().back().key_pos;
      if (!auth::is_public_nkey(user.nkey, auth::NkeyKind::User)) {
        r.error(where, "Not a valid public nkey for a user");
        return false;
      }
      if (!user.name.empty() || !user.password.empty()) {
        r.error(where, "Nkey users do not take usernames or passwords");
        return false;
      }
    }
    users->push_back(std::move(user));
  }
  return true;
}

std::set<std::string> user_keys(const std::vector<auth::User>& users) {
  std::set<std::string> keys;
  for (const auth::User& u : users) keys.insert(u.key());
  return keys;
}

std::string duplicate_user_error(const auth::User& u) {
  return u.is_nkey() ? "Duplicate nkey \"" + u.nkey + "\" detected" : "Duplicate user \"" + u.name + "\" detected";
}

bool read_authorization_block(OptionsReader& r, const ConfigMapEntry& entry, AuthorizationBlock* out) {
  const ConfigMap* block = r.get_map(entry);
  if (block == nullptr) return false;
  for (const ConfigMapEntry& k : *block) {
    const std::string& key = k.lower_key;
    if (key == "user" || key == "username") {
      r.get_string(k, &out->user);
    } else if (key == "pass" || key == "password") {
      r.get_string(k, &out->password);
    } else if (key == "token") {
      r.get_string(k, &out->token);
    } else if (key == "timeout") {
      double seconds = 1;  // the reference's value for a timeout of another type
      if (k.value.is_int()) seconds = static_cast<double>(k.value.as_int());
      if (k.value.is_float()) seconds = k.value.as_float();
      out->timeout = Nanos(go_float_seconds_to_nanos(seconds));
    } else if (key == "users") {
      out->users_given = true;
      out->users_read = read_users(r, k, &out->users);
    } else if (key == "default_permission" || key == "default_permissions" || key == "permissions") {
      out->default_permissions = read_permissions(r, k);
    } else {
      r.unknown_field(k);
    }
  }
  apply_default_permissions(out->users, 0, out->default_permissions);
  return true;
}

void read_authorization(OptionsReader& r, const ConfigMapEntry& entry, Options& o) {
  AuthorizationBlock block;
  if (!read_authorization_block(r, entry, &block)) return;
  o.username = block.user;
  o.password = block.password;
  o.token = block.token;
  if (block.timeout) o.auth_timeout = *block.timeout;
  const std::string& user = block.user;
  const std::string& token = block.token;
  if ((!user.empty() || !block.password.empty()) && !token.empty())
    return r.error(entry.key_pos, "Cannot have a user/pass and token");
  if (block.users_given || !o.users.empty()) {
    if (!user.empty()) return r.error(entry.key_pos, "Can not have a single user/pass and a users array");
    if (!token.empty()) return r.error(entry.key_pos, "Can not have a token and a users array");
    std::set<std::string> names = user_keys(o.users);
    for (auth::User& u : block.users) {
      if (!names.insert(u.key()).second) return r.error(entry.key_pos, duplicate_user_error(u));
      o.users.push_back(std::move(u));
    }
  }
}

}  // namespace zats::server::config
