// Operator (JWT) mode keys (opts.go: operator, resolver, resolver_preload; jwt.go
// validateTrustedOperators): the operators' JWTs are read and verified as they are met; the
// preloaded accounts are checked against the operators once every key is read, and become the
// configured accounts with their exports and imports.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "proto/encode.h"
#include "proto/subject.h"
#include "server/auth/jwt.h"
#include "server/auth/nkey.h"
#include "server/config/options_config.h"
#include "server/config/options_reader.h"
#include "server/subject_mapping.h"

namespace zats::server::config {
namespace {

constexpr std::string_view kJwtPrefix = "eyJ";  // every encoded JWT starts so
constexpr int kServerVersion[3] = {2, 9, 10};   // the version zats answers for (operator assert_server_version)

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// What nats-server keeps of an operator JWT's text: the JWT alone when decoration lines surround
// it, else the text unchanged (a file's final newline included).
std::string as_configured(const std::string& text, const std::string& token) {
  return text.find("---") != std::string::npos ? token : text;
}

// jwt.go readOperatorJWT: a file, else (when it looks like one) the JWT itself. `shown`: the text
// as /varz shows it.
bool read_operator_jwt(const std::string& name, std::string* token, std::string* shown, std::string* why) {
  std::ifstream in(name, std::ios::binary);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    *token = auth::undecorated_jwt(text.str());
    *shown = as_configured(text.str(), *token);
    return true;
  }
  if (!name.starts_with(kJwtPrefix)) {
    *why = "open " + name + ": " + std::strerror(errno == 0 ? ENOENT : errno);
    for (char& c : *why) c = c == '\0' ? ' ' : c;
    // Go prints the errno text in lower case ("no such file or directory").
    if (size_t colon = why->rfind(": "); colon != std::string::npos && colon + 2 < why->size())
      (*why)[colon + 2] = static_cast<char>(std::tolower(static_cast<unsigned char>((*why)[colon + 2])));
    return false;
  }
  *token = auth::undecorated_jwt(name);
  *shown = as_configured(name, *token);
  return true;
}

void add_operator(OptionsReader& r, const ConfigMapEntry& e, const std::string& name, Options& o) {
  std::string token, shown, why;
  std::optional<auth::OperatorJwt> op;
  if (read_operator_jwt(name, &token, &shown, &why)) op = auth::decode_operator_jwt(token, &why);
  if (!op) return r.error(e.key_pos, "error parsing operator JWT: " + why);
  op->as_configured = std::move(shown);
  const auth::JwtClaims& c = op->claims;
  bool self_signed = c.issuer == c.subject;
  bool by_signing_key = std::find(op->signing_keys.begin(), op->signing_keys.end(), c.issuer) != op->signing_keys.end();
  if (!self_signed && !by_signing_key)
    return r.error(e.key_pos, "error parsing operator JWT: issuer " + c.issuer +
                                  " is neither the operator nor one of its signing keys");
  o.operator_mode.operators.push_back(std::move(*op));
}

// The `resolver` map form: nats-server's checks, then a refusal (FULL and CACHE are directory
// resolvers that sync accounts over the system account: not built).
void read_resolver_map(OptionsReader& r, const ConfigMapEntry& e) {
  std::string dir, type;
  for (const ConfigMapEntry& k : e.value.as_map()) {
    if (k.lower_key == "dir" && k.value.is_string()) dir = k.value.as_string();
    if (k.lower_key == "type" && k.value.is_string()) type = upper(k.value.as_string());
  }
  if (dir.empty()) return r.error(e.key_pos, "dir has no value and needs to point to a directory");
  if (type == "FULL" || type == "CACHE")
    return r.error(e.key_pos, "resolver type " + type + " (the NATS account resolver) is not supported by zats yet");
  r.error(e.key_pos,
          "error parsing account resolver, should be MEM or  URL(\"url\") or a map containing dir and type state=[FULL|CACHE])");
}

bool contains_ignoring_case(std::string_view text, std::string_view word) {
  return upper(text).find(word) != std::string::npos;
}

// opts.go: a MEM or MEMORY anywhere (its regular expression is not anchored), else URL(...).
void read_resolver(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  o.operator_mode.memory_resolver = false;
  if (e.value.is_map()) return read_resolver_map(r, e);
  if (!e.value.is_string())
    return r.error(e.key_pos, "error parsing operator resolver, wrong type " + std::string(e.value.go_type_name()));
  const std::string& v = e.value.as_string();
  if (contains_ignoring_case(v, "MEM")) {
    o.operator_mode.memory_resolver = true;
    return;
  }
  if (contains_ignoring_case(v, "URL"))
    return r.error(e.key_pos, "resolver URL(...) (an account server) is not supported by zats yet");
  r.error(e.key_pos,
          "error parsing account resolver, should be MEM or  URL(\"url\") or a map containing dir and type state=[FULL|CACHE])");
}

void read_preload(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  if (!e.value.is_map()) return r.error(e.key_pos, "preload should be a map of account_public_key:account_jwt");
  o.operator_mode.preload.clear();
  for (const ConfigMapEntry& k : e.value.as_map()) {
    if (!k.value.is_string()) {
      r.error(k.value.pos(), "preload map value should be a string JWT");
      continue;
    }
    std::string why;
    if (!auth::decode_account_jwt(k.value.as_string(), &why)) {
      r.error(k.value.pos(), "invalid account JWT");
      continue;
    }
    o.operator_mode.preload.emplace_back(k.key, k.value.as_string());
  }
}

// jwt.ParseServerVersion: "major.minor.update", each a number; empty is 0.0.0.
bool parse_version(const std::string& text, int out[3]) {
  out[0] = out[1] = out[2] = 0;
  if (text.empty()) return true;
  int part = 0;
  size_t start = 0;
  while (part < 3) {
    size_t dot = text.find('.', start);
    std::string piece = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (piece.empty() || piece.find_first_not_of("0123456789") != std::string::npos) return false;
    out[part++] = std::stoi(piece);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return part == 3;
}

bool version_refusal(const auth::OperatorJwt& op, std::string* error) {
  int want[3];
  if (!parse_version(op.assert_server_version, want)) {
    *error = "operator " + op.claims.subject + " expects version " + op.assert_server_version +
             " got error instead: asserted server version must be of the form <major>.<minor>.<update>";
    return true;
  }
  static constexpr const char* kPart[3] = {"major", "minor", "update"};
  for (int i = 0; i < 3; ++i) {
    if (want[i] > kServerVersion[i]) {
      *error = "operator " + op.claims.subject + " expected " + kPart[i] + " version " + std::to_string(want[i]) +
               " > server " + kPart[i] + " version " + std::to_string(kServerVersion[i]);
      return true;
    }
    if (want[i] < kServerVersion[i]) return false;
  }
  return false;
}

// The keys of resolver_pinned_accounts; the system account can always connect.
bool validate_pinned_accounts(Options& o, std::string* error) {
  OperatorMode& m = o.operator_mode;
  if (!m.pinned_accounts || m.pinned_accounts->empty()) return true;
  for (const std::string& key : *m.pinned_accounts)
    if (!auth::is_public_nkey(key, auth::NkeyKind::Account))
      return *error = "pinned account key \"" + key + "\" is not a valid public account nkey", false;
  if (!o.system_account.empty()) m.pinned_accounts->push_back(o.system_account);
  return true;
}

// jwt.go validateTrustedOperators. Trusted keys without operators are not checked further there:
// configured accounts and users may stay (their users cannot log in without a JWT).
bool validate_operators(Options& o, std::string* error) {
  OperatorMode& m = o.operator_mode;
  if (m.operators.empty()) {
    m.trusted_keys = m.configured_trusted_keys;
    return validate_pinned_accounts(o, error);
  }
  if (!m.memory_resolver) {
    // With one operator, nats-server falls back to its account server URL (a URL resolver).
    if (m.operators.size() == 1 && !m.operators.front().account_server_url.empty())
      return *error = "the operator's account server URL (a URL resolver) is not supported by zats yet", false;
    return *error = "operators require an account resolver to be configured", false;
  }
  if (!o.accounts.empty()) return *error = "operators do not allow Accounts to be configured directly", false;
  if (!o.users.empty()) return *error = "operators do not allow users to be configured directly", false;
  if (!m.configured_trusted_keys.empty())
    return *error = "conflicting options for 'TrustedKeys' and 'TrustedOperators'", false;
  if (o.system_account_given) {
    bool found = false, any = false;
    for (const auth::OperatorJwt& op : m.operators) {
      any = any || !op.system_account.empty();
      found = found || op.system_account == o.system_account;
    }
    if (any && !found) return *error = "system_account in config and operator JWT must be identical", false;
  }
  for (const auth::OperatorJwt& op : m.operators)
    if (version_refusal(op, error)) return false;
  m.trusted_keys.clear();
  for (const auth::OperatorJwt& op : m.operators) {
    if (!op.strict_signing_key_usage) m.trusted_keys.push_back(op.claims.subject);
    m.trusted_keys.insert(m.trusted_keys.end(), op.signing_keys.begin(), op.signing_keys.end());
  }
  for (const std::string& key : m.trusted_keys)
    if (!auth::is_public_nkey(key, auth::NkeyKind::Operator))
      return *error = "trusted Keys \"" + key + "\" are required to be a valid public operator nkey", false;
  return validate_pinned_accounts(o, error);
}

// The export of `exporter` that an import of `subject` falls under (the first that covers it).
const auth::JwtExport* export_for(const auth::AccountJwt& exporter, const std::string& subject, bool service) {
  for (const auth::JwtExport& ex : exporter.exports)
    if (ex.service == service && proto::subject_is_subset(subject, ex.subject)) return &ex;
  return nullptr;
}

// accounts.go checkActivation and jwt Import.Validate: the token is an activation the exporting
// account (or its signing key, naming it) issued to the importer for this subject and kind, in
// force and not revoked by the export. One with an expiry is refused: zats does not withdraw an
// import when it expires.
bool activation_holds(const OperatorMode& m, const std::string& importer, const auth::JwtImport& jim,
                      const std::string& subject, std::vector<std::string>* warnings) {
  std::string why;
  std::optional<auth::ActivationJwt> act = auth::decode_activation_jwt(jim.token, &why);
  const auth::AccountJwt* exporter = m.account(jim.account);
  if (!act || exporter == nullptr) return false;
  if (!act->issuer_account.empty() && !exporter->issues_with(act->claims.issuer)) return false;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (!act->claims.time_problem(now).empty() || (act->claims.expires != 0 && act->claims.expires <= now)) return false;
  if (act->claims.expires != 0) {
    warnings->push_back("Account [" + importer + "] import \"" + jim.subject +
                        "\": activation tokens that expire are not supported by zats yet, import not authorized");
    return false;
  }
  const auth::JwtExport* ex = export_for(*exporter, subject, jim.service);
  return ex != nullptr && !auth::revoked_in(ex->revocations, importer, act->claims.issued_at);
}

// An account JWT's exports and imports as the configured ones are kept (options.h), so the
// same import machinery serves both (server/account_imports.h). accounts.go
// updateAccountClaimsWithRefresh: a stream import's `to` is a prefix, `local_subject` a
// mapping; a service import's `local_subject` is what the importer publishes on, its `to`
// (deprecated) the exporter's subject.
void add_exports(const auth::AccountJwt& acc, Options& o) {
  for (const auth::JwtExport& jex : acc.exports) {
    AccountExport ex;
    ex.account = acc.claims.subject;
    ex.service = jex.service;
    ex.subject = jex.subject;
    ex.response_type = jex.response_type;
    ex.response_threshold = Nanos(std::max<int64_t>(0, jex.response_threshold_ns));
    ex.token_required = jex.token_required;
    ex.account_token_position = jex.account_token_position;
    if (jex.latency)
      o.operator_mode.warnings.push_back("Account [" + acc.claims.subject + "] export " + proto::go_quoted(jex.subject) +
                                         ": service latency tracking is not supported by zats yet, no results are sent");
    o.account_exports.push_back(std::move(ex));
  }
}

void add_imports(const auth::AccountJwt& acc, Options& o) {
  const std::string& name = acc.claims.subject;
  for (const auth::JwtImport& jim : acc.imports) {
    AccountImport im;
    im.account = name;
    im.service = jim.service;
    im.from_account = jim.account;
    im.subject = jim.subject;
    im.share = jim.share;
    if (jim.service) {
      if (!jim.local_subject.empty()) {
        im.to = jim.local_subject;
      } else if (!jim.to.empty()) {
        im.subject = jim.to;
        im.to = jim.subject;
      }
    } else if (!jim.local_subject.empty()) {
      im.to = jim.local_subject;
    } else {
      im.prefix = jim.to;
    }
    if (!jim.token.empty())
      im.activated = activation_holds(o.operator_mode, name, jim, im.subject, &o.operator_mode.warnings);
    o.account_imports.push_back(std::move(im));
  }
}

// The subject an import's activation token must cover (jwt Import.Validate).
const std::string& token_subject(const auth::JwtImport& jim) {
  return jim.service && !jim.to.empty() ? jim.to : jim.subject;
}

// jwt Import.Validate's checks of an activation token: a failure makes the whole account JWT
// invalid (its users are refused), as the reference's account validation does.
std::string token_problem(const std::string& importer, const auth::JwtImport& jim) {
  if (jim.token.empty()) return {};
  std::string why;
  std::optional<auth::ActivationJwt> act = auth::decode_activation_jwt(jim.token, &why);
  if (!act) return "import \"" + jim.subject + "\" contains an invalid activation token";
  if (act->claims.issuer != jim.account && act->issuer_account != jim.account)
    return "activation token doesn't match account for import \"" + jim.subject + "\"";
  if (act->claims.subject != importer)
    return "activation token doesn't match account it is being included in, \"" + jim.subject + "\"";
  if (act->service != jim.service)
    return std::string("mismatch between token import type ") + (act->service ? "service" : "stream") +
           " and type of import " + (jim.service ? "service" : "stream");
  if (!proto::subject_is_subset(token_subject(jim), act->import_subject))
    return "activation token import subject \"" + act->import_subject + "\" doesn't match import \"" + jim.subject + "\"";
  return {};
}

// server.go checkResolvePreloads and the lookups that follow: a preload whose JWT no trusted
// key signed, or that names another account, never resolves (its users are refused); one that
// has expired resolves, and its users are refused while it is.
// An account's mappings as the configuration's would be; one that cannot be made is left out
// with a warning (nats-server leaves it out silently).
void add_mappings(const auth::AccountJwt& acc, Options& o) {
  for (const auth::JwtMapping& jm : acc.mappings) {
    SubjectMapping m{acc.claims.subject, jm.source, {}};
    for (const auth::JwtMapping::Destination& d : jm.destinations)
      m.destinations.push_back(MapDestination{d.subject, static_cast<int>(std::clamp<int64_t>(d.weight, -1, 101)), d.cluster});
    std::string why;
    if (!CompiledMapping::make(m, &why)) {
      o.operator_mode.warnings.push_back("Account [" + acc.claims.subject + "] mapping of " + proto::go_quoted(jm.source) +
                                         " left out: " + why);
      continue;
    }
    o.subject_mappings.push_back(std::move(m));
  }
}

void add_preloaded_accounts(Options& o) {
  OperatorMode& m = o.operator_mode;
  if (!m.memory_resolver) return;  // preloads are the memory resolver's (trusted keys may come without one)
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& [key, token] : m.preload) {
    std::string why;
    std::optional<auth::AccountJwt> acc = auth::decode_account_jwt(token, &why);
    if (!acc) {
      m.warnings.push_back("Preloaded account [" + key + "] not valid");
      continue;
    }
    if (!m.trusts(acc->claims.issuer)) {
      m.warnings.push_back("Preloaded account [" + key + "] not signed by a trusted operator: its users are refused");
      continue;
    }
    if (acc->claims.subject != key) {
      m.warnings.push_back("Preloaded account [" + key + "] holds the JWT of account " + acc->claims.subject +
                           ": its users are refused");
      continue;
    }
    if (m.account(key) != nullptr) continue;
    std::string invalid;
    for (const auth::JwtImport& jim : acc->imports)
      if (invalid.empty()) invalid = token_problem(key, jim);
    if (!invalid.empty()) {
      m.warnings.push_back("Account [" + key + "] has validation issues:\n  - " + invalid + "\n  its users are refused");
      continue;
    }
    if (std::string problem = acc->claims.time_problem(now); !problem.empty())
      m.warnings.push_back("Account [" + key + "] has validation issues:\n  - " + problem);
    o.accounts.push_back(key);
    m.accounts.push_back(std::move(*acc));
  }
  // Imports once every exporter is known (their activation tokens are checked against it).
  for (const auth::AccountJwt& acc : m.accounts) add_exports(acc, o);
  for (const auth::AccountJwt& acc : m.accounts) add_imports(acc, o);
  for (const auth::AccountJwt& acc : m.accounts) add_mappings(acc, o);
}

// A key or a list of keys, as opts.go reads resolver_pinned_accounts and trusted (`what` names it in
// errors). Returns where the last of them was written, or the key's position for a single one
// (where nats-server reports a problem with any of them); nullopt when the value is of no such form.
std::optional<SourcePos> read_key_list(OptionsReader& r, const ConfigMapEntry& e, std::string_view what,
                                       std::vector<std::string>& keys) {
  if (e.value.is_string()) {
    keys.push_back(e.value.as_string());
    return e.key_pos;
  }
  if (!e.value.is_array()) {
    r.error(e.key_pos, "error parsing " + std::string(what) + ": unsupported type " + std::string(e.value.go_type_name()));
    return std::nullopt;
  }
  SourcePos last = e.key_pos;
  for (const ConfigValue& v : e.value.as_array()) {
    last = v.pos();
    if (!v.is_string()) {
      r.error(v.pos(), "error parsing " + std::string(what) + ": unsupported type in array " + std::string(v.go_type_name()));
      continue;
    }
    keys.push_back(v.as_string());
  }
  return last;
}

// opts.go resolver_pinned_accounts: a key or a list of keys.
void read_pinned_accounts(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  std::vector<std::string> keys;
  if (read_key_list(r, e, "resolver_pinned_accounts", keys)) o.operator_mode.pinned_accounts = std::move(keys);
}

// opts.go trusted / trusted_keys: the operators' public keys that account JWTs may be signed
// with, given without the operators' JWTs.
void read_trusted_keys(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  std::vector<std::string> keys;
  std::optional<SourcePos> where = read_key_list(r, e, "trusted", keys);
  if (!where) return;
  for (const std::string& key : keys)
    if (!auth::is_public_nkey(key, auth::NkeyKind::Operator))
      r.error(*where, "trust key \"" + key + "\" required to be a valid public operator nkey");
  o.operator_mode.configured_trusted_keys = std::move(keys);
}

}  // namespace

