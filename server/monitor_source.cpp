#include "server/monitor_source.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "core/uring_probe.h"
#include "server/monitor/process_usage.h"
#include "server/worker.h"

namespace zats::server {
namespace {

// The workers' answers; shared with the posted tasks so a late worker never writes into a
// request that already gave up on it.
struct Gathering {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<WorkerReport> reports;
  size_t pending = 0;
};

void add_report(monitor::Snapshot& snap, WorkerReport& r) {
  monitor::Totals& t = snap.totals;
  t.in_msgs += r.in_msgs;
  t.out_msgs += r.out_msgs;
  t.in_bytes += r.in_bytes;
  t.out_bytes += r.out_bytes;
  t.slow_consumers += r.slow_consumers;
  t.subscriptions += r.subscriptions;
  snap.sublist += r.sublist;
  snap.workers.push_back(r.stats);
  for (auto& c : r.open) snap.open.push_back(std::move(c));
  for (auto& c : r.closed) snap.closed.push_back(std::move(c));
  for (auto& route : r.routes) snap.routes.push_back(std::move(route));
}

monitor::TrustedOperator trusted_operator(const auth::OperatorJwt& op) {
  monitor::TrustedOperator t;
  t.jwt = op.as_configured;
  const auth::JwtClaims& c = op.claims;
  t.audience = c.audience;
  t.id = c.id;
  t.issuer = c.issuer;
  t.name = c.name;
  t.subject = c.subject;
  t.expires = c.expires;
  t.issued_at = c.issued_at;
  t.not_before = c.not_before;
  t.signing_keys = op.signing_keys;
  t.account_server_url = op.account_server_url;
  t.operator_service_urls = op.operator_service_urls;
  t.system_account = op.system_account;
  t.assert_server_version = op.assert_server_version;
  t.strict_signing_key_usage = op.strict_signing_key_usage;
  t.tags = op.tags;
  t.version = op.version;
  return t;
}

// /accountz?acc=: the account's exports as configured (services, then streams) and the stream
// imports in force.
void describe_exports_and_imports(const Options& o, const StreamImportTable& imports, const AccountTable& accounts,
                                  AccountId system, AccountId account, monitor::AccountInfo& out) {
  for (bool service : {true, false}) {
    for (const AccountExport& e : o.account_exports) {
      if (e.service != service || e.account != out.name) continue;
      out.exports.push_back({e.subject, e.service, e.response_type, e.to_accounts});
    }
  }
  for (AccountId exporter = 0; exporter < accounts.size(); ++exporter) {
    for (const StreamImportTable::Route& r : imports.from(exporter))
      if (r.importer == account) out.imports.push_back({r.import.subject, r.import.exporter, r.import.to, {}, false});
  }
  const ServiceImportTable services(o, accounts, system);
  for (const ServiceImportTable::Route& r : services.from(account))
    out.imports.push_back({r.import.local, r.import.exporter, {}, r.import.subject, true, r.import.share});
}

// /accountz?acc=: the account's subject mappings, by source (as Go's JSON orders map keys).
void describe_mappings(const SubjectMappingTable& mappings, AccountId account, monitor::AccountInfo& out) {
  for (const CompiledMapping& m : mappings.of(account)) {
    monitor::AccountMappingInfo info{m.source(), {}};
    m.for_each_destination([&info](std::string_view subject, uint32_t weight, std::string_view cluster) {
      info.destinations.push_back({std::string(subject), weight, std::string(cluster)});
    });
    out.mappings.push_back(std::move(info));
  }
  std::sort(out.mappings.begin(), out.mappings.end(), [](const auto& a, const auto& b) { return a.source < b.source; });
}

}  // namespace

MonitorSource::MonitorSource(ServerContext& context, int64_t start_wall_ns)
    : context_(context), start_wall_ns_(start_wall_ns) {}

monitor::ServerIdentity MonitorSource::identity() const {
  const Options& o = context_.options;
  monitor::ServerIdentity id;
  id.server_id = context_.server_id;
  id.server_name = context_.info.server_name;
  id.host = o.host;
  id.port = o.port;
  id.auth_required = context_.info.auth_required;
  id.max_connections = static_cast<int>(o.max_connections);
  id.max_subscriptions = static_cast<int>(o.max_subscriptions);
  id.ping_interval = o.ping_interval.count();
  id.ping_max = o.ping_max;
  id.http_host = o.http_host.empty() ? o.host : o.http_host;
  id.http_port = o.http_port;
  id.https_port = o.https_port;
  id.tags = o.server_tags;
  id.http_base_path = o.http_base_path;
  id.max_control_line = o.max_control_line;
  id.max_payload = static_cast<int>(o.max_payload);
  id.max_pending = o.max_pending;
  id.write_deadline = o.write_deadline.count();
  id.auth_timeout = static_cast<double>(o.auth_timeout.count()) / 1e9;
  id.tls_timeout = o.tls_timeout > 0 ? o.tls_timeout : tls::kDefaultTlsTimeoutSeconds;
  id.tls_required = o.tls != nullptr && !o.allow_non_tls;
  id.tls_verify = o.tls != nullptr && o.tls->verify();
  if (context_.system_account != kNoAccount) id.system_account = context_.accounts.name(context_.system_account);
  for (const auth::OperatorJwt& op : o.operator_mode.operators) id.trusted_operators.push_back(trusted_operator(op));
  id.pinned_account_fails = context_.pinned_account_fails.load(std::memory_order_relaxed);
  id.start = start_wall_ns_;
  id.config_load_time = start_wall_ns_;
  id.io_uring_kernel = core::uring_support().kernel;
  id.io_uring_tier = core::tier_name(core::tier_of(context_.uring));
  id.io_uring_tier_forced = o.io_uring_tier != core::UringTier::Newest;
  for (std::string_view f : core::feature_names(context_.uring)) id.io_uring_features.emplace_back(f);
  if (describe_cluster_) describe_cluster_(id);
  return id;
}

monitor::Snapshot MonitorSource::take(const monitor::SnapshotRequest& what) {
  auto gathering = std::make_shared<Gathering>();
  const size_t n = context_.workers.size();
  gathering->reports.resize(n);
  gathering->pending = n;
  for (size_t i = 0; i < n; ++i) {
    context_.workers[i]->post([gathering, i, what, worker = context_.workers[i]] {
      WorkerReport report;
      worker->report(what, report);
      std::lock_guard lock(gathering->mutex);
      gathering->reports[i] = std::move(report);
      if (--gathering->pending == 0) gathering->done.notify_one();
    });
  }
  monitor::Snapshot snap;
  snap.now = core::realtime_ns();
  snap.server = identity();
  std::unique_lock lock(gathering->mutex);
  if (!gathering->done.wait_for(lock, worker_timeout_, [&] { return gathering->pending == 0; })) {
    snap.ready = false;
    snap.ready_error = "a worker did not answer in time";
  }
  std::vector<uint32_t> account_conns(context_.accounts.size(), 0), account_subs(context_.accounts.size(), 0);
  std::vector<monitor::SublistStats> account_sublist(context_.accounts.size());
  std::vector<monitor::Traffic> account_traffic(context_.accounts.size());
  for (WorkerReport& r : gathering->reports) {
    for (size_t a = 0; a < r.account_connections.size() && a < account_conns.size(); ++a) {
      account_conns[a] += r.account_connections[a];
      account_subs[a] += r.account_subscriptions[a];
      if (a < r.account_sublist.size()) account_sublist[a] += r.account_sublist[a];
    }
    for (size_t a = 0; a < r.account_traffic.size() && a < account_traffic.size(); ++a) account_traffic[a] += r.account_traffic[a];
    add_report(snap, r);
  }
  lock.unlock();
  std::sort(snap.closed.begin(), snap.closed.end(), [](const auto& a, const auto& b) { return a.stop < b.stop; });
  monitor::ProcessUsage::Sample usage = usage_.sample();
  monitor::Totals& t = snap.totals;
  t.mem_rss = usage.rss_bytes;
  t.cpu = usage.cpu_percent;
  t.cores = static_cast<int>(std::thread::hardware_concurrency());
  t.gomaxprocs = static_cast<int>(n);
  t.connections = static_cast<int>(context_.connections.load(std::memory_order_relaxed));
  t.total_connections = context_.total_connections.load(std::memory_order_relaxed);
  std::sort(snap.routes.begin(), snap.routes.end(), [](const auto& a, const auto& b) { return a.rid < b.rid; });
  t.routes = static_cast<int>(snap.routes.size());
  t.remotes = t.routes;
  t.log_lines_dropped = core::log_lines_dropped();
  if (what.accounts) {
    // A worker's options follow reloads; the start options serve when no worker answered.
    const Options& current = !gathering->reports.empty() && gathering->reports[0].options ? *gathering->reports[0].options
                                                                                           : context_.options;
    const StreamImportTable imports(current, context_.accounts);
    const SubjectMappingTable mappings(current, context_.accounts);
    for (size_t a = 0; a < context_.accounts.size(); ++a) {
      monitor::AccountInfo acc;
      acc.name = context_.accounts.name(static_cast<AccountId>(a));
      describe_exports_and_imports(current, imports, context_.accounts, context_.system_account, static_cast<AccountId>(a), acc);
      describe_mappings(mappings, static_cast<AccountId>(a), acc);
      acc.client_connections = static_cast<int>(account_conns[a]);
      acc.subscriptions = account_subs[a];
      acc.sublist = account_sublist[a];
      acc.traffic = account_traffic[a];
      acc.is_system = static_cast<AccountId>(a) == context_.system_account;
      snap.accounts.push_back(std::move(acc));
    }
  }
  return snap;
}

}  // namespace zats::server
