// SharedMessage: one allocation holding every field, queue assignments per worker, and a
// reference count released from several threads.
#include "server/shared_message.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using zats::server::SharedMessage;

TEST_CASE("shared message: fields round-trip") {
  SharedMessage::Fields f;
  f.account = 3;
  f.subject = "orders.eu.new";
  f.reply = "_INBOX.abc";
  f.payload = "NATS/1.0\r\nA: b\r\n\r\nhello";
  f.header_size = 18;
  f.has_headers = true;
  f.origin_worker = 2;
  f.origin_connection = 12345678901ull;
  const SharedMessage::QueueAssignment queues[] = {{"workers", 1}, {"auditors", 2}};
  SharedMessage* m = SharedMessage::make(f, queues);
  CHECK(m->account() == 3);
  CHECK(m->subject() == "orders.eu.new");
  CHECK(m->reply() == "_INBOX.abc");
  CHECK(m->payload() == f.payload);
  CHECK(m->header_size() == 18);
  CHECK(m->has_headers());
  CHECK(m->origin_worker() == 2);
  CHECK(m->origin_connection() == 12345678901ull);
  REQUIRE(m->queue_count() == 2);
  CHECK(m->queue(0).queue == "workers");
  CHECK(m->queue(1).worker == 2);
  CHECK(m->queue_assigned("workers", 1));
  CHECK_FALSE(m->queue_assigned("workers", 2));
  CHECK(m->queue_assigned("auditors", 2));
  CHECK_FALSE(m->queue_assigned("nobody", 1));
  // The message owns its bytes: they do not point into the caller's buffers.
  CHECK(m->subject().data() != f.subject.data());
  m->release();
}

TEST_CASE("shared message: empty reply, payload and queues") {
  SharedMessage::Fields f;
  f.subject = "x";
  SharedMessage* m = SharedMessage::make(f);
  CHECK(m->subject() == "x");
  CHECK(m->reply().empty());
  CHECK(m->payload().empty());
  CHECK(m->queue_count() == 0);
  CHECK_FALSE(m->has_headers());
  m->release();
}

TEST_CASE("shared message: the last of several threads frees it") {
  SharedMessage::Fields f;
  f.subject = "fanout";
  std::string payload(1000, 'p');
  f.payload = payload;
  std::atomic<int> broken{0};
  for (int round = 0; round < 200; ++round) {
    SharedMessage* m = SharedMessage::make(f, {}, 1);
    m->retain(3);
    CHECK(m->ref_count() == 4);
    std::vector<std::thread> receivers;
    for (int i = 0; i < 4; ++i) {
      receivers.emplace_back([m, &broken] {
        if (m->payload().size() != 1000 || m->subject() != "fanout") broken.fetch_add(1);
        m->release();
      });
    }
    for (auto& t : receivers) t.join();
  }
  CHECK(broken.load() == 0);
}
