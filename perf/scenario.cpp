// Scenario construction: one function per scenario, each a few loops over roles.
#include "perf/scenario.h"

#include <cstdio>
#include <memory>

namespace zats::perf {
namespace {

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

class Builder {
 public:
  Builder(const BenchOptions& o, const std::string& user, const std::string& pass)
      : o_(o), user_(user), pass_(pass) {}

  ClientPlan make(Role role) {
    ClientPlan p;
    p.role = role;
    p.id = next_id_++;
    p.batch = o_.batch;
    p.connect_json = std::string("{\"verbose\":false,\"pedantic\":false,\"tls_required\":false,") +
                     "\"name\":\"zats-bench-" + role_name(role) + "-" + std::to_string(p.id) +
                     "\",\"lang\":\"cpp\",\"version\":\"0.1.0\",\"protocol\":1";
    if (!user_.empty())
      p.connect_json += ",\"user\":\"" + json_escape(user_) + "\",\"pass\":\"" + json_escape(pass_) + "\"";
    p.connect_json += "}";
    return p;
  }

  // Splits a total count or rate over n clients; the first ones take the remainder.
  uint64_t share(uint64_t total, int n, int i) const {
    return total / static_cast<uint64_t>(n) + (static_cast<uint64_t>(i) < total % static_cast<uint64_t>(n));
  }

  void publishers(ScenarioPlan& sp, int n, std::shared_ptr<const FrameCycle> fc, uint64_t fanout) {
    for (int i = 0; i < n; ++i) {
      ClientPlan p = make(Role::Publisher);
      p.frames = fc;
      p.first_frame = fc->frames() / static_cast<size_t>(n) * static_cast<size_t>(i);
      p.msgs = o_.msgs ? share(o_.msgs, n, i) : 0;
      if (o_.msgs && p.msgs == 0) continue;
      p.rate = o_.rate / n;
      p.stamp = o_.rate > 0;
      p.fanout = fanout;
      sp.clients.push_back(std::move(p));
    }
  }

  void subscribers(ScenarioPlan& sp, int n, const std::string& queue) {
    for (int i = 0; i < n; ++i) {
      ClientPlan p = make(Role::Subscriber);
      p.subs = "SUB " + o_.subject + (queue.empty() ? "" : " " + queue) + " 1\r\n";
      p.record_latency = o_.rate > 0;
      sp.latency |= p.record_latency;
      sp.clients.push_back(std::move(p));
    }
  }

