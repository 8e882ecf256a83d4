// Every core key (docs/compatibility.md, Configuration keys) lands in the right Options field.
#include <doctest/doctest.h>

#include "tests/unit/auth/options_test_support.h"

using namespace zats::server;
using zats::server::test::apply_text;
using zats::server::test::only_error;

TEST_CASE("top-level keys map onto Options") {
  auto a = apply_text(R"(
    listen: "10.0.0.1:4333"
    server_name: zeta
    client_advertise: "example.com:4222"
    max_payload: 2MB
    max_pending: 100MB
    max_connections: 10
    max_control_line: 2048
    max_subscriptions: 7
    max_sub_tokens: 12
    ping_interval: "30s"
    ping_max: 5
    write_deadline: "3s"
    no_header_support: true
    debug: true
    trace: true
    logtime: false
    logfile: "/tmp/x.log"
    pidfile: "/tmp/x.pid"
    ports_file_dir: "/tmp"
    http: "127.0.0.1:8222"
    http_base_path: "/mon"
    lame_duck_duration: "1m"
    lame_duck_grace_period: "5s"
    server_tags: ["a", "b"]
    disable_sublist_cache: true
    connect_error_reports: 10
    reconnect_error_reports: 2
    max_traced_msg_len: 100
    system_account: SYS2
    no_system_account: true
  )");
  CHECK(only_error(a) == "");
  const Options& o = a.options;
  CHECK(o.host == "10.0.0.1");
  CHECK(o.port == 4333);
  CHECK(o.server_name == "zeta");
  CHECK(o.client_advertise == "example.com:4222");
  CHECK(o.max_payload == 2 * 1024 * 1024);
  CHECK(o.max_pending == 100 * 1024 * 1024);
  CHECK(o.max_connections == 10);
  CHECK(o.max_control_line == 2048);
  CHECK(o.max_subscriptions == 7);
  CHECK(o.max_sub_tokens == 12);
  CHECK(o.ping_interval == std::chrono::seconds(30));
  CHECK(o.ping_max == 5);
  CHECK(o.write_deadline == std::chrono::seconds(3));
  CHECK(o.no_header_support);
  CHECK(o.debug);
  CHECK(o.trace);
  CHECK_FALSE(o.log_time);
  CHECK(o.log_file == "/tmp/x.log");
  CHECK(o.pid_file == "/tmp/x.pid");
  CHECK(o.ports_file_dir == "/tmp");
  CHECK(o.http_host == "127.0.0.1");
  CHECK(o.http_port == 8222);
  CHECK(o.http_base_path == "/mon");
  CHECK(o.lame_duck_duration == std::chrono::minutes(1));
  CHECK(o.lame_duck_grace_period == std::chrono::seconds(5));
  CHECK(o.server_tags == std::vector<std::string>{"a", "b"});
  CHECK(o.no_sublist_cache);
  CHECK(o.connect_error_reports == 10);
  CHECK(o.reconnect_error_reports == 2);
  CHECK(o.max_traced_msg_len == 100);
  CHECK(o.system_account == "SYS2");
  CHECK(o.no_system_account);
}

TEST_CASE("aliases: net, max_conn, max_subs, log_file, pid_file, monitor_port, trace_verbose") {
  auto a = apply_text("net: 1.2.3.4\nmax_conn: 3\nmax_subs: 4\nlog_file: l\npid_file: p\nmonitor_port: 9\n"
                      "trace_verbose: true\nport: 5\n");
  CHECK(only_error(a) == "");
  CHECK(a.options.host == "1.2.3.4");
  CHECK(a.options.max_connections == 3);
  CHECK(a.options.max_subscriptions == 4);
  CHECK(a.options.log_file == "l");
  CHECK(a.options.pid_file == "p");
  CHECK(a.options.http_port == 9);
  CHECK(a.options.trace);
  CHECK(a.options.port == 5);
}

TEST_CASE("log rotation by size: logfile_size_limit and its alias log_size_limit take sizes") {
  CHECK(apply_text("logfile_size_limit: 1MB\n").options.log_size_limit == 1024 * 1024);
  CHECK(apply_text("log_size_limit: 4000\n").options.log_size_limit == 4000);
  CHECK(only_error(apply_text("log_size_limit: \"big\"\n")) != "");
}

TEST_CASE("listen as a bare port, http_port") {
  auto a = apply_text("listen: 4555\nhttp_port: 8000\n");
  CHECK(a.options.port == 4555);
  CHECK(a.options.http_port == 8000);
}

TEST_CASE("a bare integer ping_interval or write_deadline means seconds, with a warning") {
  auto a = apply_text("ping_interval: 5\nwrite_deadline: 7\n");
  CHECK(a.diag.errors.empty());
  REQUIRE(a.diag.warnings.size() == 2);
  CHECK(a.diag.warnings[0] ==
        "t.conf:1:0: invalid use of field \"ping_interval\": ping_interval should be converted to a duration");
  CHECK(a.options.ping_interval == std::chrono::seconds(5));
  CHECK(a.options.write_deadline == std::chrono::seconds(7));
}

