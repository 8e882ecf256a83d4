// ClientParser: the non-template half (op-name recognition, stitching of frames that span
// feeds, error state). The byte loop itself is in client_parser_impl.h.
#include "proto/client_parser.h"

#include <array>

namespace zats::proto {

namespace {

// Indexed by ClientParser::Op; PingOrPub only ever has its first letter matched.
constexpr std::array<std::string_view, 11> kOpNames = {
    "P", "PUB", "HPUB", "SUB", "UNSUB", "PING", "PONG", "CONNECT", "INFO", "+OK", "-ERR"};

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c; }

}  // namespace

bool ClientParser::mid_frame() const {
  return state_ != State::OpStart && state_ != State::Failed;
}

// Advances the op-name match by one byte. Client MSG/HMSG and route/leaf/account ops
// (RS+, LS+, RMSG, A+...) are not client ops: their first distinguishing byte fails.
bool ClientParser::step_name(char c) {
  const char upper = ascii_upper(c);
  if (state_ == State::OpStart) {
    switch (upper) {
      case 'P': op_ = Op::PingOrPub; break;
      case 'H': op_ = Op::Hpub; break;
      case 'S': op_ = Op::Sub; break;
      case 'U': op_ = Op::Unsub; break;
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
  if (op_ == Op::PingOrPub) {
    switch (upper) {
      case 'U': op_ = Op::Pub; break;
      case 'I': op_ = Op::Ping; break;
      case 'O': op_ = Op::Pong; break;
      default: return false;
    }
  } else if (upper != kOpNames[static_cast<size_t>(op_)][name_pos_]) {
    return false;
  }
  ++name_pos_;
  if (name_pos_ == kOpNames[static_cast<size_t>(op_)].size()) state_ = state_after_name();
  return true;
}

ClientParser::State ClientParser::state_after_name() const {
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

FeedResult ClientParser::fail(size_t consumed, ParseError error) {
  state_ = State::Failed;
  error_ = error;
  line_.clear();
  payload_.clear();
  return {consumed, error};
}

// Copies the open argument's bytes from this feed into line_. Refuses (false) once the
// argument is already over max_control_line: the bytes seen so far only ever grow, so the
// complete line would fail the same check, and memory stays bounded.
bool ClientParser::stash_partial_argument(const char* data, size_t size) {
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

void ClientParser::keep_pub_args_across_feeds(std::string_view arg) {
  if (line_stitched_) return;  // the views already point into line_
  line_.assign(arg.data(), arg.size());
  const auto rebase = [&](std::string_view& view) {
    if (view.empty()) return;
    view = std::string_view(line_.data() + (view.data() - arg.data()), view.size());
  };
  rebase(pub_.subject);
  rebase(pub_.reply);
  line_stitched_ = true;
}

}  // namespace zats::proto
