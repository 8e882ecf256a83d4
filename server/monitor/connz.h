// /connz: query decoding with nats-server's 400 texts, and rendering of the connection list from
// a snapshot with the reference's filter, sort and paging rules (cid forces limit 1, numeric
// sorts descend, stop/reason only on closed connections, ...).
#pragma once

#include <cstdint>
#include <string>

#include "server/monitor/query.h"
#include "server/monitor/rendered.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

enum class ConnState { kOpen, kClosed, kAll };

struct ConnzOptions {
  std::string sort;  // "" = cid
  bool auth = false;
  bool subs = false;
  bool subs_detail = false;
  std::int64_t offset = 0;
  std::int64_t limit = 0;  // <= 0 = 1024
  std::uint64_t cid = 0;
  ConnState state = ConnState::kOpen;
  std::string user;
  std::string account;
};

inline constexpr std::int64_t kDefaultListSize = 1024;

// Decodes the query as HandleConnz does; on failure `error` holds the 400 text.
struct ConnzQuery {
  ConnzOptions options;
  std::string error;
};
ConnzQuery decode_connz_query(const Query& q);

// Option checks that nats-server makes after counting the request ("invalid sorting
// option: x", "sort by stop only valid on closed connections"); "" when valid.
std::string validate_connz(const ConnzOptions& o);

// What to gather for these options.
SnapshotRequest connz_request(const ConnzOptions& o);

// The /connz JSON for `snap` (validate_connz errors are returned as 400s too).
Rendered render_connz(const Snapshot& snap, const ConnzOptions& o);

}  // namespace zats::server::monitor
