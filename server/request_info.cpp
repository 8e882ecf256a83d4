#include "server/request_info.h"

#include "proto/encode.h"
#include "proto/json_string.h"

namespace zats::server {
namespace {

constexpr std::string_view kHeaderLine = "NATS/1.0\r\n";
constexpr std::string_view kCrlf = "\r\n";

// The header block without its closing empty line, less the first line that sets the header
// (only a whole line, after a line break, counts; nats-server takes out the first one only).
void append_other_lines(std::string_view block, std::string& out) {
  size_t start = block.find(kRequestInfoHeader);
  while (start != std::string_view::npos && !(start > 0 && block[start - 1] == '\n' &&
                                              block.substr(start + kRequestInfoHeader.size(), 1) == ":"))
    start = block.find(kRequestInfoHeader, start + 1);
  size_t end = start == std::string_view::npos ? std::string_view::npos : block.find(kCrlf, start);
  if (end == std::string_view::npos) {
    out.append(block);
    return;
  }
  const size_t before = out.size();
  out.append(block.substr(0, start)).append(block.substr(end + kCrlf.size()));
  // Nothing left but the version line: nats-server writes a fresh one.
  if (out.size() - before <= kHeaderLine.size()) out.resize(before);
}

}  // namespace

void request_info_json(std::string_view account, std::string_view service, uint64_t rtt_ns, std::string& out) {
  out.assign("{\"acc\":");
  proto::append_json_string(out, account);
  if (!service.empty()) {
    out += ",\"svc\":";
    proto::append_json_string(out, service);
  }
  if (rtt_ns != 0) {
    out += ",\"rtt\":";
    proto::append_number(out, rtt_ns);
  }
  out.push_back('}');
}

uint32_t set_request_info(std::string_view payload, uint32_t header_size, std::string_view value, std::string& out) {
  out.clear();
  if (header_size > kCrlf.size()) append_other_lines(payload.substr(0, header_size - kCrlf.size()), out);
  if (out.empty()) out.append(kHeaderLine);
  out.append(kRequestInfoHeader).append(": ").append(value).append(kCrlf).append(kCrlf);
  const auto size = static_cast<uint32_t>(out.size());
  out.append(payload.substr(header_size));
  return size;
}

}  // namespace zats::server
