// The header a request gets when it crosses a service import, as nats-server 2.9.10 sets it:
// `Nats-Request-Info: {"acc":"B","rtt":226206}` names the account the requester is in (and,
// where the request went on through a second import, the account it came through as "svc") and
// the requester's round trip in nanoseconds, so that a service in the exporting account knows
// who asked. A subscriber that does not take headers gets the message without them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zats::server {

inline constexpr std::string_view kRequestInfoHeader = "Nats-Request-Info";

// The header's value, written to `out` (Go's ClientInfo as JSON: empty fields left out, a zero
// round trip too).
void request_info_json(std::string_view account, std::string_view service, uint64_t rtt_ns, std::string& out);

// `payload` (a header block of `header_size` bytes, when it has one, then the body) with the
// header set to `value`, written to `out`: an earlier Nats-Request-Info line is taken out and the
// new one goes last in the block. Returns the new header block's size.
uint32_t set_request_info(std::string_view payload, uint32_t header_size, std::string_view value, std::string& out);

}  // namespace zats::server
