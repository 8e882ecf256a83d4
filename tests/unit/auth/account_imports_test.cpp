// Stream imports (server/account_imports.h): the checks nats-server makes as it adds one, the
// subject mapping, and the per-exporter table the publish path reads.
#include <doctest/doctest.h>

#include "server/account_imports.h"

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
  CHECK(why_refused(o, stream_import("B", "A", "news.>", "", "elsewhere.>")) ==
        "mapping a wildcard stream import to another subject is not supported by zats yet");
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