 private:
  const BenchOptions& o_;
  std::string user_, pass_;
  int next_id_ = 0;
};

std::shared_ptr<const FrameCycle> uniform(const BenchOptions& o, const std::string& subject,
                                          const std::string& reply = {}) {
  return std::make_shared<const FrameCycle>(FrameCycle::uniform(subject, reply, o.size, o.batch));
}

void pubsub(const BenchOptions& o, Builder& b, ScenarioPlan& sp, bool queue) {
  b.subscribers(sp, o.subs, queue ? o.group : "");
  b.publishers(sp, o.pubs, uniform(o, o.subject), queue ? (o.subs > 0) : static_cast<uint64_t>(o.subs));
  sp.note = std::to_string(o.pubs) + " pub -> " + std::to_string(o.subs) + (queue ? " queue members" : " sub");
  // Slow subscribers come last so the others land on the same bench threads as without them.
  for (int i = 0; i < o.slow; ++i) {
    ClientPlan p = b.make(Role::Slow);
    p.subs = "SUB " + o.subject + " 1\r\n";
    p.read_bps = o.slow_read;
    sp.clients.push_back(std::move(p));
  }
  if (o.slow > 0) {
    char rate[48];
    std::snprintf(rate, sizeof rate, "reading %.0f B/s", o.slow_read);
    sp.note += " + " + std::to_string(o.slow) + " slow (" + (o.slow_read > 0 ? rate : "not reading") + ")";
  }
}

// Distinct inboxes an old-style requester cycles through (beyond its requests in flight).
constexpr size_t kOldStyleInboxes = 1024;

void reqrep(const BenchOptions& o, Builder& b, ScenarioPlan& sp) {
  const std::string req_subject = o.subject + ".req";
  for (int i = 0; i < o.responders; ++i) {
    ClientPlan p = b.make(Role::Responder);
    p.subs = "SUB " + req_subject + " responders 1\r\n";
    sp.clients.push_back(std::move(p));
  }
  for (int i = 0; i < o.requesters; ++i) {
    ClientPlan p = b.make(Role::Requester);
    const std::string inbox = "_INBOX.zb." + std::to_string(p.id);
    if (o.old_style) {
      p.frames = std::make_shared<const FrameCycle>(FrameCycle::old_style_requests(
          req_subject, inbox, kOldStyleInboxes + static_cast<size_t>(o.inflight), o.size));
    } else {
      p.subs = "SUB " + inbox + " 1\r\n";
      p.frames = uniform(o, req_subject, inbox);
    }
    p.msgs = o.msgs ? b.share(o.msgs, o.requesters, i) : 0;
    if (o.msgs && p.msgs == 0) continue;
    p.rate = o.rate / o.requesters;
    p.stamp = true;
    p.inflight = o.inflight;
    sp.clients.push_back(std::move(p));
  }
  sp.latency = true;
  sp.note = std::to_string(o.requesters) + (o.old_style ? " old-style" : "") + " requesters, " +
            std::to_string(o.responders) + " responders, " + (o.rate > 0 ? "open loop" : "closed loop inflight " + std::to_string(o.inflight));
}

void subjects(const BenchOptions& o, Builder& b, ScenarioPlan& sp) {
  const std::string prefix = o.subject + ".";
  auto fc = std::make_shared<const FrameCycle>(
      FrameCycle::subjects(prefix, o.subjects, o.size, o.interest_every));
  const int nsubs = std::max(1, o.subs);
  std::vector<std::string> lines(static_cast<size_t>(nsubs));
  size_t k = 0;
  for (size_t n = 0; n < o.subjects; n += std::max<size_t>(1, o.interest_every), ++k) {
    auto& l = lines[k % lines.size()];
    l += "SUB " + prefix + std::to_string(n) + " " + std::to_string(k / lines.size() + 1) + "\r\n";
  }
  for (int i = 0; i < nsubs; ++i) {
    ClientPlan p = b.make(Role::Subscriber);
    p.subs = std::move(lines[static_cast<size_t>(i)]);
    p.record_latency = o.rate > 0;
    sp.latency |= p.record_latency;
    sp.clients.push_back(std::move(p));
  }
  b.publishers(sp, o.pubs, fc, 1);
  sp.note = std::to_string(o.subjects) + " subjects, interest on every " +
            std::to_string(o.interest_every) + "th (" + std::to_string(k) + " SUBs)";
}

void churn(const BenchOptions& o, Builder& b, ScenarioPlan& sp) {
  pubsub(o, b, sp, false);
  for (int i = 0; i < o.churners; ++i) {
    ClientPlan p = b.make(Role::Churner);
    p.churn_rate = o.churn_rate / o.churners;
    p.window = o.window;
    sp.clients.push_back(std::move(p));
  }
  sp.note += ", " + std::to_string(o.churners) + " churners at " +
             std::to_string(static_cast<long long>(o.churn_rate)) + " SUB/UNSUB per s";
}

}  // namespace

ScenarioPlan build_scenario(const BenchOptions& o, const std::string& user, const std::string& pass) {
  ScenarioPlan sp;
  Builder b(o, user, pass);
  const std::string& s = o.scenario;
  if (s == "pub") {
    b.publishers(sp, o.pubs, uniform(o, o.subject), 0);
    sp.note = std::to_string(o.pubs) + " publishers, no subscribers";
  } else if (s == "sub") {
    b.subscribers(sp, o.subs, "");
    for (auto& c : sp.clients) {
      c.own_msgs = o.msgs;
      c.own_duration_ns = o.msgs ? 0 : static_cast<uint64_t>(o.duration * 1e9);
      c.record_latency = false;  // someone else's payloads carry no timestamps
    }
    sp.latency = false;
    sp.note = std::to_string(o.subs) + " subscribers on " + o.subject;
  } else if (s == "pubsub" || s == "fanout") {
    pubsub(o, b, sp, false);
  } else if (s == "queue") {
    pubsub(o, b, sp, true);
  } else if (s == "reqrep") {
    reqrep(o, b, sp);
  } else if (s == "conns") {
    for (int i = 0; i < o.conns; ++i) sp.clients.push_back(b.make(Role::Idle));
    sp.note = std::to_string(o.conns) + " idle connections";
  } else if (s == "subjects") {
    subjects(o, b, sp);
  } else if (s == "churn") {
    churn(o, b, sp);
  } else if (s == "handshakes") {
    for (int i = 0; i < o.handshakers; ++i) sp.clients.push_back(b.make(Role::Handshaker));
    sp.note = std::to_string(o.handshakers) + " clients reconnecting" + (o.tls ? " over TLS" : "");
  }
  return sp;
}

}  // namespace zats::perf
