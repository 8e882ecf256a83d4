// User: one entry of an `authorization { users = [...] }` or `accounts { A { users = [...] } }`
// list: a name and a password (plain or bcrypt), or else a public user nkey (`nkey: U...`, which
// signs the server's nonce instead); the account it logs into and its permissions.
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
  std::string nkey;  // a public user nkey ("U..."): then name and password are empty

  bool is_nkey() const { return !nkey.empty(); }
  // What identifies it among all users (names and nkeys share one space, as in opts.go).
  const std::string& key() const { return is_nkey() ? nkey : name; }

  bool operator==(const User& o) const {
    return name == o.name && password == o.password && nkey == o.nkey && account == o.account &&
           standard_connections_allowed == o.standard_connections_allowed &&
           same_permissions(permissions, o.permissions);
  }
};

}  // namespace zats::server::auth
