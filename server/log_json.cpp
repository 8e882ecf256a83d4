#include "server/log_json.h"

#include "proto/json_string.h"

namespace zats::server {

void append_json_log_line(std::string& out, const core::LogEntry& e, int pid, bool log_time) {
  out.push_back('{');
  if (log_time) {
    out.append("\"time\":\"");
    out.append(core::utc_timestamp(e.wall_ns));
    out.append("\",");
  }
  out.append("\"level\":\"");
  out.append(core::level_name(e.level));
  out.append("\",\"msg\":");
  proto::append_json_string(out, e.text);
  out.append(",\"pid\":");
  out.append(std::to_string(pid));
  if (!e.address.empty()) {
    out.append(",\"client\":");
    proto::append_json_string(out, e.address);
  }
  if (e.cid != 0) {
    out.push_back(',');
    proto::append_json_string(out, e.id_tag);  // "cid", or "rid" for a route
    out.push_back(':');
    out.append(std::to_string(e.cid));
  }
  out.append("}\n");
}

}  // namespace zats::server
