// Stream imports between accounts (docs/compatibility.md, Exports and imports): account B imports
// a stream that account A exports, and every message published in A on a subject the import
// names is also delivered in B, under the subject B sees (a prefix put in front, or `to`).
// stream_import_of() checks one import as nats-server adds it (an export that allows it, a literal
// prefix, no duplicate, no cycle); StreamImportTable is what a worker's publish path reads: per
// exporting account, the imports out of it, immutable, one per worker and options generation.
#pragma once

#include <bitset>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/account.h"
#include "server/options.h"
#include "server/subject_transform.h"

namespace zats::server {

struct StreamImport {
  std::string exporter;  // the account the messages are published in
  std::string importer;  // the account they are delivered in as well
  std::string subject;   // what the import takes, in the exporter's subjects (wildcards allowed)
  std::string to;        // the importer's subject for `subject` (a prefix already put in front;
                         // a transform's destination with its `$N` placeholders as `*`)
  bool prefixed = false;  // `to` is prefix + subject: map by putting the prefix in front
  std::optional<SubjectTransform> transform;  // a wildcard import mapped to another subject

  // The subject in the importing account for a published `subject` that matches this import.
  void map(std::string_view published, std::string& out) const;
};

// The import in force for `im` (a stream import), given the stream imports added before it; or
// nullopt with the reference's reason ("stream import not authorized", "import forms a cycle",
// ...) in `why`.
std::optional<StreamImport> stream_import_of(const Options& options, const AccountImport& im,
                                             const std::vector<StreamImport>& added, std::string* why);

// A service import in force: a request published in `importer` on `local` (wildcards allowed) goes
// to `exporter` on `subject`, with its reply mapped so that the exporter's responses come back
// (server/service_responses.h). A request that arrives in the exporter may go on through the
// exporter's own service imports (a chain, as in nats-server), crossing each export once.
struct ServiceImport {
  std::string exporter;
  std::string importer;
  std::string local;    // the importer's subject (`to`, or the subject), `$N` tokens as `*`
  std::string subject;  // the exporter's subject, `$N` tokens as `*`
  std::string written_local;  // `to` as configured: what nats-server tells duplicates apart by
  std::string response_type = "Singleton";  // of the export: Singleton, Streamed or Chunked
  uint64_t response_threshold_ns = 0;       // of the export: how long responses are taken back (0: default)
  size_t export_index = 0;                  // the export that allows it (in Options::account_exports)
  bool use_published = false;  // a wildcard import to the same subject: the request keeps its subject
  bool share = false;          // the requester's details go with the request (server/request_info.h)
  std::optional<SubjectTransform> transform;  // a wildcard import mapped to another subject

  // The exporter's subject for a request published on `published` (which `local` matches).
  void map(std::string_view published, std::string& out) const {
    if (transform) transform->apply(published, out);
    else if (use_published) out.assign(published);
    else out.assign(subject);
  }
};

// As stream_import_of, for a service import ("service import not authorized", "import forms a
// cycle", "duplicate service import subject ...", "failed to create mapping transform ...").
std::optional<ServiceImport> service_import_of(const Options& options, const AccountImport& im,
                                               const std::vector<ServiceImport>& added, std::string* why);

// A request on its way through service imports (one hop per import crossed, chained when an
// exporter imports the subject in turn): each hop's subject and reply in the next account, in
// buffers kept from request to request, and the exports crossed so far, since a chain stops
// before crossing one twice (client.go processServiceImport's cycle check). A response on its
// way back uses hops too, for the replies it carries. One per worker.
class ServiceImportChain {
 public:
  struct Hop {
    std::string subject;
    std::string reply;
    std::string payload;  // a request's, with its Nats-Request-Info header (server/request_info.h)
  };

  bool crossed(size_t export_index) const {
    for (size_t i = 0; i < depth_; ++i)
      if (exports_[i] == export_index) return true;
    return false;
  }
  static constexpr size_t kResponse = SIZE_MAX;  // a response's hop crosses no export

  // The next hop, through `export_index`; its buffers stay put until leave().
  Hop& enter(size_t export_index = kResponse) {
    if (depth_ == hops_.size()) {
      hops_.emplace_back();
      exports_.push_back(export_index);
    }
    exports_[depth_] = export_index;
    Hop& hop = hops_[depth_++];
    hop.reply.clear();
    return hop;
  }
  void leave() { --depth_; }

 private:
  std::deque<Hop> hops_;  // a deque: a deeper hop never moves the buffers of the ones before
  std::vector<size_t> exports_;
  size_t depth_ = 0;
};

class StreamImportTable {
 public:
  struct Route {
    StreamImport import;
    AccountId importer = kNoAccount;
  };

  StreamImportTable() = default;
  // Every stream import of `options` whose accounts `accounts` knows (the config check has
  // refused the others).
  StreamImportTable(const Options& options, const AccountTable& accounts);

  std::span<const Route> from(AccountId exporter) const {
    return exporter < by_exporter_.size() ? std::span<const Route>(by_exporter_[exporter]) : std::span<const Route>();
  }
  bool empty() const { return empty_; }

 private:
  std::vector<std::vector<Route>> by_exporter_;
  bool empty_ = true;
};

// Per importing account, the service imports out of it, for a worker's publish path.
class ServiceImportTable {
 public:
  struct Route {
    ServiceImport import;
    AccountId exporter = kNoAccount;
  };

  ServiceImportTable() = default;
  // `system`: the system account, whose services every other account imports (kNoAccount: none).
  ServiceImportTable(const Options& options, const AccountTable& accounts, AccountId system);

  std::span<const Route> from(AccountId importer) const {
    return importer < by_importer_.size() ? std::span<const Route>(by_importer_[importer]) : std::span<const Route>();
  }
  bool empty() const { return empty_; }
  // Whether a request on `subject` in `importer` may match one of its imports: a test of the
  // subject's first byte, so a publish on a subject no import starts like pays one lookup (every
  // account has the system services' imports, which start with '$').
  bool may_match(AccountId importer, std::string_view subject) const {
    return importer < first_bytes_.size() && !subject.empty() &&
           first_bytes_[importer].test(static_cast<unsigned char>(subject.front()));
  }

 private:
  void add_system_imports(const Options& options, const AccountTable& accounts, AccountId system);
  void add(AccountId importer, Route route);

  std::vector<std::vector<Route>> by_importer_;
  std::vector<std::bitset<256>> first_bytes_;  // by importer: the first bytes its imports' subjects match
  bool empty_ = true;
};

}  // namespace zats::server
