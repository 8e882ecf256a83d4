// The `tls` blocks (opts.go parseTLS, then GenTLSConfig; for the cluster's, getTLSConfig) and the
// --tls* flags (overrideTLS). parseTLS stops at the first bad key; building the context reads the
// files, so a missing or unreadable certificate is a config error at the `tls` key, as in
// nats-server.
#include <cctype>

#include "proto/encode.h"
#include "server/config/duration.h"
#include "server/config/options_reader.h"
#include "server/tls/cipher_suites.h"

namespace zats::server::config {
namespace {

constexpr std::string_view kPrefix = "error parsing tls config, ";

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Which block is read: the top level's (client connections) or the cluster's (routes).
enum class TlsBlockKind { Clients, Routes };

class TlsBlockReader {
 public:
  TlsBlockReader(OptionsReader& r, TlsBlockKind kind) : r_(r), kind_(kind) {}

  // False after recording the first error.
  bool read(const ConfigMap& block, tls::TlsOptions* out);

 private:
  bool fail(const SourcePos& pos, std::string message) {
    r_.error(pos, message);
    return false;
  }
  bool file_name(const ConfigMapEntry& e, std::string* out);
  bool flag(const ConfigMapEntry& e, bool* out);
  bool name_list(const ConfigMapEntry& e, std::string_view what, std::vector<uint16_t>* out);
  bool timeout(const ConfigMapEntry& e, double* out);
  bool pinned_certs(const ConfigMapEntry& e, std::set<std::string>* out);
  bool entry(const ConfigMapEntry& e, tls::TlsOptions* o);

