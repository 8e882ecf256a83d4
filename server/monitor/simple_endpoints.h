// The endpoints with little logic of their own: /routez, /healthz, /accountz and the HTML index
// at "/", rendered as nats-server renders them.
#pragma once

#include <string>

#include "server/monitor/query.h"
#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

// subs = true/1/detail as for /connz.
struct RoutezOptions {
  bool subs = false;
  bool subs_detail = false;
};
RoutezOptions decode_routez_query(const Query& q, std::string& error);
Rendered render_routez(const Snapshot& snap, const RoutezOptions& o);

// {"status":"ok"} (compact), or 503 with {"status":"error","error":"..."} when not ready.
// The reference's js-* booleans are decoded (bad ones give 400) and otherwise ignored.
std::string decode_healthz_query(const Query& q);
Rendered render_healthz(const Snapshot& snap);

// Without `account`: the account names; with it: that account's details or a 400.
Rendered render_accountz(const Snapshot& snap, const std::string& account);

// One account's details (what /accountz?acc= shows under account_detail), or a 400.
Rendered render_account_info(const Snapshot& snap, const std::string& account);

// The index page linking the endpoints under `base_path` (normalised, e.g. "/" or "/mon").
std::string render_root_page(const std::string& base_path, const std::string& version);

}  // namespace zats::server::monitor
