// How clustering is configured: the `cluster {}` block, the cluster flags over it, the defaults
// and start-time checks, and what a reload may change. Expectations were taken from
// nats-server 2.9.10 (`-t` on the same text, the same command lines, SIGHUP on the same
// changes), except where zats is stricter or names a position the reference leaves out (noted).
#include <doctest/doctest.h>

#include <vector>

#include "server/config/options_cluster.h"
#include "server/config/options_reload.h"
#include "tests/unit/auth/options_test_support.h"

using namespace zats::server;
using zats::server::test::apply_text;
using zats::server::test::Applied;
using zats::server::test::only_error;

namespace {

// What load_options does after reading a file: the flags again over it, the cluster flags,
// then the defaults. Returns the error ("" when none).
std::string flags_over(const std::string& file_text, std::vector<const char*> args, Options* out) {
  Applied a = apply_text(file_text);
  REQUIRE(a.diag.ok());
  args.insert(args.begin(), "zats");
  FlagResult flags = parse_flags(static_cast<int>(args.size()), args.data(), a.options);
  if (!flags.error.empty()) return flags.error;
  std::string error;
  if (config::apply_cluster_flags(flags, a.options, &error)) config::finish_options(a.options, &error);
  *out = a.options;
  return error;
}

std::string flag_error(const std::string& file_text, std::vector<const char*> args) {
  Options o;
  return flags_over(file_text, std::move(args), &o);
}

Options finished(const std::string& text) {
  Applied a = apply_text(text);
  REQUIRE(a.diag.ok());
  std::string error;
  REQUIRE(config::finish_options(a.options, &error));
  return a.options;
}

std::vector<std::string> urls_of(const std::vector<RouteUrl>& routes) {
  std::vector<std::string> out;
  for (const RouteUrl& r : routes) out.push_back(r.url);
  return out;
}

}  // namespace

TEST_CASE("a cluster block: every key") {
  Applied a = apply_text(
      "cluster {\n"
      "  name: \"my cluster\"\n"
      "  listen: \"127.0.0.1:-1\"\n"
      "  routes: [\"nats-route://a:b@127.0.0.1:6222\", \"nats://[::1]:6224\", \" nats://host \", \"localhost:6222\"]\n"
      "  authorization { user: ruser, password: rpass, timeout: 0.5 }\n"
      "  permissions { import: { allow: \"a.>\", deny: \"a.b\" }, export: [\"x\", \"y\"] }\n"
      "  cluster_advertise: \"adv:7222\"\n"
      "  no_advertise: true\n"
      "  connect_retries: 3\n"
      "}\n");
  REQUIRE(only_error(a) == "");
  CHECK(a.diag.warnings.empty());
  const ClusterOptions& c = a.options.cluster;
  CHECK(c.name == "my cluster");  // spaces are fine in 2.9.10
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == -1);
  CHECK(c.username == "ruser");
  CHECK(c.password == "rpass");
  CHECK(c.auth_timeout == std::chrono::milliseconds(500));
  CHECK(c.advertise == "adv:7222");
  CHECK(c.no_advertise);
  CHECK(c.connect_retries == 3);
  REQUIRE(c.routes.size() == 4);
  CHECK(c.routes[0] == RouteUrl{"nats-route://a:b@127.0.0.1:6222", "127.0.0.1", 6222, "a", "b"});
  CHECK(c.routes[1] == RouteUrl{"nats://[::1]:6224", "::1", 6224, "", ""});
  CHECK(c.routes[2] == RouteUrl{"nats://host", "host", 0, "", ""});  // trimmed; no port: fails to dial
  CHECK(c.routes[3] == RouteUrl{"localhost:6222", "", 0, "", ""});   // Go reads "localhost" as a scheme
  REQUIRE(c.import_permission.has_value());
  CHECK(c.import_permission->allow == std::vector<std::string>{"a.>"});
  CHECK(c.import_permission->deny == std::vector<std::string>{"a.b"});
  REQUIRE(c.export_permission.has_value());
  CHECK(c.export_permission->allow == std::vector<std::string>{"x", "y"});
}

TEST_CASE("cluster listen forms and the host/port keys") {
  CHECK(apply_text("cluster { listen: \"[::1]:6222\" }").options.cluster.host == "::1");
  CHECK(apply_text("cluster { listen: 6222 }").options.cluster.port == 6222);
  CHECK(apply_text("cluster { listen: \":6222\" }").options.cluster.host == "");
  Applied hp = apply_text("cluster { net: 127.0.0.2, port: 7244 }");
  CHECK(hp.options.cluster.host == "127.0.0.2");
  CHECK(hp.options.cluster.port == 7244);
  // Keys are case-insensitive.
  CHECK(apply_text("cluster { NAME: x, Port: 1 }").options.cluster.name == "x");
  // The top-level listen takes the same forms (port -1 included).
  CHECK(apply_text("listen: \"127.0.0.1:-1\"").options.port == -1);
}

