// Prometheus exposition (see metrics.h). Each family is written with its HELP and TYPE lines
// followed by its samples, families never interleave, and label values are escaped, which is
// what the text format requires.
#include "server/monitor/metrics.h"

#include <cstdint>
#include <functional>

#include "server/monitor/go_format.h"

namespace zats::server::monitor {
namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  // One family with a single unlabelled sample.
  template <typename T>
  void single(const char* name, const char* type, const char* help, T v) {
    family(name, type, help);
    sample(name, "", num(v));
  }
  static std::string num(double v) { return format_json_float(v); }
  static std::string num(std::int64_t v) { return std::to_string(v); }
  static std::string num(std::uint64_t v) { return std::to_string(v); }
  static std::string num(int v) { return std::to_string(v); }
  static std::string num(std::uint32_t v) { return std::to_string(v); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void write_server(Exposition& e, const Snapshot& s) {
  const ServerIdentity& id = s.server;
  e.family("zats_info", "gauge", "Server identity; the value is always 1.");
  e.sample("zats_info",
           "server_id=\"" + escape_label(id.server_id) + "\",server_name=\"" +
               escape_label(id.server_name) + "\",version=\"" + escape_label(id.version) + "\"",
           "1");
  e.family("zats_io_uring_info", "gauge",
           "The io_uring layer in use: kernel release, tier, whether it was forced, features; always 1.");
  std::string features;
  for (const std::string& f : id.io_uring_features) features += (features.empty() ? "" : " ") + f;
  e.sample("zats_io_uring_info",
           "kernel=\"" + escape_label(id.io_uring_kernel) + "\",tier=\"" + escape_label(id.io_uring_tier) +
               "\",tier_forced=\"" + (id.io_uring_tier_forced ? "true" : "false") + "\",features=\"" +
               escape_label(features) + "\"",
           "1");
  e.single("zats_start_time_seconds", "gauge", "Start time of the server since the Unix epoch.",
           static_cast<double>(id.start) / 1e9);
  e.single("zats_uptime_seconds", "gauge", "Seconds since the server started.",
           static_cast<double>(s.now - id.start) / 1e9);
}

void write_totals(Exposition& e, const Totals& t) {
  e.single("zats_connections", "gauge", "Open client connections.", t.connections);
  e.single("zats_subscriptions", "gauge", "Active subscriptions.", t.subscriptions);
  e.single("zats_routes", "gauge", "Open route connections.", t.routes);
  e.single("zats_resident_memory_bytes", "gauge", "Resident set size of the process.", t.mem_rss);
  e.single("zats_cpu_percent", "gauge", "Process CPU usage in percent of one core.", t.cpu);
  e.single("zats_cores", "gauge", "CPU cores available.", t.cores);
  e.single("zats_connections_accepted_total", "counter", "Client connections accepted since start.",
           t.total_connections);
  e.single("zats_in_msgs_total", "counter", "Messages received from clients.", t.in_msgs);
  e.single("zats_out_msgs_total", "counter", "Messages delivered to clients.", t.out_msgs);
  e.single("zats_in_bytes_total", "counter", "Payload bytes received from clients.", t.in_bytes);
  e.single("zats_out_bytes_total", "counter", "Payload bytes delivered to clients.", t.out_bytes);
  e.single("zats_slow_consumers_total", "counter", "Connections closed as slow consumers.",
           t.slow_consumers);
  e.single("zats_log_lines_dropped_total", "counter",
           "Log lines dropped because the log output did not keep up.", t.log_lines_dropped);
}

template <typename Get>
void per_worker(Exposition& e, const std::vector<WorkerStats>& ws, const char* name,
                const char* type, const char* help, Get get) {
  e.family(name, type, help);
  for (const auto& w : ws) {
    e.sample(name, "worker=\"" + std::to_string(w.worker) + "\"", Exposition::num(get(w)));
  }
}

void write_workers(Exposition& e, const std::vector<WorkerStats>& ws) {
  per_worker(e, ws, "zats_worker_connections", "gauge", "Open client connections per worker.",
             [](const WorkerStats& w) { return w.connections; });
  per_worker(e, ws, "zats_worker_loop_utilization_ratio", "gauge",
             "Busy fraction of the worker's event loop (0 to 1).",
             [](const WorkerStats& w) { return w.utilisation; });
  per_worker(e, ws, "zats_worker_loop_turns_total", "counter", "Event loop turns per worker.",
             [](const WorkerStats& w) { return w.loop_turns; });
  per_worker(e, ws, "zats_worker_ring_backpressure_total", "counter",
             "Times a full inter-worker ring paused reading from a publisher.",
             [](const WorkerStats& w) { return w.ring_backpressure; });
  per_worker(e, ws, "zats_worker_connections_moved_in_total", "counter",
             "Client connections moved to this worker from another (--move_connections).",
             [](const WorkerStats& w) { return w.connections_moved_in; });
  per_worker(e, ws, "zats_worker_connections_moved_out_total", "counter",
             "Client connections moved from this worker to another (--move_connections).",
             [](const WorkerStats& w) { return w.connections_moved_out; });
  per_worker(e, ws, "zats_worker_moves_given_up_total", "counter",
             "Moves from this worker given up while waiting to switch; the client stayed.",
             [](const WorkerStats& w) { return w.moves_given_up; });
  per_worker(e, ws, "zats_worker_match_cache_hits_total", "counter", "Subject match cache hits.",
             [](const WorkerStats& w) { return w.match_cache_hits; });
  per_worker(e, ws, "zats_worker_match_cache_misses_total", "counter",
             "Subject match cache misses.", [](const WorkerStats& w) { return w.match_cache_misses; });
  per_worker(e, ws, "zats_worker_recv_buffers", "gauge", "Receive buffers in circulation in the worker's ring.",
             [](const WorkerStats& w) { return w.recv_buffers; });
  per_worker(e, ws, "zats_worker_recv_out_of_buffers_total", "counter",
             "Receives that found no free buffer (the ring then grows, up to --recv_buffers).",
             [](const WorkerStats& w) { return w.recv_out_of_buffers; });
  per_worker(e, ws, "zats_worker_recv_buffer_resident_bytes", "gauge",
             "Bytes of the worker's receive buffer memory now resident.",
             [](const WorkerStats& w) { return w.recv_buffer_resident_bytes; });
  per_worker(e, ws, "zats_worker_recv_buffer_releases_total", "counter",
             "Times a lightly used receive ring gave its memory back to the system.",
             [](const WorkerStats& w) { return w.recv_buffer_releases; });
  per_worker(e, ws, "zats_worker_registered_sockets", "gauge",
             "Open sockets on a registered (direct) io_uring descriptor.",
             [](const WorkerStats& w) { return w.registered_sockets; });
}

template <typename Get>
void per_route(Exposition& e, const std::vector<RouteInfo>& routes, const char* name, const char* type,
               const char* help, Get get) {
  e.family(name, type, help);
  for (const RouteInfo& r : routes) {
    e.sample(name, "rid=\"" + std::to_string(r.rid) + "\",remote_id=\"" + escape_label(r.remote_id) + "\"",
             Exposition::num(get(r)));
  }
}

// One series per route, labelled by its connection id and the peer's server id.
void write_routes(Exposition& e, const std::vector<RouteInfo>& routes) {
  per_route(e, routes, "zats_route_in_msgs_total", "counter", "Messages received from the route's peer.",
            [](const RouteInfo& r) { return r.in_msgs; });
  per_route(e, routes, "zats_route_out_msgs_total", "counter", "Messages sent to the route's peer.",
            [](const RouteInfo& r) { return r.out_msgs; });
  per_route(e, routes, "zats_route_in_bytes_total", "counter", "Payload bytes received from the route's peer.",
            [](const RouteInfo& r) { return r.in_bytes; });
  per_route(e, routes, "zats_route_out_bytes_total", "counter", "Payload bytes sent to the route's peer.",
            [](const RouteInfo& r) { return r.out_bytes; });
  per_route(e, routes, "zats_route_pending_bytes", "gauge", "Bytes queued for the route's socket.",
            [](const RouteInfo& r) { return r.pending_size; });
  per_route(e, routes, "zats_route_subscriptions", "gauge", "Interest the route's peer announced.",
            [](const RouteInfo& r) { return r.num_subs; });
  per_route(e, routes, "zats_route_rtt_seconds", "gauge", "Last PING round trip on the route.",
            [](const RouteInfo& r) { return static_cast<double>(r.rtt) / 1e9; });
}

}  // namespace

std::string render_metrics(const Snapshot& snap) {
  Exposition e;
  write_server(e, snap);
  write_totals(e, snap.totals);
  write_workers(e, snap.workers);
  write_routes(e, snap.routes);
  return e.take();
}

}  // namespace zats::server::monitor
