// Endpoints: the monitoring HTTP handler. Routes a request under http_base_path to /varz,
// /connz, /routez, /subsz (/subscriptionsz), /healthz, /accountz, /accstatz, /leafz, /gatewayz,
// /jsz, /metrics or the "/" index;
// asks the SnapshotSource for just what that endpoint needs; answers JSON (JSONP with
// ?callback=), the reference's 400 texts, and Go's 404 for anything else.
// Not thread-safe: call handle() from one thread (the monitoring server's).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "server/monitor/http_message.h"
#include "server/monitor/http_request_counts.h"
#include "server/monitor/snapshot.h"
#include "server/monitor/varz.h"

namespace zats::server::monitor {

class Endpoints {
 public:
  using Clock = std::function<UnixNanos()>;

  // `base_path` as configured (http_base_path); it is normalised as nats-server does.
  // `clock` supplies "now" when the snapshot leaves it 0 (defaults to the system clock).
  Endpoints(SnapshotSource& source, std::string base_path, Clock clock = {});

  HttpResponse handle(const HttpRequest& req);

  // Request counts per endpoint, as /varz's http_req_stats shows them; shared with whoever
  // else shows them (the system account's VARZ).
  HttpRequestStats request_stats() const { return counts_->snapshot(); }
  std::shared_ptr<const HttpRequestCounts> request_counts() const { return counts_; }

  // nats-server's normalizeBasePath: "" -> "/", leading '/' added, path cleaned.
  static std::string normalize_base_path(const std::string& p);

 private:
  Snapshot take(const SnapshotRequest& what);
  HttpResponse route(const std::string& endpoint, const HttpRequest& req);

  SnapshotSource& source_;
  std::string base_;
  Clock clock_;
  std::shared_ptr<HttpRequestCounts> counts_ = std::make_shared<HttpRequestCounts>();
};

// Go's path.Clean for absolute paths ("/a//b/../c/" -> "/a/c").
std::string clean_path(const std::string& p);

}  // namespace zats::server::monitor