void read_operator(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  o.operator_mode.operators.clear();
  if (e.value.is_string()) return add_operator(r, e, e.value.as_string(), o);
  // A list arrives from the parser as []interface{}, which opts.go's type switch does not take.
  r.error(e.key_pos, "error parsing operators: unsupported type " +
                         std::string(e.value.is_array() ? "[]interface {}" : e.value.go_type_name()));
}

void read_operator_mode_key(OptionsReader& r, const ConfigMapEntry& e, Options& o) {
  const std::string& key = e.lower_key;
  if (key == "resolver" || key == "account_resolver" || key == "accounts_resolver") return read_resolver(r, e, o);
  if (key == "resolver_preload") return read_preload(r, e, o);
  if (key == "resolver_pinned_accounts") return read_pinned_accounts(r, e, o);
  if (key == "trusted" || key == "trusted_keys") return read_trusted_keys(r, e, o);
  r.not_supported(e);
}

bool finish_operator_mode(Options& o, std::string* error) {
  OperatorMode& m = o.operator_mode;
  if (!m.enabled() || m.loaded) return true;
  if (!o.system_account_given && m.operators.size() == 1 && !m.operators.front().system_account.empty())
    o.system_account = m.operators.front().system_account;
  if (!validate_operators(o, error)) return false;
  m.accounts.clear();
  m.warnings.clear();
  m.configured = {o.accounts.size(), o.account_exports.size(), o.account_imports.size(), o.subject_mappings.size()};
  add_preloaded_accounts(o);
  m.loaded = true;
  return true;
}

