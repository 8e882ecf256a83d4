// HttpTransport: what sits between a monitoring connection's socket and its HTTP: TLS, for
// https_port. Bytes received go in and plaintext comes out (with, during the handshake, bytes to
// send back); a response goes in as plaintext and comes out as the bytes to send. It does no I/O
// and never blocks: HttpServer's loop drives it. The server assembly supplies one per connection
// (server/monitor_tls.h), so this library needs nothing of TLS itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace zats::server::monitor {

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Appends what `bytes` decrypt to to `plaintext` and what must go back to `to_send`. False when
  // the connection cannot go on: `to_send` is still sent first (an answer to a client that spoke
  // plain HTTP, say), then the connection closes.
  virtual bool receive(std::string_view bytes, std::string& plaintext, std::string& to_send) = 0;
  // Appends `plaintext`, sealed, to `to_send`. False on a fatal error.
  virtual bool send(std::string_view plaintext, std::string& to_send) = 0;
};

using TransportFactory = std::function<std::unique_ptr<HttpTransport>()>;

}  // namespace zats::server::monitor
