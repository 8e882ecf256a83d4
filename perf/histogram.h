// Histogram: an HDR-style log-linear latency histogram of uint64 values (ns).
// Buckets are exact below 2^kSubBits and have relative width 2^-(kSubBits-1)
// (< 0.8%) above; min, max, count and sum are exact; histograms merge by adding.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>

namespace zats::perf {

class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits) * (kSub / 2) + kSub;

  void record(uint64_t v) {
    ++counts_[index_of(v)];
    ++count_;
    sum_ += v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }

  void merge(const Histogram& o) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }

  // The value at percentile q (0..100): the upper edge of the bucket holding the
  // ceil(q% * count)-th smallest sample, clamped to [min, max] so p0/p100 are exact.
  uint64_t percentile(double q) const {
    if (count_ == 0) return 0;
    double want = q / 100.0 * static_cast<double>(count_);
    uint64_t rank = static_cast<uint64_t>(want);
    if (static_cast<double>(rank) < want) ++rank;
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(upper_of(i), min_, max_);
    }
    return max_;
  }

  static size_t index_of(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    const int e = (63 - std::countl_zero(v)) - kSubBits + 1;  // >= 1
    return static_cast<size_t>(e) * (kSub / 2) + static_cast<size_t>(v >> e);
  }
  // Largest value that maps to bucket i.
  static uint64_t upper_of(size_t i) {
    if (i < kSub) return i;
    const size_t e = (i - kSub / 2) / (kSub / 2);
    const uint64_t mant = i - e * (kSub / 2);  // in [kSub/2, kSub)
    const uint64_t lo = mant << e;
    const uint64_t width = uint64_t{1} << e;
    return lo > std::numeric_limits<uint64_t>::max() - (width - 1) ? std::numeric_limits<uint64_t>::max()
                                                                   : lo + (width - 1);
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
};

}  // namespace zats::perf
