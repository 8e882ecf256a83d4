// libFuzzer target for the monitoring port's request handling: the HTTP head parser, then the
// endpoints with their query options (/connz sort, limit, offset, state, cid, subs, callback,
// ...), over a snapshot whose client-supplied strings (connection name, lang, version,
// subscription subjects, queue, sid) come from the fuzzer too. The input is cut at its first
// blank line: the request head, then those strings separated by NUL bytes. Properties: every
// answer has a real status and serialises; every 200 JSON answer is valid JSON in valid UTF-8.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/monitor/endpoints.h"
#include "server/monitor/http_parser.h"
#include "tests/unit/monitor/fixture.h"

namespace {

using namespace zats::server::monitor;

std::vector<std::string> split_nul(std::string_view s, size_t max_parts) {
  std::vector<std::string> parts;
  for (size_t start = 0; parts.size() < max_parts;) {
    const size_t nul = s.find('\0', start);
    parts.emplace_back(s.substr(start, nul == std::string_view::npos ? nul : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  parts.resize(max_parts);
  return parts;
}

// The fixture's snapshot, with the strings a client chooses replaced by fuzzer bytes.
void put_client_strings(Snapshot& snap, std::string_view tail) {
  const std::vector<std::string> s = split_nul(tail, 7);
  ConnectionInfo& c = snap.open.front();
  c.name = s[0];
  c.lang = s[1];
  c.version = s[2];
  c.subs.front().subject = s[3];
  c.subs.front().queue = s[4];
  c.subs.front().sid = s[5];
  c.authorized_user = s[6];
  snap.closed.front().name = s[0];
}

void check_json(const HttpResponse& r) {
  if (r.status != 200 || r.content_type != "application/json") return;
  if (!simdjson::validate_utf8(r.body.data(), r.body.size())) std::abort();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(r.body).get(doc) != simdjson::SUCCESS) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t head_end = find_head_end(input);
  if (head_end > input.size()) std::abort();
  const std::string_view head = head_end == 0 ? input : input.substr(0, head_end);
  const ParsedHead parsed = parse_head(head);
  if (parsed.error_status != 0) {
    if (parsed.error_status < 400 || parsed.error_status > 599) std::abort();
    return 0;
  }
  zats::server::monitor::test::FakeSource source;
  put_client_strings(source.snap, head_end == 0 ? std::string_view() : input.substr(head_end));
  Endpoints endpoints(source, "/", [] { return zats::server::monitor::test::kStart; });
  const HttpResponse response = endpoints.handle(parsed.request);
  if (response.status < 200 || response.status > 599) std::abort();
  check_json(response);
  const std::string wire = serialize_response(response, parsed.request.version_minor, parsed.keep_alive,
                                              parsed.request.method == "HEAD", "Sat, 28 Nov 2026 01:51:54 GMT");
  if (wire.compare(0, 7, "HTTP/1.") != 0) std::abort();
  return 0;
}