  OptionsReader& r_;
  TlsBlockKind kind_;
};

bool TlsBlockReader::file_name(const ConfigMapEntry& e, std::string* out) {
  if (!e.value.is_string()) return fail(e.key_pos, std::string(kPrefix) + "expected '" + e.lower_key + "' to be filename");
  *out = e.value.as_string();
  return true;
}

bool TlsBlockReader::flag(const ConfigMapEntry& e, bool* out) {
  if (!e.value.is_bool()) return fail(e.key_pos, std::string(kPrefix) + "expected '" + e.lower_key + "' to be a boolean");
  *out = e.value.as_bool();
  return true;
}

// cipher_suites, curve_preferences: a non-empty array of known names.
bool TlsBlockReader::name_list(const ConfigMapEntry& e, std::string_view what, std::vector<uint16_t>* out) {
  if (!e.value.is_array())
    return fail(e.key_pos, "interface conversion: interface {} is " + std::string(e.value.go_type_name()) +
                               ", not []interface {}");
  if (e.value.as_array().empty()) return fail(e.key_pos, std::string(kPrefix) + "'" + e.lower_key + "' cannot be empty");
  out->clear();
  for (const ConfigValue& v : e.value.as_array()) {
    if (!v.is_string())
      return fail(v.pos(), "interface conversion: interface {} is " + std::string(v.go_type_name()) + ", not string");
    std::optional<uint16_t> id = e.lower_key == "cipher_suites" ? tls::cipher_id(v.as_string()) : tls::curve_id(v.as_string());
    if (!id) return fail(v.pos(), "unrecognized " + std::string(what) + " " + v.as_string());
    out->push_back(*id);
  }
  return true;
}

// Seconds as an integer, a float, or a Go duration string.
bool TlsBlockReader::timeout(const ConfigMapEntry& e, double* out) {
  if (e.value.is_int()) {
    *out = static_cast<double>(e.value.as_int());
  } else if (e.value.is_float()) {
    *out = e.value.as_float();
  } else if (e.value.is_string()) {
    int64_t nanos = 0;
    std::string why;
    if (!parse_go_duration(e.value.as_string(), &nanos, &why)) return fail(e.key_pos, std::string(kPrefix) + "'timeout' " + why);
    *out = static_cast<double>(nanos) / 1e9;
  } else {
    return fail(e.key_pos, std::string(kPrefix) + "'timeout' wrong type");
  }
  return true;
}

bool TlsBlockReader::pinned_certs(const ConfigMapEntry& e, std::set<std::string>* out) {
  if (!e.value.is_array())
    return fail(e.key_pos, std::string(kPrefix) +
                               "expected 'pinned_certs' to be a list of hex-encoded sha256 of DER encoded "
                               "SubjectPublicKeyInfo");
  for (const ConfigValue& v : e.value.as_array()) {
    if (!v.is_string())
      return fail(v.pos(), "interface conversion: interface {} is " + std::string(v.go_type_name()) + ", not string");
    std::string key = ascii_lower(v.as_string());
    if (!is_sha256_hex(key))
      return fail(v.pos(), std::string(kPrefix) + "'pinned_certs' key " + key +
                               " does not look like hex-encoded sha256 of DER encoded SubjectPublicKeyInfo");
    out->insert(key);
  }
  return true;
}

bool TlsBlockReader::entry(const ConfigMapEntry& e, tls::TlsOptions* o) {
  const std::string& key = e.lower_key;
  if (key == "cert_file") return file_name(e, &o->cert_file);
  if (key == "key_file") return file_name(e, &o->key_file);
  if (key == "ca_file") return file_name(e, &o->ca_file);
  if (key == "insecure") return flag(e, &o->insecure);
  if (key == "verify") return flag(e, &o->verify);
  if (key == "verify_and_map") {
    bool on = false;
    if (!flag(e, &on)) return false;
    o->verify = o->verify || on;
    o->map = on;
    return true;
  }
  if (key == "verify_cert_and_check_known_urls") {
    bool on = false;
    if (!flag(e, &on)) return false;
    // Client connections have no known URLs to check against (routes have their routes).
    if (on && kind_ == TlsBlockKind::Clients)
      return fail(e.key_pos, "verify_cert_and_check_known_urls not supported in this context");
    o->verify = o->verify || on;
    o->check_known_urls = on;
    return true;
  }
  if (key == "cipher_suites") return name_list(e, "cipher", &o->ciphers);
  if (key == "curve_preferences") return name_list(e, "curve preference", &o->curves);
  if (key == "timeout") return timeout(e, &o->timeout);
  if (key == "connection_rate_limit") {
    if (!e.value.is_int()) return fail(e.key_pos, std::string(kPrefix) + "'connection_rate_limit' wrong type");
    o->rate_limit = e.value.as_int();
    return true;
  }
  if (key == "pinned_certs") return pinned_certs(e, &o->pinned_certs);
  // Unlike the top level, a key only used as a $variable is unknown here too (parseTLS).
  return fail(e.key_pos, std::string(kPrefix) + "unknown field [" + proto::go_quoted(e.key) + "]");
}

bool TlsBlockReader::read(const ConfigMap& block, tls::TlsOptions* out) {
  for (const ConfigMapEntry& e : block)
    if (!entry(e, out)) return false;
  return true;
}

}  // namespace

void read_tls(OptionsReader& r, const ConfigMapEntry& entry, Options& o) {
  const ConfigMap* block = r.get_map(entry);
  if (block == nullptr) return;
  tls::TlsOptions parsed;
  if (!TlsBlockReader(r, TlsBlockKind::Clients).read(*block, &parsed)) return;
  std::string error;
  std::shared_ptr<const tls::TlsContext> context = tls::TlsContext::create(parsed, &error);
  if (!context) return r.error(entry.key_pos, error);
  o.tls = std::move(context);
  o.tls_timeout = parsed.timeout;
  o.tls_map = parsed.map;
  o.tls_pinned_certs = parsed.pinned_certs;
  o.tls_rate_limit = parsed.rate_limit;
}

// Routes verify both ways whatever the block says (getTLSConfig: RequireAndVerifyClientCert, and
// the CAs serve as the roots for the routes we dial). connection_rate_limit is read and, as in
// nats-server, applies to clients only.
void read_cluster_tls(OptionsReader& r, const ConfigMapEntry& entry, ClusterOptions& c) {
  const ConfigMap* block = r.get_map(entry);
  if (block == nullptr) return;
  tls::TlsOptions parsed;
  if (!TlsBlockReader(r, TlsBlockKind::Routes).read(*block, &parsed)) return;
  parsed.verify = true;
  std::string error;
  std::shared_ptr<const tls::TlsContext> context = tls::TlsContext::create(parsed, &error);
  if (!context) return r.error(entry.key_pos, error);
  c.tls = std::move(context);
  c.tls_timeout = parsed.timeout;
  c.tls_map = parsed.map;
  c.tls_check_known_urls = parsed.check_known_urls;
  c.tls_pinned_certs = parsed.pinned_certs;
}

}  // namespace zats::server::config
