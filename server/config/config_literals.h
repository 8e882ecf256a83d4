// Conversions from scanned tokens to values, with the reference's error texts: integers with
// size suffixes (k=1000, kb/ki/kib=1024, likewise m g t p e; any case), floats, booleans
// (true/false/yes/no/on/off, any case) and ISO-8601 Zulu datetimes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zats::server::config {

// `token` is digits with an optional leading '-' and an optional suffix ("2MB", "-1k").
// Fails with "integer '<token>' is out of the range" when it does not fit in int64 (also after
// the suffix is applied; the reference wraps silently there) and with
// "expected integer, but got '<token>'" for a suffix outside the table (the reference drops
// such a value without a word).
bool convert_integer(std::string_view token, int64_t* out, std::string* error);

// Fails with "float '<token>' is out of the range" or "expected float, but got '<token>'".
bool convert_float(std::string_view token, double* out, std::string* error);

// "YYYY-MM-DDTHH:MM:SSZ" with calendar checks; fails with
// "expected Zulu formatted DateTime, but got '<token>'".
bool convert_datetime(std::string_view token, int64_t* unix_seconds, std::string* error);

// true/yes/on and false/no/off in any case; nullopt for anything else.
std::optional<bool> bool_word(std::string_view word);

}  // namespace zats::server::config