TEST_CASE("no cluster: clustering stays off and its host unset") {
  Options o = finished("port: 4222\n");
  CHECK_FALSE(o.cluster.enabled());
  CHECK(o.cluster.host == "");
  // Once a port is set the host defaults to every interface, the auth timeout to 2s.
  Options on = finished("cluster { port: 6222, authorization { user: a, password: b } }\n");
  CHECK(on.cluster.host == "0.0.0.0");
  CHECK(on.cluster.auth_timeout == std::chrono::seconds(2));
}

TEST_CASE("cluster errors name file, line, column and the reference's problem") {
  struct Case {
    const char* name;
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"not_map", "cluster: 5\n", "t.conf:1:0: Expected map to define cluster, got int64"},
      {"not_map_l2", "\ncluster: \"abc\"\n", "t.conf:2:1: Expected map to define cluster, got string"},
      {"name_type", "\ncluster {\n  name: 5\n}\n", "t.conf:3:3: interface conversion: interface {} is int64, not string"},
      {"port_type", "\ncluster {\n  port: \"x\"\n}\n", "t.conf:3:3: interface conversion: interface {} is string, not int64"},
      {"host_type", "\ncluster {\n  host: 5\n}\n", "t.conf:3:3: interface conversion: interface {} is int64, not string"},
      {"listen_addr", "\ncluster {\n  listen: \"abc\"\n}\n", "t.conf:3:3: could not parse address string \"abc\""},
      {"listen_port", "\ncluster {\n  listen: \"127.0.0.1:x\"\n}\n", "t.conf:3:3: could not parse port \"x\""},
      {"listen_type", "\ncluster {\n  listen: true\n}\n", "t.conf:3:3: expected port or host:port, got bool"},
      {"listen_v6_bare", "\ncluster {\n  listen: \"::1:6222\"\n}\n",
       "t.conf:3:3: could not parse address string \"::1:6222\""},
      {"auth_token", "\ncluster {\n  authorization {\n    token: abc\n  }\n}\n",
       "t.conf:3:3: Cluster authorization does not support tokens"},
      {"auth_users", "\ncluster {\n  authorization {\n    users: [ {user: a, password: b} ]\n  }\n}\n",
       "t.conf:3:3: Cluster authorization does not allow multiple users"},
      {"auth_users_empty", "\ncluster {\n  authorization {\n    users: []\n  }\n}\n",
       "t.conf:3:3: Cluster authorization does not allow multiple users"},
      {"auth_unknown", "\ncluster {\n  authorization {\n    user: a\n    bogus: 1\n  }\n}\n",
       "t.conf:5:5: unknown field \"bogus\""},
      // The reference adds a second error here (a nil pointer dereference of its own).
      {"auth_not_map", "\ncluster {\n  authorization: 5\n}\n",
       "t.conf:3:3: interface conversion: interface {} is int64, not map[string]interface {}"},
      {"perm_responses", "\ncluster {\n  permissions {\n    import: \"a.>\"\n    allow_responses: true\n  }\n}\n",
       "t.conf:3:3: Cluster permissions do not support dynamic responses"},
      {"perm_unknown", "\ncluster {\n  permissions {\n    import: \"a.>\"\n    bogus: 1\n  }\n}\n",
       "t.conf:5:5: Unknown field \"bogus\" parsing permissions"},
      // zats adds the position the reference leaves out of these two.
      {"perm_not_map", "\ncluster {\n  permissions: 5\n}\n", "t.conf:3:3: Expected permissions to be a map/struct, got 5"},
      {"perm_bad_subject", "\ncluster {\n  permissions {\n    export: \"a..b\"\n  }\n}\n",
       "t.conf:4:5: subject \"a..b\" is not a valid subject"},
      {"routes_string", "\ncluster {\n  routes: \"nats://a:1\"\n}\n",
       "t.conf:3:3: interface conversion: interface {} is string, not []interface {}"},
      {"routes_bool", "\ncluster {\n  routes: [\n    true\n  ]\n}\n",
       "t.conf:4:5: interface conversion: interface {} is bool, not string"},
      {"routes_bad", "\ncluster {\n  routes: [\n    \"nats://a b:1\"\n  ]\n}\n",
       "t.conf:4:6: error parsing route url [\"nats://a b:1\"]"},
      {"routes_bad_trim", "\ncluster {\n  routes: [\n    \" 127.0.0.1:6222 \"\n  ]\n}\n",
       "t.conf:4:6: error parsing route url [\"127.0.0.1:6222\"]"},
      {"no_advertise_type", "\ncluster {\n  no_advertise: \"x\"\n}\n",
       "t.conf:3:3: interface conversion: interface {} is string, not bool"},
      {"retries_type", "\ncluster {\n  connect_retries: \"5\"\n}\n",
       "t.conf:3:3: interface conversion: interface {} is string, not int64"},
      {"advertise_type", "\ncluster {\n  advertise: 5\n}\n",
       "t.conf:3:3: interface conversion: interface {} is int64, not string"},
      {"unknown", "\ncluster {\n  port: 6222\n  foo: bar\n}\n", "t.conf:4:3: unknown field \"foo\""},
      {"tls", "\ncluster {\n  tls {\n    cert_file: x\n  }\n}\n", "t.conf:3:3: missing 'key_file' in TLS configuration"},
      {"top_listen_v6_bare", "\nlisten: \"::1:4222\"\n", "t.conf:2:1: could not parse address string \"::1:4222\""},
  };
  for (const Case& c : cases) {
    INFO("case: ", c.name);
    CHECK(only_error(apply_text(c.text)) == c.error);
  }
}

