// Unit tests for perf/histogram.h: percentiles against a sorted-array reference,
// merging, and extreme values.
#include "perf/histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using zats::perf::Histogram;

namespace {

uint64_t reference(std::vector<uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(q / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

void check_close(uint64_t got, uint64_t want) {
  // The reported value is the top of the sample's bucket: never below it and
  // at most one bucket width (< 2^-(kSubBits-1) relative) above.
  CHECK(got >= want);
  const double tol = static_cast<double>(want) / double(Histogram::kSub / 2) + 1;
  CHECK(static_cast<double>(got - want) <= tol);
}

}  // namespace

TEST_CASE("empty histogram reports zeros") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.max() == 0);
  CHECK(h.min() == 0);
}

TEST_CASE("small values are exact") {
  Histogram h;
  for (uint64_t v = 0; v < Histogram::kSub; ++v) h.record(v);
  CHECK(h.percentile(0) == 0);
  CHECK(h.percentile(50) == Histogram::kSub / 2 - 1);
  CHECK(h.percentile(100) == Histogram::kSub - 1);
}

TEST_CASE("percentiles match a sorted-array reference within bucket precision") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(10.0, 1.5);  // ~20us median, long tail
  std::vector<uint64_t> vals;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    vals.push_back(v);
    h.record(v);
  }
  for (double q : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    CAPTURE(q);
    check_close(h.percentile(q), reference(vals, q));
  }
  CHECK(h.percentile(100) == *std::max_element(vals.begin(), vals.end()));
  CHECK(h.min() == *std::min_element(vals.begin(), vals.end()));
}

TEST_CASE("merge equals recording everything in one histogram") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> d(0, 10'000'000);
  Histogram a, b, all;
  for (int i = 0; i < 50000; ++i) {
    uint64_t v = d(rng);
    (i % 3 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  CHECK(a.mean() == doctest::Approx(all.mean()));
  for (double q : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) CHECK(a.percentile(q) == all.percentile(q));
}

TEST_CASE("extremes: zero, one sample, and UINT64_MAX") {
  Histogram h;
  h.record(UINT64_MAX);
  CHECK(h.percentile(50) == UINT64_MAX);
  CHECK(h.max() == UINT64_MAX);
  h.record(0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.percentile(100) == UINT64_MAX);
  Histogram one;
  one.record(123456789);
  for (double q : {0.0, 50.0, 99.99, 100.0}) CHECK(one.percentile(q) == 123456789);
}

TEST_CASE("bucket edges are consistent") {
  for (uint64_t v : {uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{511}, uint64_t{512},
                     uint64_t{1} << 40, (uint64_t{1} << 40) + 12345, UINT64_MAX}) {
    size_t i = Histogram::index_of(v);
    CAPTURE(v);
    CHECK(i < Histogram::kBuckets);
    CHECK(Histogram::upper_of(i) >= v);
    if (i > 0) CHECK(Histogram::upper_of(i - 1) < v);
  }
}
