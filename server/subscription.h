// Subscription: one SUB of one client connection. Owned by its Client; indexes (Sublist,
// later the interest index) hold plain pointers and are told before it is destroyed.
#pragma once

#include <cstdint>
#include <string>

namespace zats::server {

class Client;

struct Subscription {
  Client* client = nullptr;
  std::string subject;
  std::string queue;     // empty: not a queue subscription
  std::string sid;
  uint64_t delivered = 0;
  uint64_t max = 0;      // auto-unsubscribe after this many deliveries (0 = none)
};

}  // namespace zats::server
