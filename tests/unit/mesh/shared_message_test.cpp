// SharedMessage: one allocation holding every field, queue assignments per worker, and a
// reference count released from several threads.
#include "server/shared_message.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using zats::server::SharedMessage;
using zats::server::SharedMessageRef;

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
  SharedMessageRef m = SharedMessage::make(f, queues);
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
  CHECK(m->queue(1).destination == 2);
  CHECK(m->has_queue_for(1));
  CHECK_FALSE(m->has_queue_for(3));
  CHECK(m->queue_assigned("workers", 1));
  CHECK_FALSE(m->queue_assigned("workers", 2));
  CHECK(m->queue_assigned("auditors", 2));
  CHECK_FALSE(m->queue_assigned("nobody", 1));
  // The message owns its bytes: they do not point into the caller's buffers.
  CHECK(m->subject().data() != f.subject.data());
}

TEST_CASE("shared message: empty reply, payload and queues") {
  SharedMessage::Fields f;
  f.subject = "x";
  SharedMessageRef m = SharedMessage::make(f);
  CHECK(m->subject() == "x");
  CHECK(m->reply().empty());
  CHECK(m->payload().empty());
  CHECK(m->queue_count() == 0);
  CHECK_FALSE(m->has_headers());
}

TEST_CASE("shared message: references move, share and travel as raw pointers") {
  SharedMessage::Fields f;
  f.subject = "x";
  SharedMessageRef a = SharedMessage::make(f);
  SharedMessageRef b = a.share();
  CHECK(a->ref_count() == 2);
  SharedMessage* raw = std::move(b).into_raw();  // as into a mesh ring
  CHECK_FALSE(b);
  CHECK(a->ref_count() == 2);
  SharedMessageRef c = SharedMessageRef::adopt(raw);  // and out on the other side
  c.reset();
  CHECK(a->ref_count() == 1);
  SharedMessageRef d = std::move(a);
  CHECK_FALSE(a);
  CHECK(d->ref_count() == 1);
}

TEST_CASE("shared message: the last of several threads frees it") {
  SharedMessage::Fields f;
  f.subject = "fanout";
  std::string payload(1000, 'p');
  f.payload = payload;
  std::atomic<int> broken{0};
  for (int round = 0; round < 200; ++round) {
    SharedMessageRef m = SharedMessage::make(f);
    std::vector<SharedMessageRef> shares;
    for (int i = 0; i < 3; ++i) shares.push_back(m.share());
    shares.push_back(std::move(m));
    CHECK(shares[0]->ref_count() == 4);
    std::vector<std::thread> receivers;
    for (auto& share : shares) {
      receivers.emplace_back([ref = std::move(share), &broken]() mutable {
        if (ref->payload().size() != 1000 || ref->subject() != "fanout") broken.fetch_add(1);
        ref.reset();
      });
    }
    for (auto& t : receivers) t.join();
  }
  CHECK(broken.load() == 0);
}
