// Worker::queue_client_event and its publishing at the turn's end: the system account's client
// events (server/system_events.h), published by the server itself (no publishing connection)
// like any message, to this worker's subscribers, other workers' and other servers'. And worker 0's
// part of the system services (server/system_services.h): their requests in, their answers out.
#include "server/request_info.h"
#include "server/system_services.h"
#include "server/worker.h"

namespace zats::server {

void Worker::queue_client_event(ClientEvent kind, const RequestInfo& client, const EventClosing& closing) {
  if (context_.system_account == kNoAccount) return;
  const Options& o = options();
  std::string client_json;
  request_info_json(client, client_json);
  EventServer server = describe_event_server(info_, info_.cluster, o.server_tags);
  stamp_event_server(server, context_.event_seq);
  client_events_.push_back({client_event_subject(kind, client.account, server.id),
                            client_event_json(kind, event_ids_.next(), server, client_json, closing)});
}

void Worker::publish_client_events() {
  if (client_events_.empty()) return;
  for (const QueuedEvent& e : client_events_) {
    MessageView msg;
    msg.subject = e.subject;
    msg.payload = e.payload;
    publish_in(nullptr, context_.system_account, msg);
  }
  client_events_.clear();
}

// Through the shared index, so requests published on other workers, and on other servers (a
// route announces this server's interest), come here.
void Worker::hold_system_service_interest() {
  if (services_account_ == kNoAccount || !indexed()) return;
  for (const std::string& subject : system_service_subjects(context_.server_id))
    interest_of(services_account_).add(index_, subject);
}

bool Worker::offer_system_request(const MessageView& msg) {
  const bool maybe = msg.subject.starts_with("$SYS.REQ.") || msg.subject.starts_with("$SYS.ACCOUNT.");
  if (!maybe || !SystemRequest::parse(msg.subject, context_.server_id)) return false;
  SystemServices::Request request;
  request.subject.assign(msg.subject);
  request.reply.assign(msg.reply);
  request.payload.assign(msg.payload.substr(msg.has_headers ? msg.header_size : 0));
  context_.system_services->submit(std::move(request));
  return true;
}

void Worker::publish_system_answer(std::string_view subject, std::string_view payload) {
  MessageView msg;
  msg.subject = subject;
  msg.payload = payload;
  publish_in(nullptr, services_account_, msg);
  // A reply made by a service import of this worker (an account asking through an import).
  if (responses_.owns(msg.subject)) deliver_response(services_account_, msg);
}

}  // namespace zats::server
