// Stream imports (server/account_imports.h): the checks nats-server makes as it adds one, the
// subject mapping, and the per-exporter table the publish path reads; service imports and the
// replies in flight through them.
#include <doctest/doctest.h>

#include "server/account_imports.h"
#include "server/service_responses.h"

using namespace zats::server;

namespace {

AccountExport stream_export(std::string account, std::string subject, std::vector<std::string> to = {}) {
  AccountExport e;
  e.account = std::move(account);
  e.subject = std::move(subject);
  e.to_accounts = std::move(to);
  return e;
}

AccountImport stream_import(std::string account, std::string from, std::string subject, std::string prefix = {},
                            std::string to = {}) {
  AccountImport i;
  i.account = std::move(account);
  i.from_account = std::move(from);
  i.subject = std::move(subject);
  i.prefix = std::move(prefix);
  i.to = std::move(to);
  return i;
}

std::string why_refused(const Options& o, const AccountImport& im, const std::vector<StreamImport>& added = {}) {
  std::string why;
  return stream_import_of(o, im, added, &why) ? std::string() : why;
}

}  // namespace

TEST_CASE("stream imports need an export that allows them") {
  Options o;
  o.account_exports = {stream_export("A", "news.>"), stream_export("A", "private.>", {"B"})};
  CHECK(why_refused(o, stream_import("B", "A", "news.>")) == "");
  CHECK(why_refused(o, stream_import("B", "A", "news.sports")) == "");
  CHECK(why_refused(o, stream_import("C", "A", "private.x")) == "stream import not authorized");
  CHECK(why_refused(o, stream_import("B", "A", "private.x")) == "");
  CHECK(why_refused(o, stream_import("B", "A", "other")) == "stream import not authorized");
  CHECK(why_refused(o, stream_import("B", "C", "news.>")) == "stream import not authorized");
  CHECK(why_refused(o, stream_import("B", "A", "news.>", "p.*")) == "stream import prefix can not contain wildcard tokens");
  CHECK(why_refused(o, stream_import("B", "A", "news.>", "", "elsewhere.>")) == "");
  CHECK(why_refused(o, stream_import("B", "A", "news.*", "", "elsewhere")) ==
        "failed to create mapping transform for stream import subject \"news.*\" to \"elsewhere\": invalid mapping "
        "destination: not using all of the token wildcard(s) in elsewhere");
  CHECK(why_refused(o, stream_import("B", "A", "news.*", "", "x.{{partition(3,1)}}")) == "");
  CHECK(why_refused(o, stream_import("B", "A", "news.*", "", "x.{{partition(3,2)}}")) ==
        "failed to create mapping transform for stream import subject \"news.*\" to \"x.{{partition(3,2)}}\": invalid "
        "mapping destination: wildcard index out of range in {{partition(3,2)}}: [2]");
  std::string why;
  auto first = stream_import_of(o, stream_import("B", "A", "news.>"), {}, &why);
  REQUIRE(first);
  CHECK(why_refused(o, stream_import("B", "A", "news.>", "again"), {*first}) == "stream import already exists");
}

TEST_CASE("stream import cycles are refused") {
  Options o;
  o.account_exports = {stream_export("A", "x.>"), stream_export("B", "x.>")};
  std::string why;
  auto ab = stream_import_of(o, stream_import("A", "B", "x.>"), {}, &why);
  REQUIRE(ab);
  CHECK(why_refused(o, stream_import("B", "A", "x.>"), {*ab}) == "import forms a cycle");
  // A prefix moves the subjects apart: no cycle.
  CHECK(why_refused(o, stream_import("B", "A", "x.>", "y"), {*ab}) == "");
}

TEST_CASE("wildcard stream imports mapped to other subjects (subject transforms)") {
  Options o;
  o.account_exports = {stream_export("A", ">")};
  std::string why, out;
  auto mapped = [&](const char* subject, const char* to, const char* published) {
    auto si = stream_import_of(o, stream_import("B", "A", subject, "", to), {}, &why);
    REQUIRE_MESSAGE(si, why);
    si->map(published, out);
    return out;
  };
  CHECK(mapped("orders.*.*", "shop.*.*", "orders.eu.7") == "shop.eu.7");
  CHECK(mapped("orders.*.*", "shop.$2.$1", "orders.eu.7") == "shop.7.eu");
  CHECK(mapped("orders.*.*", "shop.{{wildcard(2)}}.x.{{wildcard(1)}}", "orders.eu.7") == "shop.7.x.eu");
  CHECK(mapped("orders.>", "shop.>", "orders.eu.7.z") == "shop.eu.7.z");
  CHECK(mapped("orders.*.>", "shop.$1.all.>", "orders.eu.7.z") == "shop.eu.all.7.z");
  auto si = stream_import_of(o, stream_import("B", "A", "orders.*.*", "", "shop.$2.$1"), {}, &why);
  REQUIRE(si);
  CHECK(si->to == "shop.*.*");  // what the cycle and duplicate checks see
}

