// Parser: the non-template half (op-name recognition, stitching of frames that span
// feeds, error state). The byte loop itself is in parser_impl.h.
#include "proto/parser.h"

#include <array>

namespace zats::proto {

namespace {

// Indexed by Parser::Op; the ambiguous prefixes (P, R, RS, L, LS) only ever have their own
// letters matched.
constexpr std::array<std::string_view, 22> kOpNames = {
    "P",    "PUB", "HPUB", "SUB", "UNSUB", "PING", "PONG", "CONNECT", "INFO", "+OK", "-ERR",
    "HMSG", "R",   "RS",   "RS+", "RS-",   "RMSG", "L",    "LS",      "LS+",  "LS-", "LMSG"};

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c; }

}  // namespace

bool Parser::mid_frame() const {
  return state_ != State::OpStart && state_ != State::Failed;
}

// Advances the op-name match by one byte. An op the dialect does not have fails at its first
// distinguishing byte: a client's MSG, HMSG, RS+, RMSG, A+..., or a route's PUB, SUB, UNSUB.
bool Parser::step_name(char c) {
  const char upper = ascii_upper(c);
  if (state_ == State::OpStart) return step_first_letter(upper);
  if (is_prefix(op_)) {
    if (!step_ambiguous(upper)) return false;
  } else if (upper != kOpNames[static_cast<size_t>(op_)][name_pos_]) {
    return false;
  }
  ++name_pos_;
  // A prefix is never a whole name: the next letter completes or extends it.
  if (!is_prefix(op_) && name_pos_ == kOpNames[static_cast<size_t>(op_)].size()) state_ = state_after_name();
  return true;
}

bool Parser::step_first_letter(char upper) {
  const bool route = route_dialect();
  switch (upper) {
    case 'P': op_ = Op::PingOrPub; break;
    case 'H': op_ = route ? Op::Hmsg : Op::Hpub; break;
    case 'S': if (route) return false; op_ = Op::Sub; break;
    case 'U': if (route) return false; op_ = Op::Unsub; break;
    case 'R': if (!route) return false; op_ = Op::RouteOp; break;
    case 'L': if (!route) return false; op_ = Op::LeafOp; break;
    case 'C': op_ = Op::Connect; break;
    case 'I': op_ = Op::Info; break;
    case '+': op_ = Op::Ok; break;
    case '-': op_ = Op::Err; break;
    default: return false;
  }
  name_pos_ = 1;
  state_ = State::OpName;
  return true;
}

// The letter after an ambiguous prefix picks the op.
bool Parser::step_ambiguous(char upper) {
  switch (op_) {
    case Op::PingOrPub:
      if (upper == 'U' && !route_dialect()) return op_ = Op::Pub, true;
      if (upper == 'I') return op_ = Op::Ping, true;
      if (upper == 'O') return op_ = Op::Pong, true;
      return false;
    case Op::RouteOp:
      if (upper == 'S') return op_ = Op::RouteSub, true;
      if (upper == 'M') return op_ = Op::Rmsg, true;
      return false;
    case Op::RouteSub:
      if (upper == '+') return op_ = Op::RsPlus, true;
      if (upper == '-') return op_ = Op::RsMinus, true;
      return false;
    case Op::LeafOp:
      if (upper == 'S') return op_ = Op::LeafSub, true;
      if (upper == 'M') return op_ = Op::Lmsg, true;
      return false;
    case Op::LeafSub:
      if (upper == '+') return op_ = Op::LsPlus, true;
      if (upper == '-') return op_ = Op::LsMinus, true;
      return false;
    default:
      return false;
  }
}

Parser::State Parser::state_after_name() const {
  switch (op_) {
    case Op::Ping:
    case Op::Pong:
    case Op::Ok:
      return State::SkipLine;
    case Op::Connect:
    case Op::Info:
      return State::Separator;  // "CONNECT{...}" is fine
    default:
      return State::NeedSeparator;
  }
}

FeedResult Parser::fail(size_t consumed, ParseError error) {
  state_ = State::Failed;
  error_ = error;
  line_.clear();
  payload_.clear();
  return {consumed, error};
}

// Copies the open argument's bytes from this feed into line_. Refuses (false) once the
// argument is already over max_control_line: the bytes seen so far only ever grow, so the
// complete line would fail the same check, and memory stays bounded.
bool Parser::stash_partial_argument(const char* data, size_t size) {
  const char* begin = line_stitched_ ? data : data + arg_start_;
  const size_t added = static_cast<size_t>(data + size - begin);
  const size_t kept = line_stitched_ ? line_.size() : 0;
  size_t length = kept + added;
  if (length == 0) return true;
  const char last = added > 0 ? begin[added - 1] : line_.back();
  if (length >= 2 && last == '\r') --length;  // a CR that may turn out to precede LF
  if (length > limits_.max_control_line) return false;
  if (!line_stitched_) line_.clear();
  line_.append(begin, added);
  line_stitched_ = true;
  return true;
}

// pub_ and payload_size_ may be written when this returns false: the general path then sets
// them again (or fails the parser).
bool Parser::take_pub_line(const char* data, size_t size, size_t& pos) {
  const int64_t arg_size = scan_pub_line(std::string_view(data + arg_start_, size - arg_start_), pub_, payload_size_);
  if (arg_size < 0 || static_cast<uint64_t>(arg_size) > limits_.max_control_line ||
      payload_size_ > limits_.max_payload)
    return false;
  state_ = State::Payload;
  const size_t lf = arg_start_ + static_cast<size_t>(arg_size) + (data[arg_start_ + arg_size] == '\r' ? 1 : 0);
  pos = lf + 1;
  if (payload_size_ + 2 > size - pos) keep_pub_args_across_feeds(std::string_view(data + arg_start_, static_cast<size_t>(arg_size)));
  return true;
}

void Parser::keep_pub_args_across_feeds(std::string_view arg) {
  if (line_stitched_) return;  // the views already point into line_
  line_.assign(arg.data(), arg.size());
  // Only views into this argument move (the other op's args are stale and unused).
  const auto rebase = [&](std::string_view& view) {
    if (view.empty() || view.data() < arg.data() || view.data() + view.size() > arg.data() + arg.size()) return;
    view = std::string_view(line_.data() + (view.data() - arg.data()), view.size());
  };
  rebase(pub_.subject);
  rebase(pub_.reply);
  rebase(routed_.origin);
  rebase(routed_.account);
  rebase(routed_.subject);
  rebase(routed_.reply);
  for (std::string_view& queue : routed_.queues) rebase(queue);
  line_stitched_ = true;
}

}  // namespace zats::proto
