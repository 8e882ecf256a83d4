// MessageView: one published message as the broker passes it around while delivering:
// views into the publisher's receive buffer (or a stitched frame), valid for one publish.
#pragma once

#include <cstdint>
#include <string_view>

namespace zats::server {

struct MessageView {
  std::string_view subject;
  std::string_view reply;
  std::string_view payload;     // header block + body when has_headers
  uint32_t header_size = 0;
  bool has_headers = false;     // came as HPUB with a non-empty header block
};

}  // namespace zats::server
