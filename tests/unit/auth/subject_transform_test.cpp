// Subject transforms (server/subject_transform.h): every mapping function and every error, with
// the results nats-server 2.9.10's transform gives for the same source, destination and subject
// (taken from it: NewSubjectTransformer(src, dest).Match(subject)).
#include <doctest/doctest.h>

#include "server/subject_transform.h"

using zats::server::SubjectTransform;

namespace {

// The mapped subject, or "ERR " and the reason.
std::string mapped(const char* src, const char* dest, const char* subject = "") {
  std::string why, out;
  std::optional<SubjectTransform> t = SubjectTransform::make(src, dest, &why);
  if (!t) return "ERR " + why;
  t->apply(subject, out);
  return out;
}

}  // namespace

TEST_CASE("mapping functions compute tokens as nats-server's do") {
  CHECK(mapped("a.*", "x.{{Partition(7,1)}}", "a.hello") == "x.2");
  CHECK(mapped("a.*", "x.{{partition(-3,1)}}", "a.b") == "x.3876335077");
  CHECK(mapped("a.*", "x.{{splitFromLeft(1,2)}}", "a.abcdef") == "x.ab.cdef");
  CHECK(mapped("a.*", "x.{{SplitFromRight(1,2)}}", "a.abcdef") == "x.abcd.ef");
  CHECK(mapped("a.*", "x.{{splitfromleft(1,9)}}", "a.abc") == "x.abc");
  CHECK(mapped("a.*", "x.{{sliceFromLeft(1,2)}}", "a.abcde") == "x.ab.cd.e");
  CHECK(mapped("a.*", "x.{{sliceFromRight(1,2)}}", "a.abcde") == "x.a.bc.de");
  CHECK(mapped("a.*", "x.{{sliceFromLeft(1,2)}}", "a.abcd") == "x.ab.cd");
  CHECK(mapped("a.*", "x.{{split(1,-)}}", "a.-ab--cd-") == "x.ab.cd");
  CHECK(mapped("a.*", "x.{{split(1,)}}", "a.abc") == "x.a.b.c");
  CHECK(mapped("a.*", "x.{{ wildcard( 1 ) }}.$1", "a.q") == "x.q.q");
  CHECK(mapped("a.*.>", "{{split(1,_)}}.>", "a.p_q.r.s") == "p.q.r.s");
  CHECK(mapped("a.*", "x.$0", "a.b") == "x.a");          // an index below 1 names the first token
  CHECK(mapped("a", "x.{{nope()}}", "a") == "x.{{nope()}}");  // a literal source: the destination as it is
  CHECK(mapped("orders.*.*", "shop.$2.$1", "orders.eu.7") == "shop.7.eu");
  // How nats-server's expressions find a function in a token.
  CHECK(mapped("a.*", "x.{{ Wildcard (1) }}", "a.b") == "x.b");
  CHECK(mapped("a.*", "x.{{wildcard(1)}}}}", "a.b") == "x.b");
  CHECK(mapped("a.*", "x.{{foo}}{{wildcard(1)}}", "a.b") == "x.b");
  CHECK(mapped("a.*", "x.{{wildcard(+1)}}", "a.b") == "x.b");
  CHECK(mapped("a.*", "x.$+1", "a.b") == "x.b");
  CHECK(mapped("a.*.*", "x.{{partition(3,1,2)}}.{{wildcard(2)}}", "a.b.c") == "x.0.c");
  CHECK(mapped("log.*.>", "logs.$1.all.>", "log.web.x.y") == "logs.web.all.x.y");
}

