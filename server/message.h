// MessageView: one published message as the broker passes it around while delivering:
// views into the publisher's receive buffer (or a stitched frame), valid for one publish.
#pragma once

#include <cstdint>
#include <string_view>

#include "proto/msg_frame.h"

namespace zats::server {

class SharedMessageRef;

struct MessageView {
  std::string_view subject;
  std::string_view reply;
  std::string_view payload;     // header block + body when has_headers
  uint32_t header_size = 0;
  bool has_headers = false;     // came as HPUB with a non-empty header block
  // The MSG/HMSG frame already rendered for this message, when it goes to several local
  // subscribers (Worker::deliver_local); null otherwise.
  const proto::MsgFrame* frame = nullptr;
  // With a frame whose payload is not inline: one shared copy of the payload, which deliveries
  // queue by reference rather than copying it once per subscriber (Connection::splice).
  const SharedMessageRef* shared = nullptr;
};

}  // namespace zats::server