// events.go accountClaimUpdate and server.go updateAccountWithClaimJWT, in their order of checks.
// One difference: nats-server skips a preloaded account that no login has looked up yet (its
// memory resolver then keeps the old JWT); here every preloaded account is in force from the
// start, so each takes its update.
AccountClaimsUpdate update_account_claims(Options& o, std::string_view key, std::string_view token) {
  const std::string failed = "jwt update resulted in error";
  if (token.empty()) return {"jwt update error", "request body is empty"};
  std::string why;
  std::optional<auth::AccountJwt> acc = auth::decode_account_jwt(token, &why);
  if (!acc) return {failed, why};
  if (acc->claims.subject != key) return {failed, "subject does not match jwt content"};
  OperatorMode& m = o.operator_mode;
  const auth::AccountJwt* current = m.account(key);
  if (current == nullptr) {
    // A configured account of that name cannot take a JWT: no operator signed it.
    const bool configured = std::find(o.accounts.begin(), o.accounts.end(), key) != o.accounts.end();
    return configured ? AccountClaimsUpdate{failed, "account validation failed"} : AccountClaimsUpdate{"jwt update skipped", {}};
  }
  if (current->token == token) return {"jwt updated", {}};
  if (!m.trusts(acc->claims.issuer) || !acc->claims.time_problem(static_cast<int64_t>(std::time(nullptr))).empty())
    return {failed, "account validation failed"};
  Options next = o;
  OperatorMode& n = next.operator_mode;
  for (auto& [preloaded, jwt] : n.preload)
    if (preloaded == key) jwt.assign(token);
  auto keep_configured = [](auto& list, size_t configured) { list.erase(list.begin() + configured, list.end()); };
  keep_configured(next.accounts, n.configured.accounts);
  keep_configured(next.account_exports, n.configured.exports);
  keep_configured(next.account_imports, n.configured.imports);
  keep_configured(next.subject_mappings, n.configured.mappings);
  n.accounts.clear();
  n.warnings.clear();
  add_preloaded_accounts(next);
  // The set of accounts is fixed at start: a JWT that would take the account out is refused.
  if (next.accounts != o.accounts) {
    std::string problem = "account validation failed";
    for (const std::string& w : n.warnings)
      if (w.find("[" + std::string(key) + "]") != std::string::npos) problem = w;
    return {failed, problem};
  }
  o = std::move(next);
  return {"jwt updated", {}, true};
}

}  // namespace zats::server::config
