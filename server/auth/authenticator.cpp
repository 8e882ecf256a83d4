// Authentication order as in the reference: users list, then token, then single user.
#include "server/auth/authenticator.h"

#include "server/auth/bcrypt.h"
#include "server/auth/constant_time.h"

namespace zats::server::auth {
namespace {

const User* find_user(const Options& o, std::string_view name) {
  for (const User& u : o.users)
    if (u.name == name) return &u;
  return nullptr;
}

}  // namespace

const User* no_auth_user_for(const Options& o, const proto::ConnectOptions& c) {
  if (o.no_auth_user.empty() || !c.user.empty() || !c.pass.empty() || !c.auth_token.empty()) return nullptr;
  return find_user(o, o.no_auth_user);
}

AuthResult authenticate(const Options& o, const proto::ConnectOptions& c) {
  AuthResult r;
  if (!o.auth_required()) {
    r.ok = true;
    return r;
  }
  if (!o.users.empty()) {
    const User* user = no_auth_user_for(o, c);
    bool by_default = user != nullptr;
    if (user == nullptr && !c.user.empty()) {
      user = find_user(o, c.user);
      if (user == nullptr) return r;
    }
    if (user != nullptr) {
      if (!user->standard_connections_allowed) return r;
      // The no_auth_user logs in with its own password, as the reference copies it over.
      r.ok = by_default || password_matches(user->password, c.pass);
      if (r.ok) {
        r.user = user;
        r.user_name = user->name;
      }
      return r;
    }
  }
  if (!o.token.empty()) {
    r.ok = password_matches(o.token, c.auth_token);
    return r;
  }
  if (!o.username.empty()) {
    r.ok = constant_time_equals(o.username, c.user) && password_matches(o.password, c.pass);
    if (r.ok) r.user_name = o.username;
  }
  return r;
}

}  // namespace zats::server::auth
