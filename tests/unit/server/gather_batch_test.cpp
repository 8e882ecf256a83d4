// GatherBatch: every batch within the iovec bound, and the batches together are exactly the
// buffer with each splice's bytes in its place, for every splice count around the bound's
// multiples (where a batch ends exactly with the last splice, its tail must still fit).
#include "server/gather_batch.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

struct TestSplice {
  size_t at;
  std::string_view bytes;
};

// `count` splices, each after a short line in the buffer (as Client::deliver queues a MSG line,
// the payload, then CRLF and the next line); with `gaps` false, some splices sit side by side.
struct Queue {
  std::string buffer;
  std::vector<std::string> payloads;
  std::vector<TestSplice> splices;
  std::string expected;

  Queue(size_t count, bool gaps) {
    payloads.reserve(count);
    for (size_t i = 0; i < count; ++i) payloads.push_back(std::string(1 + i % 7, char('a' + i % 26)));
    for (size_t i = 0; i < count; ++i) {
      if (gaps || i % 3 == 0) {
        std::string line = "L" + std::to_string(i) + "\r\n";
        buffer += line;
        expected += line;
      }
      splices.push_back(TestSplice{buffer.size(), payloads[i]});
      expected += payloads[i];
    }
    buffer += "tail\r\n";
    expected += "tail\r\n";
  }
};

std::string gather_all(const Queue& q, size_t max_iov, bool& within_bound) {
  zats::server::GatherBatch batch;
  std::vector<iovec> iov;
  std::string sent;
  within_bound = true;
  while (size_t size = batch.next(std::string_view(q.buffer), std::span<const TestSplice>(q.splices), iov, max_iov)) {
    if (iov.size() > max_iov) within_bound = false;
    size_t counted = 0;
    for (const iovec& v : iov) {
      sent.append(static_cast<const char*>(v.iov_base), v.iov_len);
      counted += v.iov_len;
    }
    if (counted != size) within_bound = false;
  }
  return sent;
}

}  // namespace

TEST_CASE("GatherBatch: batches stay within the bound and carry every byte in order") {
  for (size_t max_iov : {3u, 4u, 5u, 8u, 1024u}) {
    for (bool gaps : {true, false}) {
      for (size_t count = 0; count <= 2 * max_iov + 3 && count <= 2100; ++count) {
        Queue q(count, gaps);
        bool within_bound = false;
        const std::string sent = gather_all(q, max_iov, within_bound);
        INFO("max_iov ", max_iov, ", splices ", count, ", gaps ", gaps);
        CHECK(within_bound);
        CHECK(sent == q.expected);
      }
    }
  }
}

TEST_CASE("GatherBatch: the bound's multiples of whole splices, where the tail used to overflow") {
  // 512 splices with a line before each: 1024 pieces, then the tail.
  Queue q(512, true);
  bool within_bound = false;
  CHECK(gather_all(q, 1024, within_bound) == q.expected);
  CHECK(within_bound);
}
