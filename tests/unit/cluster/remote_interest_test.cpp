#include "cluster/remote_interest.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <tuple>

using zats::cluster::RemoteInterest;

namespace {

using Entry = std::tuple<std::string, std::string, std::string>;

std::map<Entry, uint32_t> contents(const RemoteInterest& interest) {
  std::map<Entry, uint32_t> out;
  interest.for_each([&out](const RemoteInterest::Key& key, uint32_t weight) {
    out[{std::string(key.account), std::string(key.subject), std::string(key.queue)}] = weight;
  });
  return out;
}

}  // namespace

TEST_CASE("plain interest is added once per account and subject") {
  RemoteInterest interest;
  CHECK(interest.add({"A", "foo.bar", {}}, 1));
  CHECK_FALSE(interest.add({"A", "foo.bar", {}}, 1));
  CHECK(interest.add({"B", "foo.bar", {}}, 1));
  CHECK(interest.size() == 2);
  CHECK(contents(interest) == std::map<Entry, uint32_t>{{{"A", "foo.bar", ""}, 1}, {{"B", "foo.bar", ""}, 1}});
}

TEST_CASE("a queue group's weight is replaced, and the queue keeps it apart from plain interest") {
  RemoteInterest interest;
  interest.set({"A", "foo.*", "q"}, 3);
  interest.set({"A", "foo.*", "q"}, 5);
  CHECK(interest.add({"A", "foo.*", {}}, 1));
  CHECK(interest.size() == 2);
  CHECK(contents(interest) == std::map<Entry, uint32_t>{{{"A", "foo.*", ""}, 1}, {{"A", "foo.*", "q"}, 5}});
}

TEST_CASE("erase says whether the key was there") {
  RemoteInterest interest;
  interest.add({"A", "x", {}}, 1);
  interest.set({"A", "x", "q"}, 2);
  CHECK(interest.erase({"A", "x", "q"}));
  CHECK_FALSE(interest.erase({"A", "x", "q"}));
  CHECK_FALSE(interest.erase({"B", "x", {}}));
  CHECK(interest.size() == 1);
  CHECK(interest.erase({"A", "x", {}}));
  CHECK(interest.size() == 0);
  CHECK(contents(interest).empty());
}

TEST_CASE("many keys spread over the shards and all come back") {
  RemoteInterest interest;
  constexpr int kKeys = 20000;
  for (int i = 0; i < kKeys; ++i) CHECK(interest.add({"$G", "s." + std::to_string(i), {}}, 1));
  CHECK(interest.size() == kKeys);
  CHECK(contents(interest).size() == kKeys);
  for (int i = 0; i < kKeys; i += 2) CHECK(interest.erase({"$G", "s." + std::to_string(i), {}}));
  CHECK(interest.size() == kKeys / 2);
  interest.clear();
  CHECK(interest.size() == 0);
  CHECK(contents(interest).empty());
}