TEST_CASE("a repeated route is left out with the reference's warning") {
  Applied a = apply_text("\ncluster {\n  port: 6222\n  routes: [\n    \"nats://127.0.0.1:6223\"\n"
                         "    \"nats://127.0.0.1:6223\"\n  ]\n}\n");
  CHECK(a.diag.ok());
  REQUIRE(a.diag.warnings.size() == 1);
  CHECK(a.diag.warnings[0] ==
        "t.conf:6:6: invalid use of field \"nats://127.0.0.1:6223\": Duplicate route entry detected");
  CHECK(urls_of(a.options.cluster.routes) == std::vector<std::string>{"nats://127.0.0.1:6223"});
}

TEST_CASE("permissions inside cluster authorization: deprecated, applied unless the block has its own") {
  Applied a = apply_text("\ncluster {\n  port: 6222\n  Authorization {\n    user: a\n    password: b\n"
                         "    permissions { import: \"a.>\", export: \"b.>\" }\n  }\n}\n");
  CHECK(a.diag.ok());
  REQUIRE(a.diag.warnings.size() == 1);
  CHECK(a.diag.warnings[0] == "t.conf:4:3: invalid use of field \"Authorization\": setting \"permissions\" "
                              "within cluster authorization block is deprecated");
  REQUIRE(a.options.cluster.import_permission.has_value());
  CHECK(a.options.cluster.import_permission->allow == std::vector<std::string>{"a.>"});
  CHECK(a.options.cluster.export_permission->allow == std::vector<std::string>{"b.>"});
  // The block's own permissions win, whichever comes first.
  for (const char* text : {"cluster { permissions { import: \"x\" }, authorization { default_permissions { import: \"y\" } } }",
                           "cluster { authorization { default_permissions { import: \"y\" } }, permissions { import: \"x\" } }"}) {
    Applied b = apply_text(text);
    INFO(text);
    REQUIRE(b.options.cluster.import_permission.has_value());
    CHECK(b.options.cluster.import_permission->allow == std::vector<std::string>{"x"});
  }
}

TEST_CASE("--cluster: the listen URL, its credentials, port -1 and 0") {
  Options o;
  REQUIRE(flags_over("", {"--cluster", "nats://ru:rp@127.0.0.1:-1"}, &o) == "");
  CHECK(o.cluster.host == "127.0.0.1");
  CHECK(o.cluster.port == -1);
  CHECK(o.cluster.username == "ru");
  CHECK(o.cluster.password == "rp");
  REQUIRE(flags_over("", {"-cluster_listen=nats://[::1]:7222"}, &o) == "");
  CHECK((o.cluster.host == "::1" && o.cluster.port == 7222));
  REQUIRE(flags_over("", {"--cluster", "nats://:6222"}, &o) == "");
  CHECK(o.cluster.host == "0.0.0.0");  // an empty host: every interface
  // fmt.Sscan reads a port with a leading 0 as octal, up to its first non-octal digit.
  REQUIRE(flags_over("", {"--cluster", "nats://127.0.0.1:010"}, &o) == "");
  CHECK(o.cluster.port == 8);
  REQUIRE(flags_over("", {"--cluster", "nats://127.0.0.1:09"}, &o) == "");
  CHECK_FALSE(o.cluster.enabled());
}

