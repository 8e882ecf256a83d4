// Command-line parsing for zats-bench.
#include "perf/bench_options.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>

namespace zats::perf {
namespace {

const char kUsage[] =
    "usage: zats-bench SCENARIO [options]\n"
    "scenarios:\n"
    "  pub       P publishers, no subscribers: raw ingest\n"
    "  sub       S subscribers counting what someone else publishes on --subject\n"
    "  pubsub    P publishers -> S subscribers (default 1:1)\n"
    "  fanout    1 publisher -> S subscribers (default 4)\n"
    "  queue     1 publisher -> S members of one queue group (default 4); distribution\n"
    "  reqrep    R requesters, M responders; closed loop, or open loop with --rate\n"
    "  conns     C idle connections; server RSS per connection (--server-pid/--monitor)\n"
    "  subjects  publish over N distinct subjects, interest on every K-th\n"
    "  churn     publish while churners SUB/UNSUB at --churn-rate\n"
    "  handshakes  H clients reconnecting in a loop (with --tls: TLS handshakes per second;\n"
    "            with --server-pid also per second of server CPU)\n"
    "options:\n"
    "  --url U            server (host:port or nats://[user:pass@]host:port)\n"
    "  --sub-url U        subscribers and responders connect here instead (another\n"
    "                     node of a cluster: traffic crosses a route)\n"
    "  --settle S         wait S seconds after connecting before the load starts (so\n"
    "                     interest reaches the other nodes of a cluster)\n"
    "  --threads T        bench threads, one io_uring each (default min(clients, nproc/2))\n"
    "  --pubs P --subs S  publisher / subscriber connections\n"
    "  --slow N           pubsub/fanout: N more subscribers that read slowly (role slow,\n"
    "                     reported apart; whether the server cut them is probed at the end)\n"
    "  --slow-read BPS    bytes/s each slow subscriber reads (default 0: stops reading\n"
    "                     after the handshake)\n"
    "  --size B           payload bytes (default 16)\n"
    "  --msgs N           total messages (or requests); default: run --duration\n"
    "  --duration D       seconds (default 5)\n"
    "  --rate R           total msgs/s (paced; latency from scheduled send time)\n"
    "  --batch BYTES      publish write size (default 262144)\n"
    "  --spin-us U        busy-poll U us after activity and before due sends, so the\n"
    "                     bench's own wake-ups stay out of latencies (default 200 for\n"
    "                     reqrep and --rate runs, 0 otherwise)\n"
    "  --subject S        subject (default bench)   --group G  queue group\n"
    "  --requesters R --responders M --inflight K   (reqrep)\n"
    "  --old-style        (reqrep) each request: SUB a fresh inbox, UNSUB it after 1 reply, PUB\n"
    "  --conns C --server-pid PID --monitor URL --hold D   (conns)\n"
    "  --subjects N --interest-every K               (subjects)\n"
    "  --churners C --churn-rate OPS --window W       (churn)\n"
    "  --handshakers H                                (handshakes, default 16)\n"
    "  --tls              upgrade every connection to TLS after the INFO\n"
    "  --tls-ca FILE      verify the server's certificate against FILE (default: not verified)\n"
    "  --connect-timeout S --drain S --timeout S      bounds on every wait\n"
    "  --timeline-ms MS   sample the subscribers' cumulative deliveries every MS ms\n"
    "                     (JSON \"timeline\": [seconds since the start, deliveries])\n"
    "  --json             also print JSON lines     --quiet  no per-client rows\n";

[[noreturn]] void usage(const char* why = nullptr) {
  if (why) std::fprintf(stderr, "zats-bench: %s\n", why);
  std::fputs(kUsage, why ? stderr : stdout);
  std::exit(why ? 2 : 0);
}

}  // namespace

BenchOptions parse_bench_options(int argc, char** argv) {
  static const std::set<std::string_view> kScenarios = {
      "pub", "sub", "pubsub", "fanout", "queue", "reqrep", "conns", "subjects", "churn", "handshakes"};
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string_view k = argv[i];
    auto s = [&]() -> const char* {
      if (i + 1 >= argc) usage("missing value");
      return argv[++i];
    };
    auto d = [&] { return std::strtod(s(), nullptr); };
    auto n = [&] { return std::strtoull(s(), nullptr, 10); };
    if (k == "-h" || k == "--help") usage();
    else if (k == "--url" || k == "-s") o.url = s();
    else if (k == "--sub-url") o.sub_url = s();
    else if (k == "--settle") o.settle = d();
    else if (k == "--threads") o.threads = static_cast<int>(n());
    else if (k == "--pubs") o.pubs = static_cast<int>(n());
    else if (k == "--subs") o.subs = static_cast<int>(n());
    else if (k == "--slow") o.slow = static_cast<int>(n());
    else if (k == "--slow-read") o.slow_read = d();
    else if (k == "--size") o.size = n();
    else if (k == "--msgs") o.msgs = n();
    else if (k == "--duration") o.duration = d();
    else if (k == "--rate") o.rate = d();
    else if (k == "--batch") o.batch = n();
    else if (k == "--spin-us") o.spin_us = d();
    else if (k == "--subject") o.subject = s();
    else if (k == "--group") o.group = s();
    else if (k == "--requesters") o.requesters = static_cast<int>(n());
    else if (k == "--responders") o.responders = static_cast<int>(n());
    else if (k == "--inflight") o.inflight = static_cast<int>(n());
    else if (k == "--old-style") o.old_style = true;
    else if (k == "--conns") o.conns = static_cast<int>(n());
    else if (k == "--server-pid") o.server_pid = static_cast<int>(n());
    else if (k == "--monitor") o.monitor = s();
    else if (k == "--hold") o.hold = d();
    else if (k == "--subjects") o.subjects = n();
    else if (k == "--interest-every") o.interest_every = n();
    else if (k == "--churners") o.churners = static_cast<int>(n());
    else if (k == "--churn-rate") o.churn_rate = d();
    else if (k == "--window") o.window = static_cast<int>(n());
    else if (k == "--handshakers") o.handshakers = static_cast<int>(n());
    else if (k == "--tls") o.tls = true;
    else if (k == "--tls-ca") o.tls_ca = s();
    else if (k == "--connect-timeout") o.connect_timeout = d();
    else if (k == "--drain") o.drain = d();
    else if (k == "--timeout") o.timeout = d();
    else if (k == "--timeline-ms") o.timeline_ms = d();
    else if (k == "--json") o.json = true;
    else if (k == "--quiet") o.quiet = true;
    else if (!k.starts_with("-") && o.scenario.empty()) o.scenario = k;
    else usage(("unknown argument " + std::string(k)).c_str());
  }
  if (o.scenario.empty()) usage("no scenario given");
  if (!kScenarios.count(o.scenario)) usage(("unknown scenario " + o.scenario).c_str());
  if (o.subs < 0) o.subs = (o.scenario == "fanout" || o.scenario == "queue") ? 4 : 1;
  if (o.pubs < 1 || o.subs < 0 || o.requesters < 1 || o.responders < 1 || o.inflight < 1 ||
      o.conns < 1 || o.churners < 1 || o.window < 1 || o.batch < 64)
    usage("counts must be positive");
  if ((o.scenario == "reqrep" || o.rate > 0) && o.size < 8)
    o.size = 8;  // latency needs room for the 8-byte send timestamp
  if (o.spin_us < 0) o.spin_us = (o.scenario == "reqrep" || o.rate > 0) ? 200 : 0;
  if (o.slow < 0 || o.slow_read < 0) usage("--slow and --slow-read must not be negative");
  if (o.slow > 0 && o.scenario != "pubsub" && o.scenario != "fanout")
    usage("--slow applies to pubsub and fanout");
  if (o.scenario == "subjects" && o.subjects < 1) usage("--subjects must be positive");
  if (o.tls && o.slow > 0) usage("--slow does not work with --tls");
  if (o.handshakers < 1) usage("--handshakers must be positive");
  if (o.timeline_ms < 0) usage("--timeline-ms must not be negative");
  return o;
}

}  // namespace zats::perf
