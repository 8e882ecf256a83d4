// Test fixture for the monitoring tests: a snapshot reproducing a state captured from the
// reference nats-server 2.9.10 (one open client with three subscriptions, one closed client),
// and a SnapshotSource that hands it out and records what was asked for.
#pragma once

#include "server/monitor/snapshot.h"

namespace zats::server::monitor::test {

inline constexpr const char* kServerId = "NADGG3RFEIWHTMUA2ZDIKTVVJVI52CJM7MXN37R3QOQ6UZYGSSRYPMIR";
inline constexpr UnixNanos kStart = 1795830708372346888;  // 2026-11-28T01:51:48.372346888Z

inline Snapshot reference_snapshot() {
  Snapshot s;
  s.now = 1795830714907571738;  // 2026-11-28T01:51:54.907571738Z
  s.server.server_id = kServerId;
  s.server.server_name = kServerId;
  s.server.port = 14333;
  s.server.http_port = 18333;
  s.server.start = kStart;
  s.server.config_load_time = kStart;
  s.server.system_account = "$SYS";
  s.totals.cores = 2;
  s.totals.gomaxprocs = 2;

  ConnectionInfo a;
  a.cid = 4;
  a.ip = "127.0.0.1";
  a.port = 33422;
  a.start = 1795830713717887459;
  a.last_activity = 1795830713718624829;
  a.rtt = 618'734;
  a.in_msgs = a.out_msgs = 1;
  a.in_bytes = a.out_bytes = 5;
  a.num_subs = 3;
  a.name = "c1";
  a.lang = "go";
  a.version = "1.2";
  a.authorized_user = "x";
  a.account = "$G";
  a.subs = {{"$G", "baz", "", "3", 0, 5, 4}, {"$G", "foo", "", "1", 1, 0, 4}, {"$G", "bar", "q", "2", 0, 0, 4}};
  s.open.push_back(a);

  ConnectionInfo b;
  b.cid = 5;
  b.ip = "127.0.0.1";
  b.port = 33430;
  b.start = 1795830714218948343;
  b.last_activity = 1795830714219313558;
  b.stop = 1795830714523656537;
  b.reason = "Read Error";
  b.rtt = 365'120;
  b.account = "$G";
  s.closed.push_back(b);

  AccountInfo g;
  g.name = "$G";
  g.client_connections = 1;
  g.subscriptions = 3;
  AccountInfo sys;
  sys.name = "$SYS";
  sys.is_system = true;
  s.accounts = {g, sys};
  return s;
}

struct FakeSource : SnapshotSource {
  Snapshot snap = reference_snapshot();
  SnapshotRequest last;
  int calls = 0;
  Snapshot take(const SnapshotRequest& what) override {
    last = what;
    ++calls;
    return snap;
  }
};

}  // namespace zats::server::monitor::test
