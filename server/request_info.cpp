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

void request_info_json(const RequestInfo& info, std::string& out) {
  out.assign("{");
  auto text = [&out](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (out.size() > 1) out.push_back(',');
    proto::append_json_string(out, key);
    out.push_back(':');
    proto::append_json_string(out, value);
  };
  auto number = [&out](std::string_view key, uint64_t value) {
    if (value == 0) return;
    if (out.size() > 1) out.push_back(',');
    proto::append_json_string(out, key);
    out.push_back(':');
    proto::append_number(out, value);
  };
  if (info.details) {
    text("start", info.start);
    text("host", info.host);
    number("id", info.id);
  }
  // The account is always there, even empty.
  if (out.size() > 1) out.push_back(',');
  out += "\"acc\":";
  proto::append_json_string(out, info.account);
  text("svc", info.service);
  if (info.details) {
    text("user", info.user);
    text("name", info.name);
    text("lang", info.lang);
    text("ver", info.version);
  }
  number("rtt", info.rtt_ns);
  if (info.server_info) {
    text("server", info.server);
    text("cluster", info.cluster);
  }
  text("stop", info.stop);
  if (info.details) {
    text("jwt", info.jwt);
    text("issuer_key", info.issuer_key);
    text("name_tag", info.name_tag);
    if (info.tags != nullptr && !info.tags->empty()) {
      out += ",\"tags\":[";
      for (size_t i = 0; i < info.tags->size(); ++i) {
        if (i > 0) out.push_back(',');
        proto::append_json_string(out, (*info.tags)[i]);
      }
      out.push_back(']');
    }
    text("kind", "Client");
    text("client_type", "nats");
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
