#include "server/server_context.h"

#include <random>

namespace zats::server {
namespace {

// The configured accounts plus the system account, which nats-server always creates (named
// by system_account, "$SYS" by default) unless no_system_account is set.
std::vector<std::string> account_names(const Options& opts) {
  std::vector<std::string> names = opts.accounts;
  if (!opts.no_system_account && !opts.system_account.empty()) names.push_back(opts.system_account);
  return names;
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
      server_id(make_server_id()), accounts(account_names(opts)), mesh(worker_count) {
  for (size_t i = 0; i < accounts.size(); ++i) interest.push_back(std::make_unique<InterestIndex>());
  info.server_id = server_id;
  info.server_name = opts.server_name.empty() ? server_id : opts.server_name;
  info.host = opts.host;
  info.port = opts.port;
  info.headers = !opts.no_header_support;
  info.max_payload = opts.max_payload;
  info.auth_required = opts.auth_required() && opts.no_auth_user.empty();
}

}  // namespace zats::server
