// go_quote: a string as Go's %q (strconv.Quote) prints it, for the reference's error texts that
// quote what they refused (`could not parse address string "x"`, `error parsing route url ["x"]`).
// Printable ASCII and valid UTF-8 stay as they are (C1 controls excepted); `"` and `\` are
// escaped; control bytes become \n, \t, ... or \xHH; a byte that is not UTF-8 becomes \xHH.
#pragma once

#include <string>
#include <string_view>

namespace zats::server::config {

std::string go_quote(std::string_view text);

}  // namespace zats::server::config
