// Writes one subscription as nats-server's SubDetail JSON object
// ({account?, subject, qgroup?, sid, msgs, max?, cid}); shared by /connz, /subsz and /routez.
#pragma once

#include "server/monitor/json_writer.h"
#include "server/monitor/snapshot.h"

namespace zats::server::monitor {

void write_sub_detail(JsonWriter& w, const SubscriptionInfo& s, bool with_account);

}  // namespace zats::server::monitor
