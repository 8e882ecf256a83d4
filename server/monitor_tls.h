// https monitoring (https_port): the monitoring connections talk through TLS with the server's
// own certificate and key (the `tls {}` block), as nats-server does it, but never ask for a
// client certificate, whatever `verify` says for clients. The context is built from the
// options in force and replaced by a reload, for connections made after it. The transport runs
// on the monitoring thread, over the connection's buffers, without blocking.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "server/monitor/http_transport.h"
#include "server/tls/tls_context.h"

namespace zats::server {

class MonitorTls {
 public:
  // From the client TLS settings in force; false (with nats-server's reason) when there are none
  // or they do not load.
  bool configure(const std::shared_ptr<const tls::TlsContext>& client_tls, std::string* error);
  // One transport per accepted monitoring connection, with the context in force when it came.
  monitor::TransportFactory factory();

 private:
  std::shared_ptr<const tls::TlsContext> current() const;

  mutable std::mutex mutex_;  // the monitoring thread reads what a reload writes
  std::shared_ptr<const tls::TlsContext> context_;
  std::shared_ptr<const tls::TlsContext> made_from_;  // the client context it was built from
};

}  // namespace zats::server
