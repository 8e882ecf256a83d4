// Client::connection_info: one connection as /connz shows it. Monitoring only.
#include "server/client.h"
#include "server/worker.h"

namespace zats::server {

monitor::ConnectionInfo Client::connection_info(bool with_subs) const {
  monitor::ConnectionInfo info;
  info.cid = cid_;
  info.ip = ip_;
  info.port = port_;
  info.start = start_wall_ns_;
  info.last_activity = worker_.wall_ns(last_activity_ns_);
  info.rtt = static_cast<monitor::Nanos>(rtt_ns_);
  info.pending_bytes = static_cast<int64_t>(pending_bytes());
  info.in_msgs = static_cast<int64_t>(stats_.in_msgs);
  info.out_msgs = static_cast<int64_t>(stats_.out_msgs);
  info.in_bytes = static_cast<int64_t>(stats_.in_bytes);
  info.out_bytes = static_cast<int64_t>(stats_.out_bytes);
  info.num_subs = static_cast<uint32_t>(subs_.size());
  info.name = connect_.name;
  info.lang = connect_.lang;
  info.version = connect_.version;
  info.account = worker_.context().accounts.name(account_);
  if (!with_subs) return info;
  for (const auto& [sid, sub] : subs_) {
    monitor::SubscriptionInfo s;
    s.account = info.account;
    s.subject = sub->subject;
    s.queue = sub->queue;
    s.sid = sub->sid;
    s.msgs = static_cast<int64_t>(sub->delivered);
    s.max = static_cast<int64_t>(sub->max);
    s.cid = cid_;
    info.subs.push_back(std::move(s));
  }
  return info;
}

}  // namespace zats::server
