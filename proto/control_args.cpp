// Control-line argument parsing: field splitting, size fields and per-op argument counts,
// checked in the reference's order so the same input gives the same error.
#include "proto/control_args.h"

#include "proto/client_parser.h"

#include <simdjson.h>

#include "proto/client_json.h"

namespace zats::proto {

namespace {

constexpr size_t kMaxSizeDigits = 9;  // 999,999,999: fits int32, as in util.go parseSize

bool is_separator(char c, SplitOn split_on) {
  if (c == ' ' || c == '\t') return true;
  return split_on == SplitOn::SpaceTabCrLf && (c == '\r' || c == '\n');
}

}  // namespace

int64_t parse_size(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxSizeDigits) return -1;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

size_t split_args(std::string_view arg, SplitOn split_on, std::string_view* out, size_t capacity) {
  size_t count = 0;
  size_t i = 0;
  const size_t n = arg.size();
  while (i < n) {
    while (i < n && is_separator(arg[i], split_on)) ++i;
    if (i == n) break;
    const size_t start = i;
    while (i < n && !is_separator(arg[i], split_on)) ++i;
    if (count < capacity) out[count] = arg.substr(start, i - start);
    ++count;
    if (count > capacity) break;  // too many already: the exact count does not matter
  }
  return count;
}

ParseError parse_pub_args(std::string_view arg, const ParserLimits& limits, PubArgs& args,
                          uint32_t& payload_size) {
  std::string_view fields[3];
  const size_t count = split_args(arg, SplitOn::SpaceTab, fields, 3);
  if (count < 2 || count > 3) return ParseError::BadArguments;
  args = PubArgs{};
  args.subject = fields[0];
  if (count == 3) args.reply = fields[1];
  const int64_t size = parse_size(fields[count - 1]);
  if (size < 0) return ParseError::BadArguments;
  if (size > limits.max_payload) return ParseError::MaxPayload;
  payload_size = static_cast<uint32_t>(size);
  return ParseError::None;
}

ParseError parse_hpub_args(std::string_view arg, const ParserLimits& limits, PubArgs& args,
                           uint32_t& payload_size) {
  if (!limits.headers) return ParseError::HeadersNotEnabled;
  std::string_view fields[4];
  const size_t count = split_args(arg, SplitOn::SpaceTab, fields, 4);
  if (count < 3 || count > 4) return ParseError::BadArguments;
  args = PubArgs{};
  args.has_headers = true;
  args.subject = fields[0];
  if (count == 4) args.reply = fields[1];
  const int64_t header_size = parse_size(fields[count - 2]);
  const int64_t total_size = parse_size(fields[count - 1]);
  if (header_size < 0 || total_size < 0 || header_size > total_size) {
    return ParseError::BadArguments;
  }
  if (total_size > limits.max_payload) return ParseError::MaxPayload;
  args.header_size = static_cast<uint32_t>(header_size);
  payload_size = static_cast<uint32_t>(total_size);
  return ParseError::None;
}

ParseError parse_sub_args(std::string_view arg, SubArgs& args) {
  std::string_view fields[3];
  const size_t count = split_args(arg, SplitOn::SpaceTabCrLf, fields, 3);
  if (count < 2 || count > 3) return ParseError::BadArguments;
  args = SubArgs{};
  args.subject = fields[0];
  if (count == 3) args.queue = fields[1];
  args.sid = fields[count - 1];
  return ParseError::None;
}

ParseError parse_unsub_args(std::string_view arg, UnsubArgs& args) {
  std::string_view fields[2];
  const size_t count = split_args(arg, SplitOn::SpaceTabCrLf, fields, 2);
  if (count < 1 || count > 2) return ParseError::BadArguments;
  args = UnsubArgs{};
  args.sid = fields[0];
  if (count == 2) args.max = fields[1];
  return ParseError::None;
}

bool is_acceptable_client_info(std::string_view json) {
  simdjson::dom::element root;
  if (parse_client_json(json, &root) != simdjson::SUCCESS) return false;
  const auto type = root.type();
  return type == simdjson::dom::element_type::OBJECT ||
         type == simdjson::dom::element_type::NULL_VALUE;
}

}  // namespace zats::proto
