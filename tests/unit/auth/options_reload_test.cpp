// What a reload may change, and the reference's refusal text for what it may not.
#include <doctest/doctest.h>

#include "server/config/options_reload.h"

using namespace zats::server;

TEST_CASE("reloadable changes are accepted") {
  Options a;
  Options b = a;
  b.users.push_back(auth::User{"u", "p", "", nullptr, true});
  b.token = "";
  b.max_payload = 10;
  b.max_control_line = 100;
  b.ping_interval = std::chrono::seconds(1);
  b.ping_max = 9;
  b.write_deadline = std::chrono::seconds(1);
  b.max_connections = 3;
  b.debug = b.trace = true;
  b.log_time = false;
  b.pid_file = "x";
  b.ports_file_dir = "y";
  b.client_advertise = "z:1";
  b.auth_timeout = std::chrono::seconds(5);
  CHECK(config::reload_refusal(a, b) == "");
}

TEST_CASE("host, port and others are refused with the reference's text") {
  Options a;
  a.port = 15103;
  Options b = a;
  b.port = 15104;
  CHECK(config::reload_refusal(a, b) == "config reload not supported for Port: old=15103, new=15104");
  b.port = 0;  // no port: keep the one in use
  CHECK(config::reload_refusal(a, b) == "");
  b.host = "127.0.0.2";
  CHECK(config::reload_refusal(a, b) == "config reload not supported for Host: old=0.0.0.0, new=127.0.0.2");
  Options c = a;
  c.no_auth_user = "x";
  CHECK(config::reload_refusal(a, c) == "config reload not supported for NoAuthUser: old=, new=x");
  Options l = a;
  l.log_size_limit = 4000;
  CHECK(config::reload_refusal(a, l) == "config reload not supported for LogSizeLimit: old=0, new=4000");
  Options d = a;
  d.accounts = {"A"};
  CHECK(config::reload_refusal(a, d) == "config reload not supported for Accounts: old=[], new=[A]");
}
