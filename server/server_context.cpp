#include "server/server_context.h"

#include <cstdlib>
#include <random>

namespace zats::server {
namespace {

// The system account's name, which nats-server always creates ("$SYS" by default, or
// system_account); empty when no_system_account is set.
std::string_view system_account_name(const Options& opts) {
  return opts.no_system_account ? std::string_view() : std::string_view(opts.system_account);
}

// The configured accounts plus the system account.
std::vector<std::string> account_names(const Options& opts) {
  std::vector<std::string> names = opts.accounts;
  if (!system_account_name(opts).empty()) names.emplace_back(system_account_name(opts));
  return names;
}

// client_advertise is "host[:port]" ("[v6]:port" for IPv6): INFO's host and port, the port
// defaulting to the listen port, as nats-server's net.SplitHostPort fallback does.
void apply_client_advertise(const std::string& advertise, proto::ServerInfo& info) {
  size_t colon = advertise.rfind(':');
  bool bracketed = !advertise.empty() && advertise.front() == '[';
  size_t close = advertise.find(']');
  bool has_port = colon != std::string::npos &&
                  (bracketed ? close != std::string::npos && colon == close + 1
                             : advertise.find(':') == colon);
  if (!has_port) {
    info.host = advertise;
    return;
  }
  std::string port = advertise.substr(colon + 1);
  char* end = nullptr;
  long n = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || n <= 0 || n > 65535) {
    info.host = advertise;
    return;
  }
  info.host = bracketed ? advertise.substr(1, close - 1) : advertise.substr(0, colon);
  info.port = static_cast<int>(n);
}

}  // namespace

std::string make_server_id() {
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string id = "N";
  while (id.size() < 56) id.push_back(kBase32[rng() % 32]);
  return id;
}

ServerContext::ServerContext(const Options& opts, unsigned worker_count)
    : options(opts),
      initial_options(std::make_shared<const Options>(opts)),
      server_id(make_server_id()), accounts(account_names(opts)), mesh(worker_count), moves_from(worker_count) {
  if (!system_account_name(opts).empty()) system_account = accounts.find(system_account_name(opts));
  for (size_t i = 0; i < accounts.size(); ++i) interest.push_back(std::make_unique<InterestIndex>());
  account_connections = std::make_unique<std::atomic<int64_t>[]>(accounts.size());
  indexed = worker_count > 1 || opts.cluster.enabled();
  for (auto& owner : remote_owner) owner.store(-1, std::memory_order_relaxed);
  info.server_id = server_id;
  info.server_name = opts.server_name.empty() ? server_id : opts.server_name;
  info.host = opts.host;
  info.port = opts.port;
  if (!opts.client_advertise.empty()) apply_client_advertise(opts.client_advertise, info);
  info.headers = !opts.no_header_support;
  info.max_payload = opts.max_payload;
  info.auth_required = opts.auth_required() && opts.no_auth_user.empty();
  if (opts.tls != nullptr && opts.tls_rate_limit > 0)
    tls_rate_limit = std::make_unique<tls::ConnectionRateLimit>(opts.tls_rate_limit);
}

}  // namespace zats::server
