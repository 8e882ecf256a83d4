// Client: authentication, permissions and reload re-checks (docs/compatibility.md, Authentication
// and Permissions). Split from client.cpp so the protocol state machine stays readable; same class,
// same thread rules.
#include <algorithm>
#include <ctime>
#include <string>

#include "core/log.h"
#include "proto/encode.h"
#include "proto/subject.h"
#include "server/auth/authenticator.h"
#include "server/client.h"
#include "server/worker.h"

namespace zats::server {
bool Client::authenticate_connect() {
  const Options& opts = worker().options();
  std::optional<auth::CertIdentity> cert = opts.tls_map ? certificate_identity() : std::nullopt;
  auth::AuthResult result = auth::authenticate(opts, connect_, {cert ? &*cert : nullptr, nonce_, ip()});
  if (result.ok && cert && !opts.users.empty() && !connect_.user.empty())
    ZATS_WARN("User %s found in connect proto, but user required from cert", proto::go_quoted(connect_.user).c_str());
  if (!result.ok) {
    announce(ClientEvent::AuthError);
    if (result.account_not_pinned) worker().context().pinned_account_fails.fetch_add(1, std::memory_order_relaxed);
    // client.go authViolation: the log names what the client offered of the kind configured.
    if (!result.failure.empty()) {
      if (result.failure_is_error) ZATS_LOG_FROM(Error, log_origin(), "%s", result.failure.c_str());
      else ZATS_DEBUG_FROM(log_origin(), "%s", result.failure.c_str());
    }
    if (opts.operator_mode.enabled())
      ZATS_LOG_FROM(Error, log_origin(), "authentication error");
    else if (opts.nonce_required())
      ZATS_LOG_FROM(Error, log_origin(), "authentication error - Nkey %s", proto::go_quoted(connect_.nkey).c_str());
    else if (!opts.users.empty())
      ZATS_LOG_FROM(Error, log_origin(), "authentication error - User %s", proto::go_quoted(connect_.user).c_str());
    else
      ZATS_LOG_FROM(Error, log_origin(), "authentication error");
    return false;
  }
  if (!log_in(result)) return false;
  // auth.go isClientAuthorized: a login into any account but the global one is announced.
  if (account_ != kGlobalAccount) {
    announced_ = true;
    announce(ClientEvent::Connect);
  }
  return true;
}

// no_auth_user: a client that skips CONNECT is logged in as that user.
bool Client::login_without_connect() {
  const auth::User* user = auth::no_auth_user_for(worker().options(), connect_);
  if (user == nullptr) return false;
  auth::AuthResult result;
  result.ok = true;
  result.user = user;
  result.user_name = user->name;
  if (!log_in(result)) return false;
  cancel_timer();  // the auth timer
  return true;
}

// Binds the account and permissions of the user it logged in as.
bool Client::log_in(const auth::AuthResult& result) {
  const auth::User* user = result.user;
  std::string account_name = user != nullptr ? user->account : std::string();
  if (result.jwt) account_name = result.jwt->account;
  AccountId account = account_name.empty() ? kGlobalAccount : worker().context().accounts.find(account_name);
  if (account == kNoAccount) return false;  // an account added by a reload (not supported)
  if (account != account_) {
    if (!subs_.empty()) return false;  // its subscriptions live in the old account
    bind_account(account);
  }
  if (!take_account_slot(result.jwt ? &*result.jwt : nullptr)) return false;
  PermissionsPtr permissions = user != nullptr ? user->permissions : nullptr;
  if (result.jwt) permissions = result.jwt->permissions;
  if (!permissions) {
    perms_.reset();
  } else if (!perms_ || !same_permissions(perms_->permissions(), permissions)) {
    perms_ = std::make_unique<ClientPermissions>(permissions);
  }
  auth_pending_ = false;
  user_from_list_ = user != nullptr;
  nkey_user_ = user != nullptr && user->is_nkey();
  if (result.jwt) jwt_identity_ = std::make_unique<const auth::JwtIdentity>(result.jwt->identity);
  else jwt_identity_.reset();
  auth_user_ = result.user_name;
  auth_account_ = account_name;
  apply_jwt_limits(result.jwt ? &*result.jwt : nullptr);
  return true;
}

// client.go registerWithAccount: every login counts in its account's connections, across
// workers (the system services report the counts, server/system_services.h); an account's JWT
// may bound them (limits.conn).
bool Client::take_account_slot(const auth::JwtGrant* grant) {
  if (counted_account_ == account_) return true;  // a reload: still the same account
  release_account_slot();
  std::atomic<int64_t>& open = worker().context().account_connections[account_];
  int64_t now_open = open.fetch_add(1, std::memory_order_relaxed) + 1;
  counted_account_ = account_;
  if (grant != nullptr && grant->account_max_connections >= 0 && now_open > grant->account_max_connections) {
    release_account_slot();
    ZATS_LOG_FROM(Error, log_origin(), "maximum account active connections exceeded");
    close(CloseReason::MaxAccountConnectionsExceeded, "maximum account active connections exceeded");
    return false;
  }
  return true;
}

void Client::release_account_slot() {
  if (counted_account_ == kNoAccount) return;
  worker().context().account_connections[counted_account_].fetch_sub(1, std::memory_order_relaxed);
  counted_account_ = kNoAccount;
}

// client.go applyAccountLimits: the user's and account's payload and subscription limits under
// the server's (INFO tells the client its max_payload after its first PONG), and the user JWT's
// expiry.
void Client::apply_jwt_limits(const auth::JwtGrant* grant) {
  const Options& opts = worker().options();
  jwt_max_subs_ = grant != nullptr ? grant->max_subs : -1;
  expires_ns_ = 0;
  if (grant == nullptr) return;
  int64_t payload = grant->max_payload;
  if (payload == -1 || payload > opts.max_payload) {
    if (payload != -1)
      ZATS_LOG_FROM(Error, log_origin(), "Max Payload set to %lld from server overrides account or user config",
                    static_cast<long long>(opts.max_payload));
    payload = opts.max_payload;
  }
  proto::ParserLimits limits = parser_.limits();
  limits.max_payload = static_cast<uint32_t>(std::max<int64_t>(payload, 0));
  parser_.set_limits(limits);
  if (opts.max_subscriptions > 0 && jwt_max_subs_ > opts.max_subscriptions)
    ZATS_LOG_FROM(Error, log_origin(), "Max Subscriptions set to %lld from server overrides account or user config",
                  static_cast<long long>(opts.max_subscriptions));
  // The user JWT's expiry or the end of its connect window (client.go setExpiration), or its
  // account's expiry when that comes first (accounts.go expiredTimeout).
  int64_t expires = grant->expires;
  if (grant->window_ends != 0 && (expires == 0 || grant->window_ends < expires)) expires = grant->window_ends;
  account_expiry_ = grant->account_expires != 0 && (expires == 0 || grant->account_expires < expires);
  if (account_expiry_) expires = grant->account_expires;
  if (expires != 0) {
    int64_t left = expires - static_cast<int64_t>(std::time(nullptr));
    expires_ns_ = worker().now_ns() + static_cast<uint64_t>(std::max<int64_t>(left, 0)) * 1'000'000'000ULL;
  }
}

// The subscriptions this client may hold: max_subscriptions, under a JWT also its limits; -1: any.
int64_t Client::subscription_limit() const {
  int64_t server = worker().options().max_subscriptions > 0 ? worker().options().max_subscriptions : -1;
  if (jwt_max_subs_ == -1) return server;
  return server == -1 ? jwt_max_subs_ : std::min(server, jwt_max_subs_);
}

// How logs name the client (client.go getAuthUser): by the nkey its CONNECT named, else by user.
std::string Client::auth_user_label() const {
  if (!connect_.nkey.empty()) return "Nkey " + proto::go_quoted(connect_.nkey);
  if (connect_.user.empty() && !connect_.jwt.empty()) return "JWT User " + proto::go_quoted(auth_user_);
  return "User " + proto::go_quoted(auth_user_.empty() ? std::string("N/A") : auth_user_);
}

bool Client::publish_allowed(const proto::PubArgs& args) {
  if (!perms_ || perms_->can_publish(args.subject, worker().now_ns())) return true;
  ZATS_LOG_FROM(Error, log_origin(), "Publish Violation - %s, Subject \"%.*s\"", auth_user_label().c_str(),
                static_cast<int>(args.subject.size()), args.subject.data());
  return false;
}

bool Client::subscribe_allowed(const proto::SubArgs& args) {
  bool allowed = !perms_ || perms_->can_subscribe(args.subject, args.queue);
  if (!args.queue.empty() && args.queue == "_sys_") allowed = false;  // reserved group (client.go sysGroup)
  if (!allowed) {
    std::string text = "Permissions Violation for Subscription to " + proto::go_quoted(args.subject);
    if (!args.queue.empty()) text += " using queue " + proto::go_quoted(args.queue);
    send_err(text);
    ZATS_LOG_FROM(Error, log_origin(), "Subscription Violation - %s, Subject %s, SID %.*s",
                  auth_user_label().c_str(), proto::go_quoted(args.subject).c_str(),
                  static_cast<int>(args.sid.size()), args.sid.data());
    return false;
  }
  int max_tokens = worker().options().max_sub_tokens;
  if (max_tokens > 0) {
    int n = 0;
    proto::for_each_token(args.subject, [&n](std::string_view) {
      ++n;
      return true;
    });
    if (n > max_tokens) {
      send_err("Permissions Violation for Subscription to " + proto::go_quoted(args.subject) + ", too many tokens");
      return false;
    }
  }
  return true;
}

// reload.go reloadAuthorization: users that are gone (or moved account) are closed without
// -ERR; credentials that no longer validate get an Authorization Violation, and a user its
// account's JWT now revokes gets User Authentication Revoked (accounts.go UpdateAccountClaims);
// subscriptions no longer allowed are removed with the (sid ...) -ERR.
void Client::on_options_changed() {
  if (!open()) return;
  recheck_pinned_certificate();
  if (!open()) return;
  const Options& opts = worker().options();
  proto::ParserLimits limits = parser_.limits();
  limits.max_control_line = static_cast<uint32_t>(opts.max_control_line);
  limits.max_payload = static_cast<uint32_t>(opts.max_payload);
  parser_.set_limits(limits);
  if (auth_pending_ && !opts.auth_required()) auth_pending_ = false;
  if (auth_pending_) return;  // its CONNECT will be checked against the new options
  if (user_from_list_) {
    const auth::User* now = nullptr;
    for (const auth::User& u : opts.users) now = u.key() == auth_user_ ? &u : now;
    if (now == nullptr || now->account != auth_account_) {
      close(CloseReason::ClientClosed);
      return;
    }
  }
  std::optional<auth::CertIdentity> cert = opts.tls_map ? certificate_identity() : std::nullopt;
  auth::AuthResult result = auth::authenticate(opts, connect_, {cert ? &*cert : nullptr, nonce_, ip()});
  if (!result.ok && !opts.no_auth_user.empty()) {
    const auth::User* user = auth::no_auth_user_for(opts, connect_);
    result.ok = user != nullptr;
    result.user = user;
    result.user_name = user != nullptr ? user->name : std::string();
  }
  if (!result.ok && result.revoked) {
    close(CloseReason::Revocation, "User Authentication Revoked");
    return;
  }
  if (!result.ok || !log_in(result)) {
    announce(ClientEvent::AuthError);
    close(CloseReason::AuthenticationViolation, "Authorization Violation");
    return;
  }
  recheck_subscriptions();
}

void Client::recheck_subscriptions() {
  if (!perms_) return;
  std::vector<Subscription*> removed;
  for (auto& [sid, sub] : subs_) {
    bool plain = perms_->can_subscribe(sub->subject, {});
    bool queued = !sub->queue.empty() && perms_->can_subscribe(sub->subject, sub->queue);
    if (!plain && !queued) removed.push_back(sub.get());
  }
  for (Subscription* sub : removed) {
    send_err("Permissions Violation for Subscription to " + proto::go_quoted(sub->subject) + " (sid " + proto::go_quoted(sub->sid) + ")");
    ZATS_NOTICE("Removed sub \"%s\" (sid \"%s\") for %s - not authorized", sub->subject.c_str(), sub->sid.c_str(),
                auth_user_label().c_str());
    remove_subscription(sub);
  }
}

}  // namespace zats::server