TEST_CASE("--cluster over the file: listen and credentials replaced, \"\" turns clustering off") {
  const std::string file = "cluster { listen: \"127.0.0.1:6222\", authorization { user: fu, password: fp } }\n";
  Options o;
  REQUIRE(flags_over(file, {"--cluster", "nats://127.0.0.2:6333"}, &o) == "");
  CHECK((o.cluster.host == "127.0.0.2" && o.cluster.port == 6333));
  CHECK((o.cluster.username.empty() && o.cluster.password.empty()));  // no userinfo: none
  REQUIRE(flags_over(file, {"--cluster", ""}, &o) == "");
  CHECK_FALSE(o.cluster.enabled());
  CHECK(o.cluster.username == "fu");
}

TEST_CASE("--cluster refusals: the reference's texts") {
  struct Case {
    const char* value;
    const char* error;
  };
  const Case cases[] = {
      {"nats://u@127.0.0.1:6222", "expected cluster password to be set"},
      {"127.0.0.1:6222", "parse \"127.0.0.1:6222\": first path segment in URL cannot contain colon"},
      {"1.2.3.4:-1", "parse \"1.2.3.4:0\": first path segment in URL cannot contain colon"},
      {"abc", "missing port in address"},
      {"nats://h:abc", "parse \"nats://h:abc\": invalid port \":abc\" after host"},
      {"nats://127.0.0.1:", "EOF"},
      {"nats://127.0.0.1", "address 127.0.0.1: missing port in address"},
      {"nats://[::1]", "address [::1]: missing port in address"},
      {"nats://::1:5", "address ::1:5: too many colons in address"},
      {"nats://[::1:5", "parse \"nats://[::1:5\": missing ']' in host"},
      {"nats://127.0.0.1:99999999999999999999",
       "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"},
  };
  for (const Case& c : cases) {
    INFO("--cluster ", c.value);
    CHECK(flag_error("", {"--cluster", c.value}) == c.error);
  }
}

TEST_CASE("--routes: needs a cluster listen, replaces the file's routes, \"\" removes them") {
  CHECK(flag_error("", {"--routes", "nats://127.0.0.1:6223"}) ==
        "solicited routes require cluster capabilities, e.g. --cluster");
  CHECK(flag_error("port: 4222\n", {"-routes=nats://127.0.0.1:6223"}) ==
        "solicited routes require cluster capabilities, e.g. --cluster");
  CHECK(flag_error("", {"--cluster", "", "--routes", "nats://127.0.0.1:6223"}) ==
        "solicited routes require cluster capabilities, e.g. --cluster");
  const std::string file = "cluster { port: 6222, routes: [\"nats://127.0.0.1:7001\"] }\n";
  Options o;
  REQUIRE(flags_over(file, {"--routes", " nats://127.0.0.1:6223 , nats-route://u:p@[::1]:6224"}, &o) == "");
  CHECK(urls_of(o.cluster.routes) == std::vector<std::string>{"nats://127.0.0.1:6223", "nats-route://u:p@[::1]:6224"});
  CHECK(o.cluster.routes[1] == RouteUrl{"nats-route://u:p@[::1]:6224", "::1", 6224, "u", "p"});
  REQUIRE(flags_over(file, {"--routes", ""}, &o) == "");
  CHECK(o.cluster.routes.empty());
  REQUIRE(flags_over("", {"--cluster", "nats://127.0.0.1:-1", "--routes", "nats://127.0.0.1:6223"}, &o) == "");
  CHECK(o.cluster.routes.size() == 1);
  // A file that sets only the cluster host is enough for the reference (clustering stays off).
  REQUIRE(flags_over("cluster { host: 127.0.0.1 }\n", {"--routes", "nats://127.0.0.1:6223"}, &o) == "");
  // nats-server crashes on a route it cannot parse; zats refuses it.
  CHECK(flag_error(file, {"--routes", "nats://127.0.0.1:6223,nats://a b:1"}) ==
        "error parsing route url [\"nats://a b:1\"]");
}

TEST_CASE("--cluster_name keeps quote characters typed on a command line") {
  Options o;
  REQUIRE(flags_over("cluster { port: 6222, name: file }\n", {"--cluster_name", "\"abc\""}, &o) == "");
  CHECK(o.cluster.name == "\"abc\"");
  REQUIRE(flags_over("", {"-cluster_name=my cluster"}, &o) == "");
  CHECK(o.cluster.name == "my cluster");
}

