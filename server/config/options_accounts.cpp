// The `accounts` block (opts.go parseAccounts): account names, their users (bound to the
// account), default permissions, exports and imports (stream imports checked as they are added).
#include <cctype>
#include <map>
#include <set>

#include "proto/encode.h"
#include "proto/subject.h"
#include "server/account_imports.h"
#include "server/auth/nkey.h"
#include "server/config/duration.h"
#include "server/config/options_reader.h"

namespace zats::server::config {
namespace {

// opts.go parseExportStreamOrService: a service's response type, by any of its spellings.
void read_response_type(OptionsReader& r, const ConfigMapEntry& k, AccountExport& ex) {
  std::string type;
  if (!k.value.is_string()) return r.error(k.key_pos, "Expected response type to be string, got " + std::string(k.value.go_type_name()));
  type = k.value.as_string();
  std::string lower = type;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "single" || lower == "singleton") ex.response_type = "Singleton";
  else if (lower == "stream") ex.response_type = "Streamed";
  else if (lower == "chunk" || lower == "chunked") ex.response_type = "Chunked";
  else return r.error(k.key_pos, "Unknown response type: \"" + type + "\"");
}

// opts.go parseExportStreamOrService: how long a service's responses may take, a Go duration.
void read_response_threshold(OptionsReader& r, const ConfigMapEntry& k, bool& seen, AccountExport& ex) {
  if (seen) return r.error(k.key_pos, "Duplicate response threshold detected");
  seen = true;
  if (!k.value.is_string())
    return r.error(k.key_pos, "Expected response threshold to be a parseable time duration, got " +
                                  std::string(k.value.go_type_name()));
  int64_t nanos = 0;
  if (!parse_go_duration(k.value.as_string(), &nanos))
    return r.error(k.key_pos, "Expected response threshold to be a parseable time duration, got " +
                                  proto::go_quoted(k.value.as_string()));
  ex.response_threshold = Nanos(nanos);
}

void read_exports(OptionsReader& r, const ConfigMapEntry& e, const std::string& account, Options& o) {
  if (!e.value.is_array()) return r.error(e.key_pos, "Exports should be an array, got " + std::string(e.value.go_type_name()));
  for (const ConfigValue& v : e.value.as_array()) {
    if (!v.is_map()) {
      r.error(v.pos(), "Export Items should be a map with type entry, got " + std::string(v.go_type_name()));
      continue;
    }
    AccountExport ex;
    ex.account = account;
    bool threshold_seen = false;
    for (const ConfigMapEntry& k : v.as_map()) {
      if (k.lower_key == "stream" || k.lower_key == "service") {
        ex.service = k.lower_key == "service";
        r.get_string(k, &ex.subject);
      } else if (k.lower_key == "accounts") {
        r.get_string_list(k, "accounts", &ex.to_accounts);
      } else if (k.lower_key == "response" || k.lower_key == "response_type") {
        read_response_type(r, k, ex);
      } else if (k.lower_key == "threshold" || k.lower_key == "response_threshold" ||
                 k.lower_key == "response_max_time" || k.lower_key == "response_time") {
        read_response_threshold(r, k, threshold_seen, ex);
      } else if (k.lower_key == "account_token_position") {
        r.get_int(k, &ex.account_token_position);
      } else if (k.lower_key == "latency") {
        // Refused rather than run without the results the exporter expects.
        r.not_supported(k, "latency (service latency tracking)");
      } else {
        r.unknown_field(k);
      }
    }
    o.account_exports.push_back(std::move(ex));
  }
}

void read_import_source(OptionsReader& r, const ConfigMapEntry& k, AccountImport& im) {
  const ConfigMap* src = r.get_map(k);
  if (src == nullptr) return;
  for (const ConfigMapEntry& f : *src) {
    if (f.lower_key == "account") r.get_string(f, &im.from_account);
    else if (f.lower_key == "subject") r.get_string(f, &im.subject);
    else r.unknown_field(f);
  }
}

// opts.go parseAccountImports: within one account, two service imports may not listen on the
// same subject (`to`, or the subject).
// The map: each local subject taken, with the account and subject of the import that took it.
bool duplicate_service_import(OptionsReader& r, const ConfigValue& v, const AccountImport& im,
                              std::map<std::string, std::pair<std::string, std::string>>& taken) {
  const std::string& local = im.to.empty() ? im.subject : im.to;
  auto [it, fresh] = taken.try_emplace(local, im.from_account, im.subject);
  if (fresh) return false;
  r.error(v.pos(), "Duplicate service import subject " + proto::go_quoted(local) +
                       ", previously used in import for account " + proto::go_quoted(it->second.first) +
                       ", subject " + proto::go_quoted(it->second.second));
  return true;
}

void read_imports(OptionsReader& r, const ConfigMapEntry& e, const std::string& account, Options& o) {
  if (!e.value.is_array()) return r.error(e.key_pos, "Imports should be an array, got " + std::string(e.value.go_type_name()));
  std::map<std::string, std::pair<std::string, std::string>> service_subjects;
  for (const ConfigValue& v : e.value.as_array()) {
    if (!v.is_map()) {
      r.error(v.pos(), "Import Items should be a map with type entry, got " + std::string(v.go_type_name()));
      continue;
    }
    AccountImport im;
    im.account = account;
    for (const ConfigMapEntry& k : v.as_map()) {
      if (k.lower_key == "stream" || k.lower_key == "service") {
        im.service = k.lower_key == "service";
        read_import_source(r, k, im);
      } else if (k.lower_key == "prefix") {
        r.get_string(k, &im.prefix);
      } else if (k.lower_key == "to") {
        r.get_string(k, &im.to);
      } else if (k.lower_key == "share") {
        r.get_bool(k, &im.share);
      } else {
        r.unknown_field(k);
      }
    }
    if (im.service && duplicate_service_import(r, v, im, service_subjects)) continue;
    o.account_imports.push_back(std::move(im));
  }
}

bool add_account(OptionsReader& r, const SourcePos& pos, const std::string& name, Options& o) {
  if (name == "$G") return r.error(pos, "\"$G\" is a Reserved Account"), false;
  for (const std::string& a : o.accounts)
    if (a == name) return r.error(pos, "Duplicate Account Entry: " + name), false;
  o.accounts.push_back(name);
  return true;
}

void read_account(OptionsReader& r, const ConfigMapEntry& acc, Options& o) {
  if (!acc.value.is_map()) return r.error(acc.key_pos, "Expected map entries for accounts");
  if (!add_account(r, acc.key_pos, acc.key, o)) return;
  std::vector<auth::User> users;
  PermissionsPtr defaults;
  const ConfigMapEntry* users_entry = nullptr;
  for (const ConfigMapEntry& k : acc.value.as_map()) {
    const std::string& key = k.lower_key;
    if (key == "users") {
      users_entry = &k;
      read_users(r, k, &users);
    } else if (key == "default_permissions") {
      defaults = read_permissions(r, k);
    } else if (key == "exports") {
      read_exports(r, k, acc.key, o);
    } else if (key == "imports") {
      read_imports(r, k, acc.key, o);
    } else if (key == "nkey") {
      // Kept for nothing (it names the account only in operator mode) but checked as there.
      if (!k.value.is_string() || !auth::is_public_nkey(k.value.as_string(), auth::NkeyKind::Account))
        r.error(k.key_pos, "Not a valid public nkey for an account: " +
                               (k.value.is_string() ? proto::go_quoted(k.value.as_string()) : std::string(k.value.go_type_name())));
    } else if (key == "mappings" || key == "maps") {
      read_mappings(r, k, acc.key, o);
    } else if (key == "jetstream" || key == "limits") {
      r.not_supported(k, "account " + key);
    } else {
      r.unknown_field(k);
    }
  }
  if (users.empty()) return;
  if (!o.username.empty()) return r.error(users_entry->key_pos, "Can not have a single user/pass and accounts");
  if (!o.token.empty()) return r.error(users_entry->key_pos, "Can not have a token and accounts");
  std::set<std::string> names = user_keys(o.users);
  for (auth::User& u : users) {
    if (!names.insert(u.key()).second) {
      r.error(users_entry->key_pos, duplicate_user_error(u));
      continue;
    }
    u.account = acc.key;
    if (!u.permissions) u.permissions = defaults;
    o.users.push_back(std::move(u));
  }
}

bool account_defined(const Options& o, const std::string& name) {
  for (const std::string& a : o.accounts)
    if (a == name) return true;
  return false;
}

// Exports must name configured accounts (checked once every account is known), and an
// account_token_position must name a `*` of the subject; streams first, then services, each
// export's errors together, as nats-server adds them.
void check_exports(OptionsReader& r, const ConfigMapEntry& entry, const Options& o) {
  for (bool service : {false, true}) {
    const std::string kind = service ? "service" : "stream";
    for (const AccountExport& ex : o.account_exports) {
      if (ex.service != service) continue;
      for (const std::string& to : ex.to_accounts)
        if (!account_defined(o, to)) r.error(entry.key_pos, "\"" + to + "\" account not defined for " + kind + " export");
      if (ex.account_token_position != 0 && proto::subject_token(ex.subject, ex.account_token_position) != "*")
        r.error(entry.key_pos, "Error adding " + kind + " export \"" + ex.subject + "\": sublist: invalid subject");
    }
  }
}

// Imports must name configured accounts, and stream imports are checked as nats-server adds them
// (accounts.go AddStreamImport): an export that allows them, a literal prefix, no duplicate, no
// cycle among the imports added before.
void check_imports(OptionsReader& r, const ConfigMapEntry& entry, const Options& o) {
  // Streams first, then services, as nats-server adds them.
  std::vector<StreamImport> added;
  std::vector<ServiceImport> services;
  for (bool service : {false, true}) {
    const std::string kind = service ? "service" : "stream";
    for (const AccountImport& im : o.account_imports) {
      if (im.service != service) continue;
      if (!account_defined(o, im.from_account)) {
        r.error(entry.key_pos, "\"" + im.from_account + "\" account not defined for " + kind + " import");
        continue;
      }
      std::string why;
      bool taken = false;
      if (im.service) {
        std::optional<ServiceImport> si = service_import_of(o, im, services, &why);
        if ((taken = si.has_value())) services.push_back(std::move(*si));
      } else {
        std::optional<StreamImport> stream = stream_import_of(o, im, added, &why);
        if ((taken = stream.has_value())) added.push_back(std::move(*stream));
      }
      if (!taken) r.error(entry.key_pos, "Error adding " + kind + " import \"" + im.subject + "\": " + why);
    }
  }
}

}  // namespace

void read_accounts(OptionsReader& r, const ConfigMapEntry& entry, Options& o) {
  if (entry.value.is_array()) {
    for (const ConfigValue& v : entry.value.as_array()) {
      if (!v.is_string()) {
        r.error(v.pos(), "interface conversion: interface {} is " + std::string(v.go_type_name()) + ", not string");
        continue;
      }
      add_account(r, v.pos(), v.as_string(), o);
    }
    return;
  }
  const ConfigMap* block = r.get_map(entry);
  if (block == nullptr) return;
  size_t errors_before = r.error_count();
  for (const ConfigMapEntry& acc : *block) {
    if (acc.used_as_variable) continue;
    read_account(r, acc, o);
  }
  if (r.error_count() != errors_before) return;
  // As nats-server: the imports are checked even when an export was refused.
  check_exports(r, entry, o);
  check_imports(r, entry, o);
}

}  // namespace zats::server::config