TEST_CASE("bad destinations get nats-server's errors") {
  CHECK(mapped("a.*.*", "x.{{partition(10,1,2)}}") ==
        "ERR invalid mapping destination: not using all of the token wildcard(s) in x.{{partition(10,1,2)}}");
  CHECK(mapped("a.*", "x.{{partition(3)}}") ==
        "ERR invalid mapping destination: not enough arguments passed to the function in {{partition(3)}}");
  CHECK(mapped("a.*", "x.{{wildcard()}}") ==
        "ERR invalid mapping destination: not enough arguments passed to the function in {{wildcard()}}");
  CHECK(mapped("a.*", "x.{{wildcard(1,2)}}") ==
        "ERR invalid mapping destination: too many arguments passed to the function in {{wildcard(1,2)}}");
  CHECK(mapped("a.*", "x.{{wildcard(x)}}") ==
        "ERR invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(x)}}");
  CHECK(mapped("a.*", "x.{{wildcard(+-1)}}") ==  // strconv.Atoi takes one sign, not two
        "ERR invalid mapping destination: function argument is invalid or in the wrong format in {{wildcard(+-1)}}");
  CHECK(mapped("a.*", "x.{{splitFromLeft(1)}}") ==
        "ERR invalid mapping destination: not enough arguments passed to the function in {{splitFromLeft(1)}}");
  CHECK(mapped("a.*", "x.{{split(1,a b)}}") ==
        "ERR invalid mapping destination: function argument is invalid or in the wrong format in {{split(1,a b)}}");
  CHECK(mapped("a.*", "x.{{split(1,a.b)}}") ==
        "ERR invalid mapping destination: not using all of the token wildcard(s) in x.{{split(1,a.b)}}");
  CHECK(mapped("a.*", "x.{{nope(1)}}") == "ERR invalid mapping destination: unknown function in {{nope(1)}}");
  CHECK(mapped("a.*", "x.{{WILDCARD(1)}}") == "ERR invalid mapping destination: unknown function in {{WILDCARD(1)}}");
  CHECK(mapped("a.*", "x.{{wildcard(1)}}{{wildcard(1)}}") ==
        "ERR invalid mapping destination: function argument is invalid or in the wrong format in "
        "{{wildcard(1)}}{{wildcard(1)}}");
  CHECK(mapped("a.*", "x.{{split(1,ab,c)}}") ==
        "ERR invalid mapping destination: too many arguments passed to the function in {{split(1,ab,c)}}");
  CHECK(mapped("a.*", "x.{{splitFromLeft(1,x)}}") ==
        "ERR invalid mapping destination: function argument is invalid or in the wrong format in "
        "{{splitFromLeft(1,x)}}");
  CHECK(mapped("a.*", "x.{{wildcard(2)}}") ==
        "ERR invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]");
  CHECK(mapped("a.*", "x.{{partition(3,2)}}") ==
        "ERR invalid mapping destination: wildcard index out of range in {{partition(3,2)}}: [2]");
  CHECK(mapped("a.*.*", "x.$1") == "ERR invalid mapping destination: not using all of the token wildcard(s) in x.$1");
  CHECK(mapped("a.*", "x.*") == "ERR invalid subject");
  CHECK(mapped("a.>", "x.*") == "ERR invalid subject");
  CHECK(mapped("a.>", "x.y") == "ERR invalid subject");
  // nats-server takes zero partitions and divides by zero on the first message: refused here.
  CHECK(mapped("a.*", "x.{{partition(0,1)}}") ==
        "ERR invalid mapping destination: function argument is invalid or in the wrong format in {{partition(0,1)}}");
}

TEST_CASE("wildcards numbered and back; a transform reversed") {
  CHECK(SubjectTransform::number_wildcards("a.*.b.*.>") == "a.$1.b.$2.>");
  CHECK(SubjectTransform::unnumber_wildcards("a.$2.b.$1.$x.{{wildcard(1)}}") == "a.*.b.*.$x.{{wildcard(1)}}");
  std::string why, out;
  auto forward = SubjectTransform::make("svc.*.*", "mine.$2.$1", &why);
  REQUIRE(forward);
  auto back = forward->reversed();
  REQUIRE(back);
  CHECK(back->source() == "mine.*.*");
  back->apply("mine.b.a", out);
  CHECK(out == "svc.a.b");
  auto fwc = SubjectTransform::make("svc.>", "mine.>", &why);
  REQUIRE(fwc);
  REQUIRE(fwc->reversed());
  fwc->reversed()->apply("mine.x.y", out);
  CHECK(out == "svc.x.y");
  // A mapping function cannot be reversed (nats-server's reverse gives none either).
  auto computed = SubjectTransform::make("svc.*", "mine.{{partition(3,1)}}", &why);
  REQUIRE(computed);
  CHECK_FALSE(computed->reversed());
}
