#include "proto/msg_frame.h"

#include "proto/encode.h"

namespace zats::proto {

void MsgFrame::render(std::string_view subject, std::string_view reply, bool headers, size_t header_size,
                      std::string_view payload) {
  text_.clear();
  append_msg_start(text_, headers, subject);
  start_size_ = text_.size();
  append_msg_rest(text_, reply, headers, header_size, payload.size());
  inline_payload_ = payload.size() <= kInlinePayload;
  payload_ = inline_payload_ ? std::string_view() : payload;
  if (inline_payload_) {
    text_.append(payload);
    text_.append("\r\n");
  }
}

}  // namespace zats::proto
