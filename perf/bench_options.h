// BenchOptions: everything zats-bench was asked to do, parsed from argv.
// Defaults are sized for a quick run on a small box; every wait has a bound.
#pragma once

#include <cstdint>
#include <string>

namespace zats::perf {

struct BenchOptions {
  std::string scenario;  // pub sub pubsub fanout queue reqrep conns subjects churn handshakes
  std::string url = "nats://127.0.0.1:4222";
  std::string sub_url;  // subscribers and responders connect here when set (another node of a cluster)
  double settle = 0;    // seconds between every client being connected and the load starting
  int threads = 0;  // 0: min(clients, max(1, nproc/2))
  int pubs = 1;
  int subs = -1;  // -1: the scenario's default
  // pubsub/fanout: extra subscribers on the same subject that read slowly;
  // not counted in the subscribers' figures (role "slow")
  int slow = 0;
  double slow_read = 0;  // bytes/s each slow subscriber reads; 0: stops reading after the handshake
  size_t size = 16;
  uint64_t msgs = 0;       // total messages; 0: run for `duration`
  double duration = 5;     // seconds
  double rate = 0;         // total msgs (or requests) per second; 0: as fast as possible
  double spin_us = -1;     // busy-poll this long after activity / before a due send;
                           // -1: 200 for latency runs (reqrep, --rate), else 0
  size_t batch = 256 * 1024;  // bytes per publish write
  std::string subject = "bench";
  std::string group = "bench_q";
  // reqrep
  int requesters = 1;
  int responders = 1;
  int inflight = 1;  // closed loop: outstanding requests per requester
  bool old_style = false;  // every request SUBs a fresh inbox with UNSUB max 1 (old clients' Request)
  // conns
  int conns = 1000;
  int server_pid = 0;
  std::string monitor;  // http://host:port of the server's monitoring port
  double hold = 1;      // seconds to hold the idle connections before measuring
  // subjects
  size_t subjects = 1'000'000;
  size_t interest_every = 1000;
  // churn
  int churners = 1;
  double churn_rate = 10000;  // SUB+UNSUB operations per second, total
  int window = 100;           // live subscriptions per churner
  // TLS: every connection upgrades after the INFO (the server must offer it)
  bool tls = false;
  std::string tls_ca;  // verify the server against this CA file (default: no verification)
  // handshakes
  int handshakers = 16;  // connections reconnecting in a loop
  // bounds
  double connect_timeout = 15;
  double drain = 2;  // seconds without progress before giving up on missing messages
  double timeout = 60;  // extra seconds past the planned run before aborting
  // > 0: sample the subscribers' cumulative deliveries this often while the load runs
  // (the report's "timeline"), so a change of pace within a run shows
  double timeline_ms = 0;
  bool json = false;
  bool quiet = false;  // no per-client rows
};

// Parses argv; prints usage and exits on error or --help.
BenchOptions parse_bench_options(int argc, char** argv);

}  // namespace zats::perf
