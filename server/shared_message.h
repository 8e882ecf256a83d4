// SharedMessage: one immutable, reference-counted copy of a published message, made once by
// the publishing worker and handed (as a pointer through the SPSC mesh) to every other worker
// with interest — one message per interested worker, never one per subscriber. Header and all
// bytes (subject, reply, payload with headers, queue group names) live in ONE allocation.
//
// Queue groups travel with it: for every queue group in the publisher's interest result, the
// publisher picked the one destination (a worker, or a remote destination: another server)
// that must deliver to one of its members. A receiving worker delivers to its local plain
// subscribers when local_targets names it, to a local queue group only when
// queue_assigned(group, its own worker id) says that group was given to it, and forwards the
// message to each remote destination in `remotes` that it owns.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "server/message.h"

namespace zats::server {

class SharedMessageRef;

class SharedMessage {
 public:
  // Accounts are small integers assigned by the account registry ($G is 0 by convention).
  using AccountId = uint32_t;

  // Not every item in a ring is a message: a marker tells the consumer that everything its
  // producer pushed before is in (a connection moving between workers: worker_handover.cpp).
  // A marker's origin_connection carries the move it belongs to.
  enum class Marker : uint8_t { None, Barrier, Released };

  struct QueueAssignment {
    std::string_view queue;  // group name
    uint32_t destination;    // the worker or remote destination that delivers it to one member
  };

  struct Fields {
    AccountId account = 0;
    std::string_view subject;
    std::string_view reply;
    std::string_view payload;     // header block + body when has_headers
    uint32_t header_size = 0;
    bool has_headers = false;
    uint32_t origin_worker = 0;      // with origin_connection: echo suppression (no_echo)
    uint64_t origin_connection = 0;  // server-wide connection id of the publisher
    uint64_t origin_seq = 0;         // the origin worker's count of the messages it made
    uint64_t local_targets = 0;      // workers that deliver it to their plain subscribers
    uint64_t remotes = 0;            // remote destinations it is forwarded to (by their owners)
    Marker marker = Marker::None;
  };

  // One allocation; the caller holds its one reference (SharedMessageRef::share for more).
  static SharedMessageRef make(const Fields& fields, std::span<const QueueAssignment> queues = {});

  uint32_t ref_count() const { return refs_.load(std::memory_order_relaxed); }

  AccountId account() const { return account_; }
  std::string_view subject() const { return text(subject_off_, subject_len_); }
  std::string_view reply() const { return text(reply_off_, reply_len_); }
  std::string_view payload() const { return text(payload_off_, payload_len_); }
  uint32_t header_size() const { return header_size_; }
  bool has_headers() const { return has_headers_; }
  // As the broker delivers it.
  MessageView view() const { return MessageView{subject(), reply(), payload(), header_size(), has_headers()}; }
  uint32_t origin_worker() const { return origin_worker_; }
  uint64_t origin_connection() const { return origin_connection_; }
  // Increasing in the order its origin worker made messages, so in every ring's order too.
  uint64_t origin_seq() const { return origin_seq_; }
  Marker marker() const { return marker_; }
  bool local_target(uint32_t worker) const { return (local_targets_ >> worker) & 1; }
  uint64_t local_targets() const { return local_targets_; }
  uint64_t remotes() const { return remotes_; }

  uint32_t queue_count() const { return queue_count_; }
  QueueAssignment queue(uint32_t i) const;
  // Was queue group `name` assigned to `destination`? Linear in the (small) number of groups.
  bool queue_assigned(std::string_view name, uint32_t destination) const;
  // Was any group assigned to `destination`?
  bool has_queue_for(uint32_t destination) const;

  SharedMessage(const SharedMessage&) = delete;
  SharedMessage& operator=(const SharedMessage&) = delete;

 private:
  struct QueueRef {
    uint32_t offset;  // of the name, from bytes()
    uint32_t length;
    uint32_t destination;
  };

  friend class SharedMessageRef;

  SharedMessage() = default;
  ~SharedMessage() = default;
  // Any thread: each reference is released exactly once and the last one frees the message.
  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }
  void destroy();

  const QueueRef* queue_refs() const { return reinterpret_cast<const QueueRef*>(this + 1); }
  const char* bytes() const { return reinterpret_cast<const char*>(queue_refs() + queue_count_); }
  std::string_view text(uint32_t off, uint32_t len) const { return {bytes() + off, len}; }

  std::atomic<uint32_t> refs_{1};
  AccountId account_ = 0;
  uint32_t origin_worker_ = 0;
  uint32_t header_size_ = 0;
  uint64_t origin_connection_ = 0;
  uint64_t origin_seq_ = 0;
  uint64_t local_targets_ = 0;
  uint64_t remotes_ = 0;
  uint32_t subject_off_ = 0, subject_len_ = 0;
  uint32_t reply_off_ = 0, reply_len_ = 0;
  uint32_t payload_off_ = 0, payload_len_ = 0;
  uint32_t queue_count_ = 0;
  bool has_headers_ = false;
  Marker marker_ = Marker::None;
};

// One counted reference to a SharedMessage, released when dropped. A reference travels
// through a mesh ring as a raw pointer: into_raw() hands it to the ring, adopt() takes it
// back out on the other side.
class SharedMessageRef {
 public:
  SharedMessageRef() = default;
  SharedMessageRef(SharedMessageRef&& other) noexcept : msg_(std::exchange(other.msg_, nullptr)) {}
  SharedMessageRef& operator=(SharedMessageRef&& other) noexcept {
    if (this != &other) {
      reset();
      msg_ = std::exchange(other.msg_, nullptr);
    }
    return *this;
  }
  SharedMessageRef(const SharedMessageRef&) = delete;
  SharedMessageRef& operator=(const SharedMessageRef&) = delete;
  ~SharedMessageRef() { reset(); }

  // Takes over a reference that was handed out with into_raw().
  static SharedMessageRef adopt(SharedMessage* msg) { return SharedMessageRef(msg); }
  // Gives the reference away (the receiver adopts it); this handle is empty afterwards.
  SharedMessage* into_raw() && { return std::exchange(msg_, nullptr); }
  // One more reference to the same message.
  SharedMessageRef share() const {
    msg_->retain();
    return SharedMessageRef(msg_);
  }
  void reset() {
    if (msg_ != nullptr) std::exchange(msg_, nullptr)->release();
  }

  SharedMessage* get() const { return msg_; }
  SharedMessage* operator->() const { return msg_; }
  SharedMessage& operator*() const { return *msg_; }
  explicit operator bool() const { return msg_ != nullptr; }

 private:
  explicit SharedMessageRef(SharedMessage* msg) : msg_(msg) {}
  SharedMessage* msg_ = nullptr;
};

}  // namespace zats::server
