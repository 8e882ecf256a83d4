// Parser::feed, the template half of the protocol parser (included by parser.h).
// Op names are walked byte by byte (they are a few letters); control lines are found with
// memchr and payloads are skipped by length, so the cost per message does not grow per byte.
#pragma once

#include <algorithm>
#include <cstring>

#include "proto/parser.h"
#include "proto/control_args.h"

namespace zats::proto {

namespace parser_detail {
inline bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }
}  // namespace parser_detail

template <class Handler>
bool Parser::deliver_payload(std::string_view payload, Handler& handler) {
  state_ = State::OpStart;
  payload_stitched_ = false;
  if constexpr (requires { handler.on_routed_msg(routed_, payload); }) {
    if (op_ == Op::Rmsg || op_ == Op::Hmsg || op_ == Op::Lmsg) {
      return handler.on_routed_msg(static_cast<const RoutedMsgArgs&>(routed_), payload);
    }
  }
  if constexpr (requires { handler.on_pub(pub_, payload); }) {
    return handler.on_pub(static_cast<const PubArgs&>(pub_), payload);
  }
  return true;  // unreachable: the dialect only reaches Payload for ops its handler takes
}

// The route dialect's ops (see the handler interface in parser.h).
template <class Handler>
bool Parser::on_route_line(std::string_view arg, Handler& handler, ParseError& error) {
  if constexpr (requires { handler.on_routed_msg(routed_, arg); }) {
    switch (op_) {
      case Op::Rmsg:
      case Op::Hmsg:
      case Op::Lmsg:
        error = parse_routed_msg_args(arg, op_ == Op::Lmsg, op_ != Op::Rmsg, limits_, routed_, payload_size_);
        if (error == ParseError::None) state_ = State::Payload;
        return true;
      case Op::RsPlus:
      case Op::LsPlus: {
        RemoteSubArgs args;
        error = parse_remote_sub_args(arg, op_ == Op::LsPlus, args);
        return error == ParseError::None && handler.on_remote_sub(static_cast<const RemoteSubArgs&>(args));
      }
      case Op::RsMinus:
      case Op::LsMinus: {
        RemoteSubArgs args;
        error = parse_remote_unsub_args(arg, args);
        return error == ParseError::None && handler.on_remote_unsub(static_cast<const RemoteSubArgs&>(args));
      }
      case Op::Info:
        return handler.on_info(arg);
      case Op::Err:
        return handler.on_err(arg);
      default:
        break;
    }
  }
  error = ParseError::UnknownOp;
  return false;
}

// Handles one complete control line. Returns the handler's verdict (false: stop feeding);
// sets `error` when the line is invalid.
template <class Handler>
bool Parser::on_control_line(std::string_view arg, Handler& handler, ParseError& error) {
  if (arg.size() > limits_.max_control_line) {
    error = ParseError::ControlLineTooLong;
    return false;
  }
  state_ = State::OpStart;
  if (route_dialect() && op_ != Op::Connect) return on_route_line(arg, handler, error);
  switch (op_) {
    case Op::Pub:
      error = parse_pub_args(arg, limits_, pub_, payload_size_);
      if (error == ParseError::None) state_ = State::Payload;
      return true;
    case Op::Hpub:
      error = parse_hpub_args(arg, limits_, pub_, payload_size_);
      if (error == ParseError::None) state_ = State::Payload;
      return true;
    case Op::Sub:
      if constexpr (requires { handler.on_sub(SubArgs{}); }) {
        SubArgs args;
        error = parse_sub_args(arg, args);
        return error == ParseError::None && handler.on_sub(static_cast<const SubArgs&>(args));
      }
      break;
    case Op::Unsub:
      if constexpr (requires { handler.on_unsub(UnsubArgs{}); }) {
        UnsubArgs args;
        error = parse_unsub_args(arg, args);
        return error == ParseError::None && handler.on_unsub(static_cast<const UnsubArgs&>(args));
      }
      break;
    case Op::Connect:
      return handler.on_connect(arg);
    case Op::Info:
      if (!is_acceptable_client_info(arg)) error = ParseError::BadArguments;
      return true;
    case Op::Err:
      error = ParseError::ClientError;
      return false;
    default:  // ops without an argument never reach here
      break;
  }
  error = ParseError::UnknownOp;
  return false;
}