// Found by the config fuzz target (UBSan: signed overflow in the seconds-to-nanoseconds cast).
TEST_CASE("a bare integer duration too large for nanoseconds wraps as Go's time.Duration(n) * time.Second") {
  auto a = apply_text("write_deadline: 10t\nping_interval: 9223372036854775807\n");
  CHECK(a.diag.errors.empty());
  CHECK(a.options.write_deadline.count() == 1864712049423024128);  // 10^13 * 10^9 mod 2^64
  CHECK(a.options.ping_interval.count() == -1000000000);           // (2^63 - 1) * 10^9 mod 2^64
}

// A float timeout no int64 holds: Go on x86-64 converts it to the smallest int64.
TEST_CASE("an authorization timeout too large for nanoseconds is Go's minimum int64") {
  auto a = apply_text("authorization { user: u, password: p, timeout: 100000000000000000000.5 }");
  CHECK(only_error(a) == "");
  CHECK(a.options.auth_timeout.count() == INT64_MIN);
}

TEST_CASE("harmless keys are accepted and noted as ignored") {
  auto a = apply_text("prof_port: 0\ndefault_js_domain: { A: x }\n");
  CHECK(only_error(a) == "");
  CHECK(a.diag.ignored.size() == 1);
  // As nats-server: default_js_domain must still be a map.
  CHECK(only_error(apply_text("default_js_domain: x\n")) == "t.conf:1:0: error default_js_domain config: unsupported type string");
}

TEST_CASE("authorization: single user, token, timeout") {
  auto a = apply_text("authorization { user: u, password: p, timeout: 0.5 }");
  CHECK(only_error(a) == "");
  CHECK(a.options.username == "u");
  CHECK(a.options.password == "p");
  CHECK(a.options.auth_timeout == std::chrono::milliseconds(500));
  CHECK(a.options.auth_required());
  auto t = apply_text("authorization { token: \"s3cr3t\", timeout: 3 }");
  CHECK(t.options.token == "s3cr3t");
  CHECK(t.options.auth_timeout == std::chrono::seconds(3));
  auto u = apply_text("authorization { username: u, pass: p }");
  CHECK(u.options.username == "u");
  CHECK(u.options.password == "p");
}

TEST_CASE("the seed talk's example: permissions through variables") {
  auto a = apply_text(R"(
authorization {
  admin = { publish = ">", subscribe = ">" }
  requestor = {
    publish = ["req.foo", "req.bar"]
    subscribe = "_INBOX.*"
  }
  users = [
    {user: alice, password: foo, permissions: $admin}
    {user: bob, password: bar, permissions: $requestor}
  ]
}
)");
  CHECK(only_error(a) == "");
  REQUIRE(a.options.users.size() == 2);
  const auth::User& bob = a.options.users[1];
  CHECK(bob.name == "bob");
  CHECK(bob.password == "bar");
  REQUIRE(bob.permissions);
  CHECK(*bob.permissions->publish->allow == std::vector<std::string>{"req.foo", "req.bar"});
  CHECK(*bob.permissions->subscribe->allow == std::vector<std::string>{"_INBOX.*"});
  CHECK(*a.options.users[0].permissions->publish->allow == std::vector<std::string>{">"});
}

TEST_CASE("permissions: allow/deny maps, aliases, queue entries, allow_responses") {
  auto a = apply_text(R"(
authorization {
  default_permissions = { sub = { deny = ">" } }
  users = [
    {user: a, password: p, permissions: {
       import: { allow: ["x.>"], deny: "x.secret" }
       export: { allow: ["q.* grp"] }
       allow_responses: { max_msgs: 3, ttl: "10s" } }}
    {user: b, password: p, permissions: { allow_responses: true }}
    {user: c, password: p}
  ]
}
)");
  CHECK(only_error(a) == "");
  REQUIRE(a.options.users.size() == 3);
  const Permissions& pa = *a.options.users[0].permissions;
  CHECK(*pa.publish->allow == std::vector<std::string>{"x.>"});
  CHECK(pa.publish->deny == std::vector<std::string>{"x.secret"});
  CHECK(*pa.subscribe->allow == std::vector<std::string>{"q.* grp"});
  CHECK(pa.response->max_msgs == 3);
  CHECK(pa.response->expires == std::chrono::seconds(10));
  const Permissions& pb = *a.options.users[1].permissions;
  CHECK(pb.response->max_msgs == 1);
  CHECK(pb.response->expires == std::chrono::minutes(2));
  CHECK(pb.publish->allow->empty());  // responses only
  const Permissions& pc = *a.options.users[2].permissions;  // the defaults
  CHECK(pc.subscribe->deny == std::vector<std::string>{">"});
}

