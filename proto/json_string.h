// append_json_string: the one JSON string escaper, for everything zats writes as JSON (INFO, the
// monitoring endpoints). It escapes as Go's encoding/json does by default, so output matches
// nats-server byte for byte: ", \, \n, \r, \t as two-character escapes; other control bytes and
// the HTML-sensitive <, >, & as \u00XX; U+2028 and U+2029 escaped (JSONP stays valid script);
// each byte of invalid UTF-8 replaced by \ufffd.
#pragma once

#include <string>
#include <string_view>

namespace zats::proto {

// Appends `s` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view s);

}  // namespace zats::proto