TEST_CASE("the other cluster flags override the file") {
  const std::string file = "cluster { port: 6222, no_advertise: true, connect_retries: 5, advertise: \"a:1\" }\n";
  Options o;
  REQUIRE(flags_over(file, {"--no_advertise=false", "-connect_retries", "2", "--cluster_advertise", "b:2"}, &o) == "");
  CHECK_FALSE(o.cluster.no_advertise);
  CHECK(o.cluster.connect_retries == 2);
  CHECK(o.cluster.advertise == "b:2");
  REQUIRE(flags_over("", {"-no_advertise"}, &o) == "");
  CHECK(o.cluster.no_advertise);
  CHECK(flag_error("", {"--connect_retries", "abc"}) == "invalid value \"abc\" for flag -connect_retries: parse error");
  CHECK(flag_error("", {"--no_advertise=maybe"}) == "invalid boolean value \"maybe\" for -no_advertise: parse error");
}

TEST_CASE("cluster_advertise is checked when clustering starts, with the reference's text") {
  Applied a = apply_text("cluster { port: 6222, advertise: \"a:b:c\" }\n");
  std::string error;
  CHECK_FALSE(config::finish_options(a.options, &error));
  CHECK(error == "Error setting route INFO with Cluster.Advertise value of a:b:c, err=address a:b:c: too many colons in address");
  // Without clustering it is never used, so never checked.
  Applied off = apply_text("cluster { advertise: \"a:b:c\" }\n");
  CHECK(config::finish_options(off.options, &error));
}

TEST_CASE("reload: everything about the cluster but where it listens may change") {
  Options a = finished("cluster { name: abc, listen: \"127.0.0.1:6222\", routes: [\"nats://127.0.0.1:6399\"] }\n");
  Options b = finished(
      "cluster { name: xyz, listen: \"127.0.0.1:6222\", routes: [\"nats://127.0.0.1:6398\"], no_advertise: true,\n"
      "  connect_retries: 3, advertise: \"h:1\", authorization { user: a, password: b }, permissions { import: \"x\" } }\n");
  CHECK(config::reload_refusal(a, b) == "");
  Options unnamed = finished("cluster { listen: \"127.0.0.1:6222\" }\n");  // the name stays as it was
  CHECK(config::reload_refusal(a, unnamed) == "");
  Options random = finished("cluster { name: abc, listen: \"127.0.0.1:-1\" }\n");  // -1: the port in use
  CHECK(config::reload_refusal(a, random) == "");
}

TEST_CASE("reload: cluster host, port and a bad advertise are refused with the reference's texts") {
  Options a = finished("cluster { listen: \"127.0.0.1:6222\" }\n");
  CHECK(config::reload_refusal(a, finished("cluster { listen: \"127.0.0.1:6223\" }\n")) ==
        "config reload not supported for cluster port: old=6222, new=6223");
  CHECK(config::reload_refusal(a, finished("cluster { listen: \"127.0.0.2:6222\" }\n")) ==
        "config reload not supported for cluster host: old=127.0.0.1, new=127.0.0.2");
  CHECK(config::reload_refusal(a, finished("port: 4222\n")) ==
        "config reload not supported for cluster host: old=127.0.0.1, new=");
  CHECK(config::reload_refusal(finished("port: 4222\n"), finished("cluster { port: 6222 }\n")) ==
        "config reload not supported for cluster host: old=, new=0.0.0.0");
  Options bad = a;
  bad.cluster.advertise = "a:bc";
  CHECK(config::reload_refusal(a, bad) ==
        "invalid Cluster.Advertise value of a:bc, err=strconv.Atoi: parsing \"bc\": invalid syntax");
}

TEST_CASE("route_changes: the routes a reload adds and removes") {
  Options a = finished("cluster { port: 6222, routes: [\"nats://h:1\", \"nats://h:2\", \"NATS://h:3\"] }\n");
  Options b = finished("cluster { port: 6222, routes: [\"nats://h:3\", \"nats://h:4\", \"nats://h:1\", \"nats://h:2/\"] }\n");
  config::RouteChanges changes = config::route_changes(a, b);
  CHECK(urls_of(changes.added) == std::vector<std::string>{"nats://h:4", "nats://h:2/"});
  CHECK(urls_of(changes.removed) == std::vector<std::string>{"nats://h:2"});
  CHECK(changes.added[0] == RouteUrl{"nats://h:4", "h", 4, "", ""});
  config::RouteChanges none = config::route_changes(a, a);
  CHECK((none.added.empty() && none.removed.empty()));
}
