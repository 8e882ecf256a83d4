// Go time.Duration text: parse_go_duration() reads what Go's time.ParseDuration reads
// ("1h30m", "500ms", "1.5s", "10us"/"10µs", "-1s", "0") with its error texts, and
// format_go_duration() writes what Duration.String() writes ("2m0s", "1.5s", "500ms", "0s").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zats::server::config {

bool parse_go_duration(std::string_view text, int64_t* nanos);
// Same, and on failure sets *error to Go's message, e.g. `time: invalid duration "x"`,
// `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`.
bool parse_go_duration(std::string_view text, int64_t* nanos, std::string* error);

std::string format_go_duration(int64_t nanos);

}  // namespace zats::server::config
