// The differential property of the parser targets: an input fed whole and the same input fed in
// two pieces, split at a fuzzer-chosen offset, must give the same handler calls and the same
// error. The recorder (a Parser handler with a `log` string) writes each call into its log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "proto/parser.h"

namespace zats::fuzz {

// Feeds [data, data+size) in pieces split at `cut` (0 = one piece), each piece in its own heap
// buffer so stale views into an earlier piece are caught by ASan. Returns the recorder's log.
template <class Recorder>
std::string feed_split(const proto::ParserLimits& limits, const uint8_t* data, size_t size, size_t cut) {
  proto::Parser parser(limits);
  Recorder recorder;
  std::vector<std::pair<size_t, size_t>> pieces;
  if (cut == 0 || cut >= size) {
    pieces.emplace_back(0, size);
  } else {
    pieces.emplace_back(0, cut);
    pieces.emplace_back(cut, size - cut);
  }
  for (const auto& [offset, length] : pieces) {
    std::vector<char> buffer(data + offset, data + offset + length);
    const proto::FeedResult result = parser.feed(buffer.data(), buffer.size(), recorder);
    if (result.error != proto::ParseError::None) {
      recorder.log += "ERROR " + std::to_string(static_cast<int>(result.error));
      break;
    }
    if (result.consumed != length) std::abort();
  }
  return recorder.log;
}

// Aborts (a finding) when the whole and the split feed disagree.
template <class Recorder>
void check_split_feed(const proto::ParserLimits& limits, const uint8_t* data, size_t size, size_t cut) {
  if (feed_split<Recorder>(limits, data, size, 0) != feed_split<Recorder>(limits, data, size, cut)) std::abort();
}

}  // namespace zats::fuzz
