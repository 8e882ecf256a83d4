// SubjectTransform: how an import maps a subject onto another (nats-server 2.9.10 accounts.go
// newTransform and transform). The source may have wildcards; each destination token is a
// literal, `$N` or `{{wildcard(N)}}` (the source's N-th `*`), a final `>` when the source ends in
// one (the rest of the subject), or one of the mapping functions that compute tokens from the
// source's wildcards: `{{partition(n,N...)}}` (FNV-1a of the tokens, mod n),
// `{{splitFromLeft(N,p)}}`, `{{splitFromRight(N,p)}}` (one token cut in two at p),
// `{{sliceFromLeft(N,s)}}`, `{{sliceFromRight(N,s)}}` (cut in pieces of s) and
// `{{split(N,d)}}` (cut at every d). A source without wildcards maps to the destination as it is.
// Errors are nats-server's texts. Immutable once made; apply() allocates nothing beyond `out`'s
// capacity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server {

class SubjectTransform {
 public:
  // nullopt with the reason (nats-server's text) when `dest` is not a destination for `src`. A
  // `*` in `dest` is refused ("invalid subject"): callers that allow one number it first
  // (number_wildcards).
  static std::optional<SubjectTransform> make(std::string_view src, std::string_view dest, std::string* why);

  // Whether `dest` may be a subject mapping's destination, checked before make() (nats-server's
  // ValidateMappingDestination): no empty token and nothing after a `>`, every `{{...}}` token a
  // known function, no white space in a literal token. False with nats-server's text in `why`.
  static bool valid_mapping_destination(std::string_view dest, std::string* why);

  // accounts.go transformTokenize: each `*` of `subject` as `$1`, `$2`, ... in order.
  static std::string number_wildcards(std::string_view subject);
  // accounts.go transformUntokenize: each `$N` token of `subject` as `*`.
  static std::string unnumber_wildcards(std::string_view subject);

  // accounts.go transform.reverse, for service imports: the transform from this one's
  // destination back to its source, when its destination places the source's wildcards only
  // with `$N` (nullopt otherwise, as there).
  std::optional<SubjectTransform> reversed() const;

  // `subject` (a literal subject that the source matches) in the destination's terms.
  void apply(std::string_view subject, std::string& out) const;

  const std::string& source() const { return src_; }
  const std::string& destination() const { return dest_; }

 private:
  enum class Function : uint8_t {
    kLiteral,
    kWildcard,
    kPartition,
    kSplitFromLeft,
    kSplitFromRight,
    kSliceFromLeft,
    kSliceFromRight,
    kSplit
  };
  struct Piece {
    Function function = Function::kLiteral;
    std::string text;                // the literal, or split's delimiter
    std::vector<int> source_tokens;  // the source tokens (by position) it reads
    int32_t number = 0;              // partitions, split position or slice size
  };

  static std::optional<Piece> parse_piece(std::string_view token, std::string* why);
  void append_piece(const Piece& p, std::string_view subject, std::string& out) const;

  std::string src_, dest_;
  std::vector<Piece> pieces_;  // empty: the destination as it is
  int source_fwc_ = -1;        // the position of the source's `>` when the destination ends in one
};

}  // namespace zats::server
