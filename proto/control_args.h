// Control-line argument parsing for the client protocol (docs/compatibility.md, Operations;
// client.go processPub/processHeaderPub/parseSub/processUnsub, util.go parseSize). Pure functions
// over the argument text of one control line; the views they produce point into that text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zats::proto {

// Declared in parser.h, which includes this header through parser_impl.h.
enum class ParseError : uint8_t;
struct PubArgs;
struct SubArgs;
struct UnsubArgs;
struct ParserLimits;
struct RemoteSubArgs;
struct RoutedMsgArgs;

// A size field: 1 to 9 ASCII digits. Returns -1 for anything else (sign, letters, 10+ digits).
int64_t parse_size(std::string_view digits);

// Splits `arg` into whitespace-separated fields, filling at most `capacity` of `out`.
// PUB/HPUB split on SP/TAB only; SUB/UNSUB also on CR/LF (client.go splitArg).
// Returns the number of fields found, which exceeds `capacity` when there are too many.
enum class SplitOn : uint8_t { SpaceTab, SpaceTabCrLf };
size_t split_args(std::string_view arg, SplitOn split_on, std::string_view* out, size_t capacity);

// The common PUB line, "<subject> [reply] <size>" and its CR LF, in one pass: 16 bytes at a
// time are classified at once (SSE2) and only the separators are visited, stopping at the LF.
// `line` starts at the argument's first byte and runs to the end of the bytes at hand.
// On success fills args and payload_size and returns the argument's length (without the CR;
// the LF follows it, after the CR if there is one); returns -1 when the LF is not in `line`
// or the line is anything but the plain form (a control byte inside, a bad size, a wrong
// field count): parse_pub_args then decides, with the same answer or the same error.
// Limits are the caller's to check.
int64_t scan_pub_line(std::string_view line, PubArgs& args, uint32_t& payload_size);

// PUB <subject> [reply] <size>. On success fills args and payload_size.
ParseError parse_pub_args(std::string_view arg, const ParserLimits& limits, PubArgs& args,
                          uint32_t& payload_size);
// HPUB <subject> [reply] <hdr> <total>. HeadersNotEnabled is checked before anything else.
ParseError parse_hpub_args(std::string_view arg, const ParserLimits& limits, PubArgs& args,
                           uint32_t& payload_size);
// SUB <subject> [queue] <sid>
ParseError parse_sub_args(std::string_view arg, SubArgs& args);
// UNSUB <sid> [max]
ParseError parse_unsub_args(std::string_view arg, UnsubArgs& args);

// Route dialect (route.go processRemoteSub / processRemoteUnsub / processRoutedMsgArgs,
// processRoutedHeaderMsgArgs, processRoutedOriginClusterMsgArgs); fields split on SP, TAB,
// CR and LF. A wrong argument count or size field is BadArguments.
// RS+ <account> <subject> [<queue> <weight>], LS+ with <origin> first.
ParseError parse_remote_sub_args(std::string_view arg, bool with_origin, RemoteSubArgs& args);
// RS- / LS- <account> <subject> [<queue>]
ParseError parse_remote_unsub_args(std::string_view arg, RemoteSubArgs& args);
// RMSG <account> <subject> [<reply> | + <reply> <queue>... | '|' <queue>...] <size>; HMSG has
// <header size> before <size>; LMSG is HMSG with <origin> first.
ParseError parse_routed_msg_args(std::string_view arg, bool with_origin, bool with_headers, const ParserLimits& limits,
                                 RoutedMsgArgs& args, uint32_t& payload_size);

// A client INFO is ignored, but the reference still unmarshals it and closes the
// connection when that fails: the JSON must be valid and an object (or null).
bool is_acceptable_client_info(std::string_view json);

}  // namespace zats::proto
