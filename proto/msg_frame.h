// MsgFrame: one message rendered once for every subscriber it goes to. A MSG (or HMSG) frame
// differs between subscribers only in its sid, so the parts before and after the sid are
// formatted once per publish and each delivery appends them around its own sid: three appends
// instead of a control line built piece by piece per subscriber.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zats::proto {

class MsgFrame {
 public:
  // Payloads up to this size are copied into the frame (one copy per publish, then part of one
  // append per delivery); larger ones are appended from the caller's buffer by each delivery,
  // so a big message is not copied once more than it would be without the frame.
  static constexpr size_t kInlinePayload = 256;

  // `payload` (header block + body when `headers`) must outlive the deliveries when it is
  // larger than kInlinePayload.
  void render(std::string_view subject, std::string_view reply, bool headers, size_t header_size,
              std::string_view payload);
  // Whether the payload is part of the rendered text (else append_to appends it on its own).
  bool inline_payload() const { return inline_payload_; }
  // Without the payload when it is not inline: the control line only, for a caller that
  // queues the payload and its CRLF itself.
  void append_head_to(std::string& out, std::string_view sid) const {
    out.append(text_.data(), start_size_);
    out.append(sid);
    out.append(text_.data() + start_size_, text_.size() - start_size_);
  }
  // The whole frame for a subscriber whose sid is `sid`.
  // Three appends: cheaper here than TailWriter's zero-filled resize (fan-out 1:8 profile).
  void append_to(std::string& out, std::string_view sid) const {
    out.append(text_.data(), start_size_);
    out.append(sid);
    out.append(text_.data() + start_size_, text_.size() - start_size_);
    if (!inline_payload_) {
      out.append(payload_);
      out.append("\r\n");
    }
  }

 private:
  std::string text_;        // "MSG <subject> " then " [reply ]<size>\r\n" [payload "\r\n"]
  size_t start_size_ = 0;   // where the sid goes
  std::string_view payload_;
  bool inline_payload_ = true;
};

}  // namespace zats::proto