template <class Handler>
FeedResult Parser::feed(const char* data, size_t size, Handler& handler) {
  using parser_detail::is_space_or_tab;
  if (state_ == State::Failed) return {0, error_};
  size_t pos = 0;
  while (pos < size) {
    switch (state_) {
      case State::OpStart:
        // Fast paths for the ops that dominate traffic, "PUB" from a client and "RMSG" from a
        // route, with their separator in one step (same transitions as the walk below).
        if (!route_dialect()) {
          if (size - pos >= 4 && (data[pos] | 0x20) == 'p' && (data[pos + 1] | 0x20) == 'u' &&
              (data[pos + 2] | 0x20) == 'b' && is_space_or_tab(data[pos + 3])) {
            op_ = Op::Pub;
            // The line whole in this feed goes in one pass (take_pub_line); else byte by byte.
            size_t arg = pos + 4;
            while (arg < size && is_space_or_tab(data[arg])) ++arg;
            if (arg < size) {
              arg_start_ = arg;
              line_stitched_ = false;
              if (take_pub_line(data, size, pos)) break;
            }
            state_ = State::Separator;
            pos += 4;
            break;
          }
        } else if (size - pos >= 5 && (data[pos] | 0x20) == 'r' && (data[pos + 1] | 0x20) == 'm' &&
                   (data[pos + 2] | 0x20) == 's' && (data[pos + 3] | 0x20) == 'g' && is_space_or_tab(data[pos + 4])) {
          op_ = Op::Rmsg;
          state_ = State::Separator;
          pos += 5;
          break;
        }
        [[fallthrough]];
      case State::OpName:
        if (!step_name(data[pos])) return fail(pos, ParseError::UnknownOp);
        ++pos;
        break;

      case State::NeedSeparator:
        if (!is_space_or_tab(data[pos])) return fail(pos, ParseError::UnknownOp);
        state_ = State::Separator;
        ++pos;
        break;

      case State::Separator:
        if (is_space_or_tab(data[pos])) {
          ++pos;
          break;
        }
        // The first argument byte is taken whatever it is (even CR or LF), as the
        // reference does; the search for the terminating LF starts after it.
        state_ = State::Argument;
        line_stitched_ = false;
        arg_start_ = pos++;
        break;

      case State::Argument: {
        const void* lf = std::memchr(data + pos, '\n', size - pos);
        if (lf == nullptr) {
          pos = size;  // stashed below, once the loop is done
          break;
        }
        const size_t lf_pos = static_cast<size_t>(static_cast<const char*>(lf) - data);
        std::string_view arg;
        if (line_stitched_) {
          line_.append(data, lf_pos);
          arg = line_;
        } else {
          arg = std::string_view(data + arg_start_, lf_pos - arg_start_);
        }
        if (arg.size() >= 2 && arg.back() == '\r') arg.remove_suffix(1);
        pos = lf_pos + 1;
        ParseError error = ParseError::None;
        const bool go_on = on_control_line(arg, handler, error);
        if (error != ParseError::None) return fail(pos, error);
        if (!go_on) return {pos, ParseError::None};
        if (state_ == State::Payload && payload_size_ + 2 > size - pos) {
          keep_pub_args_across_feeds(arg);
        }
        break;
      }

      case State::SkipLine: {
        const void* lf = std::memchr(data + pos, '\n', size - pos);
        if (lf == nullptr) {
          pos = size;
          break;
        }
        pos = static_cast<size_t>(static_cast<const char*>(lf) - data) + 1;
        state_ = State::OpStart;
        bool go_on = true;
        if (op_ == Op::Ping) go_on = handler.on_ping();
        if (op_ == Op::Pong) go_on = handler.on_pong();
        if (!go_on) return {pos, ParseError::None};
        break;
      }

      case State::Payload: {
        const size_t avail = size - pos;
        if (!payload_stitched_ && avail >= size_t{payload_size_} + 2) {
          const char* end = data + pos + payload_size_;
          if (end[0] != '\r') return fail(pos + payload_size_, ParseError::UnknownOp);
          if (end[1] != '\n') return fail(pos + payload_size_ + 1, ParseError::UnknownOp);
          const std::string_view payload(data + pos, payload_size_);
          pos += size_t{payload_size_} + 2;
          if (!deliver_payload(payload, handler)) return {pos, ParseError::None};
          break;
        }
        if (!payload_stitched_) {
          payload_stitched_ = true;
          payload_.clear();
          payload_.reserve(payload_size_);
        }
        const size_t take = std::min(avail, size_t{payload_size_} - payload_.size());
        payload_.append(data + pos, take);
        pos += take;
        if (payload_.size() == payload_size_) state_ = State::PayloadCr;
        break;
      }

      case State::PayloadCr:
        if (data[pos] != '\r') return fail(pos, ParseError::UnknownOp);
        state_ = State::PayloadLf;
        ++pos;
        break;

      case State::PayloadLf:
        if (data[pos] != '\n') return fail(pos, ParseError::UnknownOp);
        ++pos;
        if (!deliver_payload(payload_, handler)) return {pos, ParseError::None};
        break;

      case State::Failed:
        return {pos, error_};
    }
  }
  // An argument still open must outlive the caller's buffer.
  if (state_ == State::Argument && !stash_partial_argument(data, size)) {
    return fail(size, ParseError::ControlLineTooLong);
  }
  return {size, ParseError::None};
}

}  // namespace zats::proto
