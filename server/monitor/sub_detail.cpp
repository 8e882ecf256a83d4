// SubDetail JSON (see sub_detail.h); omitted fields follow the reference's omitempty tags.
#include "server/monitor/sub_detail.h"

namespace zats::server::monitor {

void write_sub_detail(JsonWriter& w, const SubscriptionInfo& s, bool with_account) {
  w.begin_object();
  if (with_account && !s.account.empty()) w.field("account", s.account);
  w.field("subject", s.subject);
  if (!s.queue.empty()) w.field("qgroup", s.queue);
  w.field("sid", s.sid);
  w.field("msgs", s.msgs);
  if (s.max != 0) w.field("max", s.max);
  w.field("cid", s.cid);
  w.end_object();
}

}  // namespace zats::server::monitor
