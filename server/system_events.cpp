// Client events of the system account (see system_events.h).
#include "server/system_events.h"

#include "core/clock.h"
#include "server/monitor/account_statz.h"
#include "server/monitor/go_format.h"
#include "server/monitor/json_writer.h"

namespace zats::server {
namespace {

constexpr std::string_view kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr uint64_t kBase = 62;
constexpr uint64_t kSequenceSpan = 839299365868340224ULL;  // 62^10: ten digits
constexpr uint64_t kMinStep = 33, kMaxStep = 333;

}  // namespace

EventServer describe_event_server(const proto::ServerInfo& info, std::string_view cluster,
                                  const std::vector<std::string>& tags) {
  EventServer server;
  server.name = info.server_name;
  server.host = info.host;
  server.id = info.server_id;
  server.cluster = cluster;
  server.version = info.version;
  server.tags = &tags;
  return server;
}

void stamp_event_server(EventServer& server, std::atomic<uint64_t>& sequence) {
  server.seq = sequence.fetch_add(1, std::memory_order_relaxed) + 1;
  server.time_ns = core::realtime_ns();
}

void write_event_server(monitor::JsonWriter& w, const EventServer& s) {
  w.key("server").begin_object();
  w.field("name", s.name).field("host", s.host).field("id", s.id);
  if (!s.cluster.empty()) w.field("cluster", s.cluster);
  w.field("ver", s.version);
  if (s.tags != nullptr) w.strings_field("tags", *s.tags);
  w.field("seq", s.seq).field("jetstream", false).field("time", monitor::format_rfc3339_nano(s.time_ns));
  w.end_object();
}

void EventIds::renew() {
  for (char& c : prefix_) c = kDigits[rng_() % kBase];
  sequence_ = rng_() % kSequenceSpan;
  step_ = kMinStep + rng_() % (kMaxStep - kMinStep);
}

std::string EventIds::next() {
  sequence_ += step_;
  if (sequence_ >= kSequenceSpan) renew();
  std::string id(prefix_, sizeof prefix_);
  id.resize(22);
  uint64_t n = sequence_;
  for (size_t i = id.size(); i > sizeof prefix_; --i, n /= kBase) id[i - 1] = kDigits[n % kBase];
  return id;
}

std::string client_event_subject(ClientEvent kind, std::string_view account, std::string_view server_id) {
  std::string subject;
  switch (kind) {
    case ClientEvent::Connect:
      return subject.append("$SYS.ACCOUNT.").append(account).append(".CONNECT");
    case ClientEvent::Disconnect:
      return subject.append("$SYS.ACCOUNT.").append(account).append(".DISCONNECT");
    case ClientEvent::AuthError:
      return subject.append("$SYS.SERVER.").append(server_id).append(".CLIENT.AUTH.ERR");
  }
  return subject;
}

std::string client_event_json(ClientEvent kind, std::string_view id, const EventServer& server,
                              std::string_view client, const EventClosing& closing) {
  monitor::JsonWriter w(/*pretty=*/false);
  w.begin_object();
  // A refused login is reported as a disconnect, as nats-server reports it.
  w.field("type", kind == ClientEvent::Connect ? "io.nats.server.advisory.v1.client_connect"
                                               : "io.nats.server.advisory.v1.client_disconnect");
  w.field("id", id).field("timestamp", monitor::format_rfc3339_nano(server.time_ns));
  write_event_server(w, server);
  w.key("client").raw(client);
  if (kind != ClientEvent::Connect) {
    monitor::write_data_stats(w, "sent", closing.traffic.in_msgs, closing.traffic.in_bytes);
    monitor::write_data_stats(w, "received", closing.traffic.out_msgs, closing.traffic.out_bytes);
    w.field("reason", closing.reason);
  }
  w.end_object();
  return w.take();
}

std::string account_conns_json(std::string_view id, const EventServer& server, const monitor::AccountInfo& account) {
  monitor::JsonWriter w(/*pretty=*/false);
  w.begin_object();
  w.field("type", "io.nats.server.advisory.v1.account_connections");
  w.field("id", id).field("timestamp", monitor::format_rfc3339_nano(server.time_ns));
  write_event_server(w, server);
  monitor::write_account_stat_fields(w, account);
  w.end_object();
  return w.take();
}

std::vector<std::string> account_conns_subjects(std::string_view account) {
  const std::string name(account);
  return {"$SYS.ACCOUNT." + name + ".SERVER.CONNS", "$SYS.SERVER.ACCOUNT." + name + ".CONNS"};
}

}  // namespace zats::server