TEST_CASE("stream import subjects in the importing account") {
  Options o;
  o.account_exports = {stream_export("A", ">")};
  std::string why;
  std::string out;
  auto prefixed = stream_import_of(o, stream_import("B", "A", "news.>", "a"), {}, &why);
  REQUIRE(prefixed);
  prefixed->map("news.x", out);
  CHECK(out == "a.news.x");
  auto dotted = stream_import_of(o, stream_import("B", "A", "news.>", "a."), {}, &why);
  REQUIRE(dotted);
  dotted->map("news.x", out);
  CHECK(out == "a.news.x");
  auto renamed = stream_import_of(o, stream_import("B", "A", "alerts", "", "b.alerts"), {}, &why);
  REQUIRE(renamed);
  renamed->map("alerts", out);
  CHECK(out == "b.alerts");
  auto same = stream_import_of(o, stream_import("B", "A", "private.>"), {}, &why);
  REQUIRE(same);
  same->map("private.y", out);
  CHECK(out == "private.y");
}

TEST_CASE("the table lists imports by exporting account") {
  Options o;
  o.accounts = {"A", "B", "C"};
  o.account_exports = {stream_export("A", "news.>"), stream_export("B", "b.>")};
  o.account_imports = {stream_import("B", "A", "news.>", "a"), stream_import("C", "A", "news.x"),
                       stream_import("C", "B", "b.>")};
  AccountImport service = stream_import("C", "A", "help");
  service.service = true;
  o.account_imports.push_back(service);
  AccountTable accounts(o.accounts);
  StreamImportTable table(o, accounts);
  CHECK_FALSE(table.empty());
  REQUIRE(table.from(accounts.find("A")).size() == 2);
  CHECK(table.from(accounts.find("A"))[0].importer == accounts.find("B"));
  CHECK(table.from(accounts.find("A"))[1].importer == accounts.find("C"));
  REQUIRE(table.from(accounts.find("B")).size() == 1);
  CHECK(table.from(accounts.find("C")).empty());
  CHECK(table.from(kGlobalAccount).empty());
  CHECK(StreamImportTable(Options{}, AccountTable{}).empty());
}

TEST_CASE("service imports need a service export that allows them; cycles are refused") {
  Options o;
  AccountExport help = stream_export("A", "help");
  help.service = true;
  help.response_type = "Streamed";
  AccountExport priv = stream_export("A", "private", {"B"});
  priv.service = true;
  o.account_exports = {help, priv, stream_export("A", "news")};
  AccountImport im = stream_import("B", "A", "help", "", "b.help");
  im.service = true;
  std::string why;
  auto si = service_import_of(o, im, {}, &why);
  REQUIRE(si);
  CHECK(si->local == "b.help");
  CHECK(si->subject == "help");
  CHECK(si->response_type == "Streamed");
  std::string out;
  si->map("b.help", out);
  CHECK(out == "help");
  im.account = "C";
  im.subject = "private";
  CHECK_FALSE(service_import_of(o, im, {}, &why));
  CHECK(why == "service import not authorized");
  im.subject = "news";  // a stream export does not serve requests
  CHECK_FALSE(service_import_of(o, im, {}, &why));
  // A imports q from B, then B from A: a cycle.
  AccountExport qa = stream_export("A", "q");
  qa.service = true;
  AccountExport qb = stream_export("B", "q");
  qb.service = true;
  o.account_exports = {qa, qb};
  AccountImport ab = stream_import("A", "B", "q");
  ab.service = true;
  auto first = service_import_of(o, ab, {}, &why);
  REQUIRE(first);
  AccountImport ba = stream_import("B", "A", "q");
  ba.service = true;
  CHECK_FALSE(service_import_of(o, ba, {*first}, &why));
  CHECK(why == "import forms a cycle");
}

