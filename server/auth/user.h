// User: one entry of an `authorization { users = [...] }` or `accounts { A { users = [...] } }`
// list: a name, a password (plain or bcrypt), the account it logs into and its permissions.
#pragma once

#include <string>

#include "server/permissions.h"

namespace zats::server::auth {

struct User {
  std::string name;
  std::string password;  // plain, or bcrypt ("$2a$..."); compared in constant time
  std::string account;   // empty: the global account $G
  PermissionsPtr permissions;  // null: no restrictions
  // allowed_connection_types: false when it names types that leave out STANDARD clients.
  bool standard_connections_allowed = true;

  bool operator==(const User& o) const {
    return name == o.name && password == o.password && account == o.account &&
           standard_connections_allowed == o.standard_connections_allowed &&
           same_permissions(permissions, o.permissions);
  }
};

}  // namespace zats::server::auth
