#include "server/monitor_tls.h"

#include "server/tls/tls_session.h"

namespace zats::server {
namespace {

// What Go's HTTP server answers a client that sends plain HTTP to its TLS port.
constexpr std::string_view kPlainHttpAnswer =
    "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

// Go's test for it: the first five bytes read as the start of an HTTP request.
bool looks_like_http(std::string_view first) {
  for (std::string_view start : {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"})
    if (first.starts_with(start)) return true;
  return false;
}

class TlsTransport : public monitor::HttpTransport {
 public:
  explicit TlsTransport(std::shared_ptr<const tls::TlsContext> context)
      : session_(std::move(context), tls::TlsSession::Role::Server) {}

  bool receive(std::string_view bytes, std::string& plaintext, std::string& to_send) override {
    if (first_read_ && (first_read_ = false, looks_like_http(bytes))) {
      to_send.append(kPlainHttpAnswer);
      return false;
    }
    tls::InputScope input(session_, bytes.data(), bytes.size());
    if (!session_.established()) {
      tls::TlsSession::Progress p = session_.handshake();
      take_output(to_send);
      if (p != tls::TlsSession::Progress::Done) return p == tls::TlsSession::Progress::NeedInput;
    }
    char buf[tls::TlsSession::kMaxRecordPlaintext];
    for (long n; (n = session_.read(buf, sizeof buf)) != 0;) {
      if (n < 0) return take_output(to_send), false;
      plaintext.append(buf, static_cast<size_t>(n));
    }
    take_output(to_send);
    return true;
  }

  bool send(std::string_view plaintext, std::string& to_send) override {
    bool ok = session_.write(plaintext);
    take_output(to_send);
    return ok;
  }

 private:
  void take_output(std::string& to_send) {
    to_send.append(session_.output());
    session_.output().clear();
  }

  tls::TlsSession session_;
  bool first_read_ = true;
};

}  // namespace

bool MonitorTls::configure(const std::shared_ptr<const tls::TlsContext>& client_tls, std::string* error) {
  if (client_tls == nullptr) {
    *error = "TLS cert and key required for HTTPS";
    return false;
  }
  if (current() != nullptr && made_from_ == client_tls) return true;
  tls::TlsOptions options = client_tls->options();
  options.verify = false;  // no client certificate is asked for
  options.map = false;
  options.pinned_certs.clear();
  std::shared_ptr<const tls::TlsContext> context = tls::TlsContext::create(options, error);
  if (context == nullptr) return false;
  std::lock_guard lock(mutex_);
  context_ = std::move(context);
  made_from_ = client_tls;
  return true;
}

std::shared_ptr<const tls::TlsContext> MonitorTls::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

monitor::TransportFactory MonitorTls::factory() {
  return [this]() -> std::unique_ptr<monitor::HttpTransport> { return std::make_unique<TlsTransport>(current()); };
}

}  // namespace zats::server
