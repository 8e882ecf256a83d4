// Endpoints (see endpoints.h). Request counting happens where nats-server counts: before or
// after parameter decoding depending on the endpoint, so http_req_stats agrees with it.
#include "server/monitor/endpoints.h"

#include <chrono>
#include <vector>

#include "server/monitor/absent_subsystems.h"
#include "server/monitor/account_statz.h"
#include "server/monitor/connz.h"
#include "server/monitor/metrics.h"
#include "server/monitor/simple_endpoints.h"
#include "server/monitor/subsz.h"

namespace zats::server::monitor {
namespace {

UnixNanos system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse text(int status, std::string body, const char* type = "text/plain; charset=utf-8") {
  HttpResponse r;
  r.status = status;
  r.content_type = type;
  r.body = std::move(body);
  return r;
}

HttpResponse not_found() {
  HttpResponse r = text(404, "404 page not found\n");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

// JSON, or JSONP when ?callback= is given; errors stay plain text as in the reference.
HttpResponse respond(const Rendered& r, const Query& q) {
  if (r.is_error) return text(r.status, r.body);
  std::string cb = q.get("callback");
  if (cb.empty()) return text(r.status, r.body, "application/json");
  return text(r.status, cb + "(" + r.body + ")", "application/javascript");
}

}  // namespace

std::string clean_path(const std::string& p) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t slash = p.find('/', i);
    if (slash == std::string::npos) slash = p.size();
    std::string seg = p.substr(i, slash - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = slash + 1;
  }
  std::string out;
  for (const auto& s : parts) out += "/" + s;
  return out.empty() ? "/" : out;
}

std::string Endpoints::normalize_base_path(const std::string& p) {
  if (p.empty()) return "/";
  return clean_path(p[0] == '/' ? p : "/" + p);
}

Endpoints::Endpoints(SnapshotSource& source, std::string base_path, Clock clock)
    : source_(source), base_(normalize_base_path(base_path)), clock_(std::move(clock)) {
  if (!clock_) clock_ = system_now;
}

Snapshot Endpoints::take(const SnapshotRequest& what) {
  Snapshot s = source_.take(what);
  if (s.now == 0) s.now = clock_();
  return s;
}

HttpResponse Endpoints::handle(const HttpRequest& req) {
  // Endpoints live at path.Join(base, "/name"); the index is the base itself.
  if (req.path == base_) return route("/", req);
  std::string prefix = base_ == "/" ? "" : base_;
  if (req.path.size() <= prefix.size() || req.path.compare(0, prefix.size(), prefix) != 0) {
    return not_found();
  }
  std::string endpoint = req.path.substr(prefix.size());
  // Only the base itself is the index; "<base>/" is unknown, as with Go's ServeMux patterns.
  if (endpoint == "/") return not_found();
  return route(endpoint, req);
}

HttpResponse Endpoints::route(const std::string& endpoint, const HttpRequest& req) {
  Query q(req.query);
  std::string err;
  if (endpoint == "/") {
    counts_->count("/");
    return text(200, render_root_page(base_, take({}).server.version), "text/html; charset=utf-8");
  }
  if (endpoint == "/varz") {
    counts_->count("/varz");
    Snapshot s = take({});
    s.http_requests = counts_->snapshot();
    return respond(render_varz(s), q);
  }
  if (endpoint == "/connz") {
    ConnzQuery cq = decode_connz_query(q);
    if (!cq.error.empty()) return text(400, cq.error);
    counts_->count("/connz");
    if (std::string e = validate_connz(cq.options); !e.empty()) return text(400, e);
    return respond(render_connz(take(connz_request(cq.options)), cq.options), q);
  }
  if (endpoint == "/routez") {
    RoutezOptions ro = decode_routez_query(q, err);
    if (!err.empty()) return text(400, err);
    counts_->count("/routez");
    SnapshotRequest what;
    what.routes = true;
    what.subscriptions = ro.subs || ro.subs_detail;
    return respond(render_routez(take(what), ro), q);
  }
  if (endpoint == "/subsz" || endpoint == "/subscriptionsz") {
    counts_->count("/subsz");
    SubszQuery sq = decode_subsz_query(q);
    if (!sq.error.empty()) return text(400, sq.error);
    return respond(render_subsz(take(subsz_request(sq.options)), sq.options), q);
  }
  if (endpoint == "/healthz") {
    counts_->count("/healthz");
    if (std::string e = decode_healthz_query(q); !e.empty()) return text(400, e);
    return respond(render_healthz(take({})), q);
  }
  if (endpoint == "/accountz") {
    counts_->count("/accountz");
    SnapshotRequest what;
    what.accounts = true;
    return respond(render_accountz(take(what), q.get("acc")), q);
  }
  if (endpoint == "/accstatz") {
    counts_->count("/accstatz");
    AccountStatzQuery aq = decode_account_statz_query(q);
    if (!aq.error.empty()) return text(400, aq.error);
    SnapshotRequest what;
    what.accounts = true;
    return respond(render_account_statz(take(what), aq), q);
  }
  if (endpoint == "/leafz") {
    counts_->count("/leafz");
    return respond(render_leafz(take({}), q), q);
  }
  if (endpoint == "/gatewayz") {
    counts_->count("/gatewayz");
    return respond(render_gatewayz(take({}), q), q);
  }
  if (endpoint == "/jsz") {
    counts_->count("/jsz");
    return respond(render_jsz(take({}), q), q);
  }
  if (endpoint == "/metrics") {
    counts_->count("/metrics");
    SnapshotRequest what;
    what.routes = true;
    return text(200, render_metrics(take(what)), kMetricsContentType);
  }
  return not_found();
}

}  // namespace zats::server::monitor
