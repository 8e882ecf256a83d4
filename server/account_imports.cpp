#include "server/account_imports.h"

#include <algorithm>

#include <map>

#include "proto/subject.h"

namespace zats::server {
namespace {

constexpr size_t kMaxCycleSearchDepth = 1024;  // accounts.go MaxAccountCycleSearchDepth

// An export with an account_token_position is the importer's only where that token of the
// imported subject is the importer's account name (it decides alone, as in nats-server).
bool names_importer(const AccountExport& ex, const AccountImport& im) {
  return proto::subject_token(im.subject, ex.account_token_position) == im.account;
}

// accounts.go checkStreamExportApproved: an export whose subject covers the import's, public or
// naming the importer, or with the importer's name where the export asks for it.
bool export_allows(const Options& o, const AccountImport& im) {
  for (const AccountExport& ex : o.account_exports) {
    if (ex.service || ex.account != im.from_account || !proto::subject_is_subset(im.subject, ex.subject)) continue;
    if (ex.account_token_position > 0) return names_importer(ex, im);
    if (ex.token_required) return im.activated;
    if (ex.to_accounts.empty()) return true;
    for (const std::string& a : ex.to_accounts)
      if (a == im.account) return true;
    return false;  // the first export that covers it decides, as there
  }
  return false;
}

bool exports_stream_matching(const Options& o, const std::string& account, std::string_view subject) {
  for (const AccountExport& ex : o.account_exports)
    if (!ex.service && ex.account == account && proto::subject_is_subset(subject, ex.subject)) return true;
  return false;
}

// accounts.go checkStreamImportsForCycles: follows the imports of `account` that could carry
// `to` back, failing when one leads to an account already on the path.
bool forms_cycle(const Options& o, const std::vector<StreamImport>& added, const std::string& account, std::string to,
                 std::map<std::string, bool>& visited, std::string* why) {
  if (visited.size() >= kMaxCycleSearchDepth) {
    *why = "search cycle depth exhausted";
    return true;
  }
  if (!exports_stream_matching(o, account, to)) return false;
  for (const StreamImport& si : added) {
    if (si.importer != account || !proto::subjects_collide(to, si.to)) continue;
    if (visited[si.exporter]) {
      *why = "import forms a cycle";
      return true;
    }
    visited[account] = true;
    if (proto::subject_is_subset(si.to, to)) to = si.to;
    if (forms_cycle(o, added, si.exporter, to, visited, why)) return true;
  }
  return false;
}

// accounts.go checkServiceImportAuthorized, as export_allows for services; `index` is the
// export's position.
bool service_export_allows(const Options& o, const AccountImport& im, std::string* response_type, size_t* index) {
  for (size_t i = 0; i < o.account_exports.size(); ++i) {
    const AccountExport& ex = o.account_exports[i];
    if (!ex.service || ex.account != im.from_account || !proto::subject_is_subset(im.subject, ex.subject)) continue;
    *response_type = ex.response_type;
    *index = i;
    if (ex.account_token_position > 0) return names_importer(ex, im);
    if (ex.token_required) return im.activated;
    if (ex.to_accounts.empty()) return true;
    for (const std::string& a : ex.to_accounts)
      if (a == im.account) return true;
    return false;
  }
  return false;
}

// accounts.go checkServiceImportsForCycles.
bool service_forms_cycle(const std::vector<ServiceImport>& added, const std::string& account, std::string from,
                         std::map<std::string, bool>& visited, std::string* why) {
  if (visited.size() >= kMaxCycleSearchDepth) {
    *why = "search cycle depth exhausted";
    return true;
  }
  for (const ServiceImport& si : added) {
    if (si.importer != account || !proto::subjects_collide(from, si.subject)) continue;
    if (visited[si.exporter]) {
      *why = "import forms a cycle";
      return true;
    }
    visited[account] = true;
    if (proto::subject_is_subset(si.local, from)) from = si.local;
    if (service_forms_cycle(added, si.exporter, from, visited, why)) return true;
  }
  return false;
}

// accounts.go addServiceImport: a wildcard import to another subject maps requests with a
// transform, made from the exporter's subject to the local one and then reversed.
bool set_service_mapping(ServiceImport& si, std::string* why) {
  if (proto::is_literal(si.subject)) return true;
  if (si.local == si.subject) {
    si.use_published = true;
    return true;
  }
  si.subject = SubjectTransform::unnumber_wildcards(si.subject);
  auto failed = [&](const std::string& problem) {
    *why = "failed to create mapping transform for service import subject \"" + si.local + "\" to \"" +
           si.subject + "\": " + problem;
    return false;
  };
  std::string problem;
  std::optional<SubjectTransform> forward =
      SubjectTransform::make(si.subject, SubjectTransform::number_wildcards(si.local), &problem);
  if (!forward) return failed(problem);
  si.local = SubjectTransform::unnumber_wildcards(si.local);
  si.transform = forward->reversed();
  // nats-server reverses only `$N` placeholders: with a mapping function in `to` it is left with
  // no transform, listens on the literal subject and sends requests to the wildcard one.
  if (!si.transform)
    return failed("zats refuses mapping functions in a service import's subject (nats-server 2.9.10 cannot "
                  "reverse them)");
  return true;
}

}  // namespace

std::optional<ServiceImport> service_import_of(const Options& o, const AccountImport& im,
                                               const std::vector<ServiceImport>& added, std::string* why) {
  ServiceImport si;
  si.exporter = im.from_account;
  si.importer = im.account;
  si.subject = im.subject;
  si.local = im.to.empty() ? im.subject : im.to;
  si.written_local = si.local;
  si.share = im.share;
  if (!proto::is_valid_subject(si.local) || !proto::is_valid_subject(si.subject)) {
    *why = "sublist: invalid subject";
    return std::nullopt;
  }
  if (!service_export_allows(o, im, &si.response_type, &si.export_index)) {
    *why = "service import not authorized";
    return std::nullopt;
  }
  si.response_threshold_ns = static_cast<uint64_t>(o.account_exports[si.export_index].response_threshold.count());
  std::map<std::string, bool> visited{{si.importer, true}};
  if (service_forms_cycle(added, si.exporter, si.local, visited, why)) return std::nullopt;
  for (const ServiceImport& other : added) {
    if (other.importer == si.importer && other.written_local == si.written_local) {
      *why = "duplicate service import subject \"" + si.written_local + "\", previously used in import for account \"" +
             other.exporter + "\", subject \"" + other.subject + "\"";
      return std::nullopt;
    }
  }
  if (!set_service_mapping(si, why)) return std::nullopt;
  return si;
}

ServiceImportTable::ServiceImportTable(const Options& o, const AccountTable& accounts, AccountId system)
    : by_importer_(accounts.size()), first_bytes_(accounts.size()) {
  std::vector<ServiceImport> added;
  std::string why;
  for (const AccountImport& im : o.account_imports) {
    if (!im.service) continue;
    std::optional<ServiceImport> si = service_import_of(o, im, added, &why);
    if (!si) continue;
    AccountId exporter = accounts.find(si->exporter);
    AccountId importer = accounts.find(si->importer);
    added.push_back(*si);
    if (exporter == kNoAccount || importer == kNoAccount) continue;
    add(importer, Route{std::move(*si), exporter});
  }
  add_system_imports(o, accounts, system);
}

void ServiceImportTable::add(AccountId importer, Route route) {
  const std::string_view local = route.import.local;
  const bool wildcard_first = local.starts_with("*") || local.starts_with(">");
  if (wildcard_first) first_bytes_[importer].set();
  else if (!local.empty()) first_bytes_[importer].set(static_cast<unsigned char>(local.front()));
  by_importer_[importer].push_back(std::move(route));
  empty_ = false;
}

// What nats-server gives every account but the system account: its own connections and statistics
// from the system services (server/system_requests.h), on the subjects the system account's users
// ask every server on, unless the account imports that subject itself. Answers come from every
// server, so their responses are streamed. Each kind counts as an export of its own, after the
// configured ones.
void ServiceImportTable::add_system_imports(const Options& o, const AccountTable& accounts, AccountId system) {
  if (system == kNoAccount) return;
  struct SystemImport {
    std::string_view local, service;
  };
  static constexpr SystemImport kImports[] = {
      {"$SYS.REQ.ACCOUNT.PING.CONNZ", "CONNZ"}, {"$SYS.REQ.SERVER.PING.CONNZ", "CONNZ"}, {"$SYS.REQ.ACCOUNT.PING.STATZ", "STATZ"}};
  for (AccountId importer = 0; importer < accounts.size(); ++importer) {
    if (importer == system) continue;
    for (const SystemImport& s : kImports) {
      const std::vector<Route>& own = by_importer_[importer];
      if (std::any_of(own.begin(), own.end(), [&s](const Route& r) { return r.import.local == s.local; })) continue;
      ServiceImport si;
      si.exporter = accounts.name(system);
      si.importer = accounts.name(importer);
      si.local = si.written_local = s.local;
      si.subject = "$SYS.REQ.ACCOUNT." + si.importer + "." + std::string(s.service);
      si.response_type = "Streamed";
      si.export_index = o.account_exports.size() + (s.service == "CONNZ" ? 0 : 1);
      add(importer, Route{std::move(si), system});
    }
  }
}

void StreamImport::map(std::string_view published, std::string& out) const {
  if (prefixed) {
    out.assign(to, 0, to.size() - subject.size());
    out.append(published);
  } else if (transform) {
    transform->apply(published, out);
  } else if (proto::is_literal(subject)) {
    out.assign(to);
  } else {
    out.assign(published);  // a wildcard import keeps the subject (to == subject)
  }
}

std::optional<StreamImport> stream_import_of(const Options& o, const AccountImport& im,
                                             const std::vector<StreamImport>& added, std::string* why) {
  if (!export_allows(o, im)) {
    *why = "stream import not authorized";
    return std::nullopt;
  }
  StreamImport si;
  si.exporter = im.from_account;
  si.importer = im.account;
  si.subject = im.subject;
  if (!im.prefix.empty()) {
    if (!proto::is_literal(im.prefix)) {
      *why = "stream import prefix can not contain wildcard tokens";
      return std::nullopt;
    }
    si.to = im.prefix.back() == '.' ? im.prefix : im.prefix + ".";
    si.to += im.subject;
    si.prefixed = true;
  } else {
    si.to = im.to.empty() ? im.subject : im.to;
    if (!proto::is_literal(im.subject) && si.to != im.subject) {
      // accounts.go AddMappedStreamImportWithClaim: the destination's `*`s take the source's.
      std::string problem;
      si.transform = SubjectTransform::make(im.subject, SubjectTransform::number_wildcards(si.to), &problem);
      if (!si.transform) {
        *why = "failed to create mapping transform for stream import subject \"" + im.subject + "\" to \"" +
               si.to + "\": " + problem;
        return std::nullopt;
      }
      si.to = SubjectTransform::unnumber_wildcards(si.to);
    }
  }
  std::map<std::string, bool> visited{{si.importer, true}};
  if (forms_cycle(o, added, si.exporter, si.to, visited, why)) return std::nullopt;
  for (const StreamImport& other : added) {
    if (other.importer == si.importer && other.exporter == si.exporter && other.subject == si.subject) {
      *why = "stream import already exists";
      return std::nullopt;
    }
  }
  return si;
}

StreamImportTable::StreamImportTable(const Options& o, const AccountTable& accounts) : by_exporter_(accounts.size()) {
  std::vector<StreamImport> added;
  std::string why;
  for (const AccountImport& im : o.account_imports) {
    if (im.service) continue;
    std::optional<StreamImport> si = stream_import_of(o, im, added, &why);
    if (!si) continue;
    AccountId exporter = accounts.find(si->exporter);
    AccountId importer = accounts.find(si->importer);
    added.push_back(*si);
    if (exporter == kNoAccount || importer == kNoAccount) continue;
    by_exporter_[exporter].push_back(Route{std::move(*si), importer});
    empty_ = false;
  }
}

}  // namespace zats::server
