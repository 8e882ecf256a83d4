// What the parser tests of both dialects share: a handler-call record compared with ==, and
// feeding one input whole, in every two-piece split and byte by byte. Each piece lives in its
// own buffer that is scribbled over right after the feed, so a parser that kept a view into
// it instead of stitching is caught.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "proto/parser.h"

namespace zats::proto::testing {

struct Outcome {
  std::vector<std::string> events;
  ParseError error = ParseError::None;
  bool operator==(const Outcome&) const = default;
};

inline Outcome ok(std::vector<std::string> events) { return {std::move(events), ParseError::None}; }
inline Outcome failed(std::vector<std::string> events, ParseError error) { return {std::move(events), error}; }

// Feeds `input` in pieces of the given sizes (the rest in one piece) to a fresh Parser and a
// fresh Recorder (whose `events` it returns).
template <class Recorder>
Outcome run_pieces(std::string_view input, const std::vector<size_t>& sizes, ParserLimits limits) {
  Parser parser(limits);
  Recorder recorder;
  Outcome outcome;
  size_t offset = 0;
  size_t piece = 0;
  while (offset < input.size()) {
    size_t length = piece < sizes.size() ? sizes[piece] : input.size() - offset;
    length = std::min(length, input.size() - offset);
    ++piece;
    std::string buffer(input.substr(offset, length));
    const FeedResult result = parser.feed(buffer.data(), buffer.size(), recorder);
    buffer.assign(buffer.size(), '#');
    if (result.error != ParseError::None) {
      outcome.error = result.error;
      break;
    }
    REQUIRE(result.consumed == length);
    offset += length;
  }
  outcome.events = recorder.events;
  return outcome;
}

// One feed, every two-piece split and byte-by-byte feeding must all give `expected`.
template <class Recorder>
void check_all_splits(std::string_view input, const Outcome& expected, ParserLimits limits) {
  CAPTURE(input);
  CHECK(run_pieces<Recorder>(input, {}, limits) == expected);
  for (size_t cut = 1; cut < input.size(); ++cut) {
    CAPTURE(cut);
    CHECK(run_pieces<Recorder>(input, {cut}, limits) == expected);
  }
  CHECK(run_pieces<Recorder>(input, std::vector<size_t>(input.size(), 1), limits) == expected);
}

}  // namespace zats::proto::testing

template <>
struct doctest::StringMaker<zats::proto::testing::Outcome> {
  static doctest::String convert(const zats::proto::testing::Outcome& o) {
    std::string text = "error " + std::to_string(static_cast<int>(o.error)) + " events [";
    for (const std::string& e : o.events) text += (e.size() > 80 ? e.substr(0, 80) + "..." : e) + "; ";
    return (text + "]").c_str();
  }
};
