// Query parameter decoding shared by the endpoints, as nats-server's decodeBool / decodeInt /
// decodeUint64 do it: an absent or empty parameter is false / 0; a bad one fills `error` with
// the reference's 400 text ("Error decoding int for 'limit': strconv.Atoi: ...").
#pragma once

#include <cstdint>
#include <string>

#include "server/monitor/query.h"

namespace zats::server::monitor {

bool decode_bool_param(const Query& q, const char* name, std::string& error);
std::int64_t decode_int_param(const Query& q, const char* name, std::string& error);
std::uint64_t decode_uint64_param(const Query& q, const char* name, std::string& error);

}  // namespace zats::server::monitor
