// Subject mappings (server/subject_mapping.h): which mapping takes a subject, what weights
// choose, where the source keeps the rest or the rest is dropped, cluster-scoped destinations,
// and nats-server's errors.
#include <doctest/doctest.h>

#include <map>

#include "server/subject_mapping.h"

using zats::server::AccountTable;
using zats::server::CompiledMapping;
using zats::server::MapDestination;
using zats::server::Options;
using zats::server::SubjectMapping;
using zats::server::SubjectMappingTable;

namespace {

SubjectMapping mapping(std::string source, std::vector<MapDestination> dests, std::string account = "$G") {
  return SubjectMapping{std::move(account), std::move(source), std::move(dests)};
}

// What each roll 0..99 maps `subject` to ("-" when it is dropped), counted.
std::map<std::string, int> rolls(const SubjectMapping& m, const std::string& subject, const std::string& cluster = "") {
  std::string why;
  std::optional<CompiledMapping> c = CompiledMapping::make(m, &why);
  REQUIRE_MESSAGE(c.has_value(), why);
  std::map<std::string, int> seen;
  for (uint32_t roll = 0; roll < 100; ++roll) {
    std::string out;
    seen[c->map(subject, cluster, roll, out) ? out : "-"]++;
  }
  return seen;
}

std::string refusal(const SubjectMapping& m) {
  std::string why;
  return CompiledMapping::make(m, &why) ? "made" : why;
}

}  // namespace

TEST_CASE("weights share the rolls; the source keeps what they leave unless it is listed") {
  CHECK(rolls(mapping("a", {{"b", 100, ""}}), "a") == std::map<std::string, int>{{"b", 100}});
  CHECK(rolls(mapping("a", {{"b", 30, ""}, {"c", 50, ""}}), "a") ==
        std::map<std::string, int>{{"a", 20}, {"b", 30}, {"c", 50}});
  // The source listed itself: what the weights leave goes nowhere.
  CHECK(rolls(mapping("a", {{"a", 40, ""}}), "a") == std::map<std::string, int>{{"a", 40}, {"-", 60}});
  // A wildcard source keeps its own subject for the rest.
  CHECK(rolls(mapping("a.*.>", {{"b.$1.>", 25, ""}}), "a.x.y.z") ==
        std::map<std::string, int>{{"a.x.y.z", 75}, {"b.x.y.z", 25}});
}

TEST_CASE("destinations scoped to a cluster apply there only") {
  // The weights of all destinations, scoped or not, add up to 100 at most.
  SubjectMapping m = mapping("a", {{"east", 30, "e"}, {"west", 20, "w"}, {"elsewhere", 50, ""}});
  CHECK(rolls(m, "a", "e") == std::map<std::string, int>{{"a", 70}, {"east", 30}});
  CHECK(rolls(m, "a", "w") == std::map<std::string, int>{{"a", 80}, {"west", 20}});
  CHECK(rolls(m, "a", "other") == std::map<std::string, int>{{"a", 50}, {"elsewhere", 50}});
  // Only cluster-scoped destinations: elsewhere the subject stays as it is.
  CHECK(rolls(mapping("a", {{"east", 100, "e"}}), "a", "") == std::map<std::string, int>{{"a", 100}});
  CHECK(rolls(mapping("a", {{"east", 100, "e"}}), "a", "e") == std::map<std::string, int>{{"east", 100}});
}

TEST_CASE("mappings refused with nats-server's reasons") {
  CHECK(refusal(mapping("a", {{"b", 60, ""}, {"c", 50, ""}})) == "total weight needs to be <= 100");
  CHECK(refusal(mapping("a", {{"b", 10, ""}, {"b", 20, ""}})) == "duplicate entry for \"b\"");
  CHECK(refusal(mapping("a", {{"b", 101, ""}})) == "individual weights need to be <= 100");
  CHECK(refusal(mapping("a..b", {{"b", 100, ""}})) == "invalid subject");
  CHECK(refusal(mapping("a", {{"b.{{nope()}}", 100, ""}})) == "invalid mapping destination: unknown function in {{nope()}}");
  CHECK(refusal(mapping("a", {{"b..c", 100, ""}})) == "invalid mapping destination: invalid subject in ");
  CHECK(refusal(mapping("a", {{"b.>.c", 100, ""}})) == "invalid mapping destination: invalid subject in c");
  CHECK(refusal(mapping("a", {{"b c", 100, ""}})) == "invalid mapping destination: invalid subject");
  CHECK(refusal(mapping("a.*", {{"b", 100, ""}})) ==
        "invalid mapping destination: not using all of the token wildcard(s) in b");
  CHECK(refusal(mapping("a.>", {{"b.*", 100, ""}})) == "invalid subject");
}

TEST_CASE("the first mapping of an account whose source matches takes the subject") {
  Options o;
  o.subject_mappings = {mapping("orders.*", {{"o.$1", 100, ""}}), mapping("orders.eu", {{"eu", 100, ""}}),
                        mapping("x", {{"y", 100, ""}}, "A"), mapping("orders.*", {{"later.$1", 100, ""}})};
  AccountTable accounts({"A"});
  SubjectMappingTable table(o, accounts);
  std::string out;
  CHECK(table.maps(0));
  CHECK(table.maps(1));
  // The later mapping of the same source replaced the first in its place, before orders.eu.
  CHECK(table.map(0, "orders.eu", "", 0, out));
  CHECK(out == "later.eu");
  CHECK_FALSE(table.map(0, "orders", "", 0, out));
  CHECK_FALSE(table.map(0, "x", "", 0, out));  // A's mapping, not $G's
  CHECK(table.map(1, "x", "", 0, out));
  CHECK(out == "y");
  CHECK_FALSE(SubjectMappingTable(Options{}, accounts).maps(0));
}