TEST_CASE("wildcard service imports mapped to other subjects; duplicates") {
  Options o;
  AccountExport svc = stream_export("A", "svc.>");
  svc.service = true;
  o.account_exports = {stream_export("A", "news"), svc};
  auto service_import = [](const char* subject, const char* to) {
    AccountImport im = stream_import("B", "A", subject, "", to);
    im.service = true;
    return im;
  };
  std::string why, out;
  auto mapped = service_import_of(o, service_import("svc.*.*", "mine.$2.$1"), {}, &why);
  REQUIRE_MESSAGE(mapped, why);
  CHECK(mapped->local == "mine.*.*");
  CHECK(mapped->subject == "svc.*.*");
  CHECK(mapped->export_index == 1);
  mapped->map("mine.x.y", out);
  CHECK(out == "svc.y.x");
  auto same = service_import_of(o, service_import("svc.*", ""), {}, &why);
  REQUIRE(same);
  same->map("svc.q", out);
  CHECK(out == "svc.q");
  auto to_literal = service_import_of(o, service_import("svc.a", "mine.*"), {}, &why);
  REQUIRE(to_literal);
  to_literal->map("mine.z", out);
  CHECK(out == "svc.a");
  CHECK_FALSE(service_import_of(o, service_import("svc.*", "mine"), {}, &why));
  CHECK(why == "failed to create mapping transform for service import subject \"mine\" to \"svc.*\": invalid mapping "
               "destination: not using all of the token wildcard(s) in mine");
  CHECK_FALSE(service_import_of(o, service_import("svc.*", "m.{{partition(2,1)}}"), {}, &why));
  CHECK(why.find("zats refuses mapping functions in a service import's subject") != std::string::npos);
  CHECK_FALSE(service_import_of(o, service_import("svc.b", "mine.$2.$1"), {*mapped}, &why));
  CHECK(why == "duplicate service import subject \"mine.$2.$1\", previously used in import for account \"A\", "
               "subject \"svc.*.*\"");
}

TEST_CASE("a service import chain crosses each export once and keeps each hop's buffers") {
  ServiceImportChain chain;
  ServiceImportChain::Hop& first = chain.enter(3);
  first.subject = "a.long.subject.that.does.not.fit.in.a.small.string";
  const char* kept = first.subject.data();
  CHECK(chain.crossed(3));
  CHECK_FALSE(chain.crossed(4));
  for (size_t i = 4; i < 40; ++i) chain.enter(i);  // deeper hops never move the first one's buffer
  CHECK(first.subject.data() == kept);
  for (size_t i = 4; i < 40; ++i) chain.leave();
  chain.leave();
  CHECK_FALSE(chain.crossed(3));
}

TEST_CASE("service responses: reply subjects, singleton and streamed, expiry, accounts") {
  ServiceResponses r("P1");
  CHECK(r.subject_prefix() == "_R_.P1.");
  std::string reply;
  CHECK_FALSE(r.owns("_R_.P1.1"));  // nothing in flight
  r.add({/*exporter*/ 1, /*importer*/ 2, "_INBOX.a", true, 1000}, reply);
  CHECK(reply.rfind("_R_.P1.", 0) == 0);
  CHECK(r.owns(reply));
  CHECK_FALSE(r.owns("_R_.P2.1"));
  CHECK_FALSE(r.take(reply, 3, 10));  // published in another account
  auto e = r.take(reply, 1, 10);
  REQUIRE(e);
  CHECK(e->importer == 2);
  CHECK(e->reply == "_INBOX.a");
  CHECK_FALSE(r.take(reply, 1, 10));  // a singleton answers once
  std::string streamed;
  r.add({1, 2, "_INBOX.b", false, 1000}, streamed);
  CHECK(streamed != reply);
  CHECK(r.take(streamed, 1, 10));
  CHECK(r.take(streamed, 1, 20));
  CHECK_FALSE(r.take(streamed + "x", 1, 20));
  CHECK_FALSE(r.take(streamed, 1, 1000));  // past the threshold
  std::string ended;
  r.add({1, 2, "_INBOX.d", false, 1000}, ended);
  CHECK(r.take(ended, 1, 10, /*empty*/ true));  // an empty response ends a stream
  CHECK_FALSE(r.take(ended, 1, 10));
  r.add({1, 2, "_INBOX.c", false, 1000}, reply);
  r.expire(999);
  CHECK(r.size() == 1);
  r.expire(1000);
  CHECK(r.size() == 0);
}
