// ProtoReader: the bench's incremental reader of server-to-client NATS frames
// (INFO, MSG, HMSG, PING, PONG, +OK, -ERR). Bytes are received straight into its
// buffer (writable()/commit()); parse() hands complete frames to a handler as
// views valid only during the call, and keeps a split frame for the next read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace zats::perf {

struct MsgView {
  std::string_view subject;
  std::string_view sid;
  std::string_view reply;    // empty when the message has none
  std::string_view headers;  // HMSG only, including the NATS/1.0 line
  std::string_view payload;
};

// A handler provides: on_msg(const MsgView&), on_info(string_view json), on_ping(),
// on_pong(), on_ok(), on_err(string_view text). parse() returns false on a frame
// it cannot read (the stream is then unusable).
class ProtoReader {
 public:
  explicit ProtoReader(size_t initial = 4096, size_t max = size_t{4} << 20)
      : buf_(initial), max_(max) {}

  // Free space to receive into; doubles (up to max) when the previous receive
  // filled all it was offered, so a busy subscriber soon reads in large gulps.
  std::span<char> writable() {
    compact();
    if ((end_ == buf_.size() || filled_) && buf_.size() < max_)
      buf_.resize(std::min(max_, buf_.size() * 2));
    filled_ = false;
    offered_ = buf_.size() - end_;
    return {buf_.data() + end_, offered_};
  }
  void commit(size_t n) {
    filled_ = n == offered_;
    end_ += n;
  }

  // Copies `data` in (tests and callers without direct receive) and parses.
  template <class H>
  bool feed(std::string_view data, H& h) {
    while (!data.empty()) {
      auto w = writable();
      if (w.empty()) return false;
      size_t n = std::min(w.size(), data.size());
      std::memcpy(w.data(), data.data(), n);
      commit(n);
      data.remove_prefix(n);
      if (!parse(h)) return false;
    }
    return true;
  }

  template <class H>
  bool parse(H& h) {
    for (;;) {
      const char* p = buf_.data() + begin_;
      const size_t avail = end_ - begin_;
      if (avail == 0) return true;
      const void* nl = std::memchr(p, '\n', avail);
      if (nl == nullptr) return avail < kMaxLine;
      const size_t line_len = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
      std::string_view line(p, line_len - 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      const int r = frame(line, line_len, avail, h);
      if (r < 0) return false;
      if (r == 0) {  // payload not fully here yet: make room for it
        need_ = pending_need_;
        return true;
      }
      begin_ += static_cast<size_t>(r);
    }
  }

  size_t buffered() const { return end_ - begin_; }
  size_t capacity() const { return buf_.size(); }

 private:
  static constexpr size_t kMaxLine = 64 * 1024;

  // Returns bytes consumed, 0 when more input is needed, -1 on garbage.
  template <class H>
  int frame(std::string_view line, size_t line_len, size_t avail, H& h) {
    if (line.size() >= 4 && (line[0] == 'M' || line[0] == 'H')) return msg(line, line_len, avail, h);
    if (line == "PING") h.on_ping();
    else if (line == "PONG") h.on_pong();
    else if (line == "+OK") h.on_ok();
    else if (line.starts_with("INFO")) h.on_info(trim(line.substr(4)));
    else if (line.starts_with("-ERR")) h.on_err(trim(line.substr(4)));
    else if (!line.empty()) return -1;
    return static_cast<int>(line_len);
  }

  template <class H>
  int msg(std::string_view line, size_t line_len, size_t avail, H& h) {
    const bool hmsg = line[0] == 'H';
    std::string_view args = line.substr(hmsg ? 4 : 3);
    if (!(line.starts_with(hmsg ? "HMSG " : "MSG ") || line.starts_with(hmsg ? "HMSG\t" : "MSG\t")))
      return -1;
    // One pass over the characters: string_view's find_first_of/find_first_not_of call memchr
    // per character, which made this reader the limit of a fan-out (half its CPU in memchr).
    std::string_view tok[5];
    size_t n = 0;
    const char* c = args.data();
    const char* const end = c + args.size();
    auto blank = [](char ch) { return ch == ' ' || ch == '\t'; };
    while (n < 5) {
      while (c != end && blank(*c)) ++c;
      if (c == end) break;
      const char* start = c;
      while (c != end && !blank(*c)) ++c;
      tok[n++] = std::string_view(start, static_cast<size_t>(c - start));
    }
    const size_t want = hmsg ? 4 : 3;  // subject sid [reply] [hdr_len] total_len
    if (n != want && n != want + 1) return -1;
    uint64_t total = 0, hdr = 0;
    if (!number(tok[n - 1], total)) return -1;
    if (hmsg && (!number(tok[n - 2], hdr) || hdr > total)) return -1;
    const size_t frame_len = line_len + total + 2;
    if (avail < frame_len) {
      pending_need_ = frame_len;
      return 0;
    }
    const char* body = buf_.data() + begin_ + line_len;
    MsgView m;
    m.subject = tok[0];
    m.sid = tok[1];
    if (n == want + 1) m.reply = tok[2];
    m.headers = std::string_view(body, hdr);
    m.payload = std::string_view(body + hdr, total - hdr);
    h.on_msg(m);
    return static_cast<int>(frame_len);
  }

  static bool number(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 12) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  }
  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
  }

  // Moves the unparsed tail to the front, and grows the buffer when a frame
  // announced a payload larger than what fits.
  void compact() {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (need_ > buf_.size()) buf_.resize(std::max(need_, buf_.size() * 2));
    need_ = 0;
  }

  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  size_t need_ = 0, pending_need_ = 0;
  size_t offered_ = 0;
  bool filled_ = false;
  size_t max_;
};

}  // namespace zats::perf
