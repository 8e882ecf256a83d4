// Worker::queue_client_event and its publishing at the turn's end: the system account's client
// events (server/system_events.h), published by the server itself (no publishing connection)
// like any message, to this worker's subscribers, other workers' and other servers'.
#include "core/clock.h"
#include "server/request_info.h"
#include "server/worker.h"

namespace zats::server {

void Worker::queue_client_event(ClientEvent kind, const RequestInfo& client, const EventClosing& closing) {
  const Options& o = options();
  if (o.no_system_account || o.system_account.empty()) return;
  std::string client_json;
  request_info_json(client, client_json);
  EventServer server;
  server.name = info_.server_name;
  server.host = info_.host;
  server.id = info_.server_id;
  server.cluster = info_.cluster;
  server.version = info_.version;
  server.tags = &o.server_tags;
  server.seq = context_.event_seq.fetch_add(1, std::memory_order_relaxed) + 1;
  server.time_ns = core::realtime_ns();
  client_events_.push_back({client_event_subject(kind, client.account, server.id),
                            client_event_json(kind, event_ids_.next(), server, client_json, closing)});
}

void Worker::publish_client_events() {
  if (client_events_.empty()) return;
  const AccountId system = context_.accounts.find(options().system_account);
  for (const QueuedEvent& e : client_events_) {
    MessageView msg;
    msg.subject = e.subject;
    msg.payload = e.payload;
    if (system != kNoAccount) publish_in(nullptr, system, msg);
  }
  client_events_.clear();
}

}  // namespace zats::server
