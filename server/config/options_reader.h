// OptionsReader: the shared machinery of the config → Options mapping (options_config.cpp,
// options_auth.cpp, options_accounts.cpp): positions as nats-server prints them, typed reads that
// fail with the reference's own texts ("interface conversion: interface {} is string, not int64"),
// and the unknown-field rule (keys only used as `$variables` are not unknown).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/config/config_value.h"
#include "server/config/options_diagnostics.h"
#include "server/options.h"

namespace zats::server::config {

class OptionsReader {
 public:
  explicit OptionsReader(OptionsDiagnostics& diag) : diag_(diag) {}

  static std::string where(const SourcePos& pos);
  void error(const SourcePos& pos, std::string_view message);
  void warning(const SourcePos& pos, std::string_view message);
  void unknown_field(const ConfigMapEntry& entry);
  void not_supported(const ConfigMapEntry& entry, std::string_view what = {});
  void ignored(const ConfigMapEntry& entry);
  size_t error_count() const { return diag_.errors.size(); }

  // Typed reads of an entry's value; false (with the reference's error recorded) on a wrong type.
  bool get_string(const ConfigMapEntry& e, std::string* out);
  bool get_int(const ConfigMapEntry& e, int64_t* out);
  bool get_bool(const ConfigMapEntry& e, bool* out);
  const ConfigMap* get_map(const ConfigMapEntry& e);
  const ConfigArray* get_array(const ConfigMapEntry& e);
  // opts.go parseListen: a port, or "host:port" (net.SplitHostPort: "[v6]:port", ":port";
  // the port as strconv.Atoi reads it, so -1 asks for a random port).
  bool get_listen(const ConfigMapEntry& e, std::string* host, int* port);
  // A Go duration string; a bare integer means seconds with the reference's warning.
  bool get_legacy_duration(const ConfigMapEntry& e, Nanos* out);
  // A Go duration string only ("error parsing <field>: time: ...").
  bool get_duration_string(const ConfigMapEntry& e, Nanos* out);
  // A string or an array of strings (parseStringArray).
  bool get_string_list(const ConfigMapEntry& e, std::string_view field, std::vector<std::string>* out);

 private:
  void type_error(const SourcePos& pos, const ConfigValue& v, std::string_view want);
  OptionsDiagnostics& diag_;
};

// nats-server keeps these numbers in a 64-bit int; zats's fields are int: out-of-range values
// saturate (a port that large fails to listen or dial either way).
int saturate_int(int64_t n);

// An `authorization` block as written (opts.go parseAuthorization); each place that takes one
// (the top level, `cluster`) decides which of its parts it allows.
struct AuthorizationBlock {
  std::string user;
  std::string password;
  std::string token;
  std::optional<Nanos> timeout;
  bool users_given = false;
  bool users_read = false;  // the users list was read (errors in single entries aside)
  std::vector<auth::User> users;  // with default_permissions applied
  PermissionsPtr default_permissions;  // `permissions`, `default_permissions`
};

// Section readers (each in its own file).
// False when the block is not a map (recorded).
bool read_authorization_block(OptionsReader& r, const ConfigMapEntry& entry, AuthorizationBlock* out);
void read_authorization(OptionsReader& r, const ConfigMapEntry& entry, Options& o);
void read_cluster(OptionsReader& r, const ConfigMapEntry& entry, Options& o);
void read_accounts(OptionsReader& r, const ConfigMapEntry& entry, Options& o);
void read_tls(OptionsReader& r, const ConfigMapEntry& entry, Options& o);
// `mappings` of `account` ("$G" at the top level).
void read_mappings(OptionsReader& r, const ConfigMapEntry& entry, const std::string& account, Options& o);
// Operator mode (options_operator.cpp): `operator`, and `resolver` / `resolver_preload`.
void read_operator(OptionsReader& r, const ConfigMapEntry& entry, Options& o);
void read_operator_mode_key(OptionsReader& r, const ConfigMapEntry& entry, Options& o);
void read_cluster_tls(OptionsReader& r, const ConfigMapEntry& entry, ClusterOptions& c);
// A permissions map; null on error (recorded).
PermissionsPtr read_permissions(OptionsReader& r, const ConfigMapEntry& entry);
// A users array; users get `account` as their account and `defaults` when they have no
// permissions of their own.
bool read_users(OptionsReader& r, const ConfigMapEntry& entry, std::vector<auth::User>* users);
// The names and nkeys of `users` (one space: a name may not repeat an nkey).
std::set<std::string> user_keys(const std::vector<auth::User>& users);
// "Duplicate user ... detected" / "Duplicate nkey ... detected".
std::string duplicate_user_error(const auth::User& user);

}  // namespace zats::server::config
