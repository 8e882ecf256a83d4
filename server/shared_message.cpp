// SharedMessage: layout is [SharedMessage][QueueRef x n][subject][reply][payload][names...],
// one operator new per published message that leaves its worker.
#include "server/shared_message.h"

#include <cstring>
#include <new>

namespace zats::server {
namespace {

// Copies s to dst + *at, advancing *at; returns the offset it was written at.
uint32_t put(char* dst, size_t* at, std::string_view s) {
  const size_t off = *at;
  if (!s.empty()) std::memcpy(dst + off, s.data(), s.size());
  *at += s.size();
  return static_cast<uint32_t>(off);
}

}  // namespace

SharedMessageRef SharedMessage::make(const Fields& f, std::span<const QueueAssignment> queues) {
  size_t text_size = f.subject.size() + f.reply.size() + f.payload.size();
  for (const auto& q : queues) text_size += q.queue.size();
  const size_t total = sizeof(SharedMessage) + queues.size() * sizeof(QueueRef) + text_size;

  void* mem = ::operator new(total);
  auto* m = new (mem) SharedMessage();
  m->refs_.store(1, std::memory_order_relaxed);
  m->account_ = f.account;
  m->origin_worker_ = f.origin_worker;
  m->origin_connection_ = f.origin_connection;
  m->origin_seq_ = f.origin_seq;
  m->marker_ = f.marker;
  m->local_targets_ = f.local_targets;
  m->remotes_ = f.remotes;
  m->header_size_ = f.header_size;
  m->has_headers_ = f.has_headers;
  m->queue_count_ = static_cast<uint32_t>(queues.size());

  auto* refs_out = reinterpret_cast<QueueRef*>(m + 1);
  char* text = reinterpret_cast<char*>(refs_out + queues.size());
  size_t at = 0;
  m->subject_off_ = put(text, &at, f.subject);
  m->subject_len_ = static_cast<uint32_t>(f.subject.size());
  m->reply_off_ = put(text, &at, f.reply);
  m->reply_len_ = static_cast<uint32_t>(f.reply.size());
  m->payload_off_ = put(text, &at, f.payload);
  m->payload_len_ = static_cast<uint32_t>(f.payload.size());
  for (size_t i = 0; i < queues.size(); ++i) {
    refs_out[i].offset = put(text, &at, queues[i].queue);
    refs_out[i].length = static_cast<uint32_t>(queues[i].queue.size());
    refs_out[i].destination = queues[i].destination;
  }
  return SharedMessageRef::adopt(m);
}

SharedMessage::QueueAssignment SharedMessage::queue(uint32_t i) const {
  const QueueRef& r = queue_refs()[i];
  return {text(r.offset, r.length), r.destination};
}

bool SharedMessage::queue_assigned(std::string_view name, uint32_t destination) const {
  const QueueRef* refs = queue_refs();
  for (uint32_t i = 0; i < queue_count_; ++i) {
    if (refs[i].destination == destination && text(refs[i].offset, refs[i].length) == name) return true;
  }
  return false;
}

bool SharedMessage::has_queue_for(uint32_t destination) const {
  const QueueRef* refs = queue_refs();
  for (uint32_t i = 0; i < queue_count_; ++i)
    if (refs[i].destination == destination) return true;
  return false;
}

void SharedMessage::destroy() {
  this->~SharedMessage();
  ::operator delete(static_cast<void*>(this));
}

}  // namespace zats::server
