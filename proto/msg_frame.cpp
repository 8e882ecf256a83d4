#include "proto/msg_frame.h"

#include "proto/encode.h"

namespace zats::proto {

void MsgFrame::render(std::string_view subject, std::string_view reply, bool headers, size_t header_size,
                      std::string_view payload) {
  text_.clear();
  inline_payload_ = payload.size() <= kInlinePayload;
  payload_ = inline_payload_ ? std::string_view() : payload;
  append_msg_frame(text_, headers, subject, /*sid=*/{}, reply, header_size, payload.size(),
                   inline_payload_ ? &payload : nullptr);
  start_size_ = msg_sid_offset(headers, subject);
}

}  // namespace zats::proto
