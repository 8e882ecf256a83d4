// GatherBatch: a gathered send in batches. The bytes to send are a buffer with other bytes
// spliced in at offsets (Connection::splice: a fan-out's shared payloads between the MSG lines
// written to the buffer); one sendmsg takes at most IOV_MAX iovecs, so a long queue goes in
// batches, each resuming where the last one stopped.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace zats::server {

struct GatherBatch {
  size_t next_byte = 0;    // the buffer's bytes before this went in earlier batches
  size_t next_splice = 0;  // and so did the splices before this one

  // Fills `iov` with the next batch, at most max_iov (>= 3) iovecs, and returns its bytes (0:
  // nothing is left). Each Splice has `at` (its bytes go after buffer[0, at), in order of `at`)
  // and `bytes`.
  template <class Splice>
  size_t next(std::string_view buffer, std::span<const Splice> splices, std::vector<iovec>& iov, size_t max_iov) {
    iov.clear();
    size_t size = 0;
    auto add = [&](const char* data, size_t n) {
      if (n == 0) return;
      iov.push_back(iovec{const_cast<char*>(data), n});
      size += n;
    };
    // Room for a splice's two pieces and for the tail after the last one.
    while (next_splice < splices.size() && iov.size() + 3 <= max_iov) {
      const Splice& s = splices[next_splice++];
      add(buffer.data() + next_byte, s.at - next_byte);
      next_byte = s.at;
      add(s.bytes.data(), s.bytes.size());
    }
    if (next_splice == splices.size()) {
      add(buffer.data() + next_byte, buffer.size() - next_byte);
      next_byte = buffer.size();
    }
    return size;
  }
};

}  // namespace zats::server
