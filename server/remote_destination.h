// RemoteDestination: a destination of the interest index that is not a worker: another server,
// reached through a route (cluster/ implements it). The broker only knows this interface: a
// worker that owns a remote destination forwards to it the messages that match its interest,
// once per message, with the queue groups picked for that server. Owning worker's thread only.
#pragma once

#include <span>
#include <string_view>

#include "server/account.h"
#include "server/message.h"

namespace zats::server {

class RemoteDestination {
 public:
  virtual ~RemoteDestination() = default;
  // One message for that server; `queues` names the groups it must deliver to one member of
  // (empty: only its plain subscribers).
  virtual void forward(AccountId account, const MessageView& msg, std::span<const std::string_view> queues) = 0;
};

}  // namespace zats::server
