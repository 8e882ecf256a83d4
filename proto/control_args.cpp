// Control-line argument parsing: field splitting, size fields and per-op argument counts,
// checked in the reference's order so the same input gives the same error.
#include "proto/control_args.h"

#include "proto/parser.h"

#include <absl/container/inlined_vector.h>
#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>

#include "proto/client_json.h"

namespace zats::proto {

namespace {

constexpr size_t kMaxSizeDigits = 9;  // 999,999,999: fits int32, as in util.go parseSize

// One compare for the common case: every byte that is not a separator is above ' '.
inline bool is_separator(char c, SplitOn split_on) {
  if (static_cast<unsigned char>(c) > ' ') return false;
  if (c == ' ' || c == '\t') return true;
  return split_on == SplitOn::SpaceTabCrLf && (c == '\r' || c == '\n');
}

// The next field at or after `p`, moving `p` past it; empty at the end of the argument.
inline std::string_view next_field(const char*& p, const char* end, SplitOn split_on) {
  while (p < end && is_separator(*p, split_on)) ++p;
  const char* start = p;
  while (p < end && !is_separator(*p, split_on)) ++p;
  return {start, static_cast<size_t>(p - start)};
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
  const char* p = arg.data();
  const char* const end = p + arg.size();
  for (std::string_view field = next_field(p, end, split_on); !field.empty(); field = next_field(p, end, split_on)) {
    if (count < capacity) out[count] = field;
    ++count;
    if (count > capacity) break;  // too many already: the exact count does not matter
  }
  return count;
}

// Bit i set when line[i] is a control byte or a space (<= ' '), for the up to 16 bytes at p
// (never reading past end).
inline uint32_t separator_mask(const char* p, const char* end) {
#if defined(__SSE2__)
  if (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i space = _mm_set1_epi8(' ');
    // Unsigned x <= ' ' exactly when max(x, ' ') == ' '.
    return static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space)));
  }
#endif
  uint32_t mask = 0;
  for (int i = 0; i < 16 && p + i < end; ++i)
    if (static_cast<unsigned char>(p[i]) <= ' ') mask |= 1u << i;
  return mask;
}

int64_t scan_pub_line(std::string_view line, PubArgs& args, uint32_t& payload_size) {
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  std::string_view fields[3];
  size_t count = 0;
  const char* field = begin;  // where the run of non-separator bytes since the last separator starts
  for (const char* chunk = begin; chunk < end; chunk += 16) {
    // Only the separators are visited: a field costs nothing per byte.
    for (uint32_t mask = separator_mask(chunk, end); mask != 0; mask &= mask - 1) {
      const char* p = chunk + std::countr_zero(mask);
      if (p > field) {
        if (count == 3) return -1;
        fields[count++] = std::string_view(field, static_cast<size_t>(p - field));
      }
      field = p + 1;
      const char c = *p;
      if (c == ' ' || c == '\t') continue;
      if (c != '\n' && !(c == '\r' && p + 1 < end && p[1] == '\n')) return -1;  // another control byte
      if (count < 2) return -1;
      const int64_t size = parse_size(fields[count - 1]);
      if (size < 0) return -1;
      args.subject = fields[0];
      args.reply = count == 3 ? fields[1] : std::string_view();
      args.header_size = 0;
      args.has_headers = false;
      payload_size = static_cast<uint32_t>(size);
      return p - begin;
    }
  }
  return -1;  // no LF yet
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

namespace {

using Fields = absl::InlinedVector<std::string_view, 16>;

// Every field, however many (a routed message may name many queue groups): the route
// dialect splits on SP, TAB, CR and LF (route.go processRoutedMsgArgs).
void split_all(std::string_view arg, Fields& out) {
  out.clear();
  const char* p = arg.data();
  const char* const end = p + arg.size();
  for (std::string_view field = next_field(p, end, SplitOn::SpaceTabCrLf); !field.empty();
       field = next_field(p, end, SplitOn::SpaceTabCrLf)) {
    out.push_back(field);
  }
}

}  // namespace

ParseError parse_remote_sub_args(std::string_view arg, bool with_origin, RemoteSubArgs& args) {
  Fields fields;
  split_all(arg, fields);
  const size_t off = with_origin ? 1 : 0;
  if (fields.size() != 2 + off && fields.size() != 4 + off) return ParseError::BadArguments;
  args = RemoteSubArgs{};
  if (with_origin) args.origin = fields[0];
  args.account = fields[off];
  args.subject = fields[off + 1];
  if (fields.size() == 4 + off) {
    args.queue = fields[off + 2];
    // The reference takes a malformed weight as -1, which then counts as no member.
    const int64_t weight = parse_size(fields[off + 3]);
    args.weight = weight < 0 ? 0 : static_cast<int32_t>(weight);
  }
  return ParseError::None;
}

ParseError parse_remote_unsub_args(std::string_view arg, RemoteSubArgs& args) {
  Fields fields;
  split_all(arg, fields);
  if (fields.size() != 2 && fields.size() != 3) return ParseError::BadArguments;
  args = RemoteSubArgs{};
  args.account = fields[0];
  args.subject = fields[1];
  if (fields.size() == 3) args.queue = fields[2];
  return ParseError::None;
}

ParseError parse_routed_msg_args(std::string_view arg, bool with_origin, bool with_headers, const ParserLimits& limits,
                                 RoutedMsgArgs& args, uint32_t& payload_size) {
  Fields fields;
  split_all(arg, fields);
  const size_t off = with_origin ? 1 : 0;
  const size_t sizes = with_headers ? 2 : 1;
  const size_t bare = off + 2 + sizes;  // [origin] account subject <sizes>
  if (fields.size() < bare) return ParseError::BadArguments;
  args.origin = with_origin ? fields[0] : std::string_view();
  args.account = fields[off];
  args.subject = fields[off + 1];
  args.reply = {};
  args.queues.clear();
  const size_t rest = fields.size() - sizes;  // end of the fields between subject and sizes
  if (fields.size() == bare + 1) {
    args.reply = fields[off + 2];
  } else if (fields.size() > bare + 1) {
    const std::string_view indicator = fields[off + 2];
    size_t first_queue = off + 3;
    if (indicator == "+") {
      args.reply = fields[off + 3];
      first_queue = off + 4;
    } else if (indicator != "|") {
      return ParseError::BadArguments;
    }
    for (size_t i = first_queue; i < rest; ++i) args.queues.push_back(fields[i]);
  }
  const int64_t total = parse_size(fields.back());
  const int64_t header = with_headers ? parse_size(fields[fields.size() - 2]) : 0;
  if (total < 0 || header < 0 || header > total) return ParseError::BadArguments;
  if (total > limits.max_payload) return ParseError::MaxPayload;
  args.has_headers = with_headers;
  args.header_size = static_cast<uint32_t>(header);
  payload_size = static_cast<uint32_t>(total);
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