TEST_CASE("bcrypt passwords: $2a$ bare, $2b$ quoted") {
  auto a = apply_text(
      "authorization { users = [ {user: x, password: $2a$06$ZD3xliPKwG5Hu2MDyEHpD.hkjrg3HwrtKu2VIPj8YmcXB5vY4468m}\n"
      "{user: y, password: \"$2b$06$ZD3xliPKwG5Hu2MDyEHpD.hkjrg3HwrtKu2VIPj8YmcXB5vY4468m\"} ] }");
  CHECK(only_error(a) == "");
  REQUIRE(a.options.users.size() == 2);
  CHECK(a.options.users[0].password.rfind("$2a$06$", 0) == 0);
  CHECK(a.options.users[1].password.rfind("$2b$06$", 0) == 0);
}

TEST_CASE("accounts bind their users; exports and imports are kept") {
  auto a = apply_text(R"(
accounts {
  A { users = [ {user: a1, password: p} ], exports = [ {stream: "news.>"}, {service: "help", accounts: [B]} ] }
  B { users = [ {user: b1, password: p} ], imports = [ {stream: {account: A, subject: "news.>"}, prefix: pre} ] }
}
no_auth_user: b1
)");
  CHECK(only_error(a) == "");
  CHECK(a.options.accounts == std::vector<std::string>{"A", "B"});
  REQUIRE(a.options.users.size() == 2);
  CHECK(a.options.users[0].account == "A");
  CHECK(a.options.users[1].account == "B");
  CHECK(a.options.no_auth_user == "b1");
  REQUIRE(a.options.account_exports.size() == 2);
  CHECK(a.options.account_exports[1].service);
  CHECK(a.options.account_exports[1].to_accounts == std::vector<std::string>{"B"});
  REQUIRE(a.options.account_imports.size() == 1);
  CHECK(a.options.account_imports[0].from_account == "A");
  CHECK(a.options.account_imports[0].prefix == "pre");
  auto list = apply_text("accounts: [X, Y]");
  CHECK(list.options.accounts == std::vector<std::string>{"X", "Y"});
}

TEST_CASE("nkey users: in authorization and in accounts, with permissions") {
  auto a = apply_text(R"(
authorization {
  users = [ {nkey: UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH, permissions: {publish: "x"}} ]
}
accounts {
  A {
    nkey: ABAWZ6JHTIX7UXORFSANCG63GPSRFU63PB7LLQ2JRCH74ANCKIS7DHAQ
    users = [ {nkey: UB6YDZUYIVXVPUWDOC6E5NY5FRBWLTFQ7P64KCZ4C7Z2BTRMEL5JJOKB}, {user: a, password: p} ]
  }
}
)");
  CHECK(only_error(a) == "");
  REQUIRE(a.options.users.size() == 3);
  CHECK(a.options.nonce_required());
  const auth::User* top = nullptr;
  const auth::User* in_a = nullptr;
  for (const auth::User& u : a.options.users) {
    if (u.nkey == "UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH") top = &u;
    if (u.nkey == "UB6YDZUYIVXVPUWDOC6E5NY5FRBWLTFQ7P64KCZ4C7Z2BTRMEL5JJOKB") in_a = &u;
  }
  REQUIRE(top != nullptr);
  REQUIRE(in_a != nullptr);
  CHECK(top->name.empty());
  CHECK(top->account.empty());
  REQUIRE(top->permissions != nullptr);
  CHECK(top->permissions->publish->allow == std::vector<std::string>{"x"});
  CHECK(in_a->account == "A");
  CHECK_FALSE(apply_text("authorization { users = [ {user: a, password: b} ] }").options.nonce_required());
}

TEST_CASE("finish_options: baseline defaults and cross-checks") {
  Options o;
  o.ping_max = 0;
  o.max_connections = 0;
  std::string error;
  CHECK(config::finish_options(o, &error));
  CHECK(o.ping_max == 2);
  CHECK(o.max_connections == 65536);
  o.max_payload = 10;
  o.max_pending = 5;
  CHECK_FALSE(config::finish_options(o, &error));
  CHECK(error == "max_payload (10) cannot be higher than max_pending (5)");
  Options n;
  n.no_auth_user = "ghost";
  n.users.push_back(auth::User{"real", "p", "", nullptr, true});
  CHECK_FALSE(config::finish_options(n, &error));
  CHECK(error == "no_auth_user: \"ghost\" not present as user in authorization block or account configuration");
  Options only_nkeys;  // nkey users do not count as users for no_auth_user
  only_nkeys.no_auth_user = "x";
  only_nkeys.users.emplace_back().nkey = "UADN5KDWSTNHIB2M2CSZXG7RZMXMIKGIQW2CLMYGBIXZ5KEHIIHJVGKH";
  CHECK_FALSE(config::finish_options(only_nkeys, &error));
  CHECK(error == "no_auth_user: \"x\" present, but users are not defined");
}
