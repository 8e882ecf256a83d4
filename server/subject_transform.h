// SubjectTransform: how an import maps a wildcard subject onto another (nats-server accounts.go
// newTransform and transform, the wildcard subset): the destination's tokens are literals,
// `*` (the source's wildcards, in order), `$N` or `{{wildcard(N)}}` (the source's N-th `*`), and a
// final `>` when the source ends in one (the rest of the subject). Mapping functions that
// compute tokens (partition, split, slice) are refused. Immutable once made; apply() allocates
// nothing beyond `out`'s capacity.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server {

class SubjectTransform {
 public:
  // nullopt with the reason (nats-server's text where it has one) when `dest` is not a
  // destination for `src`.
  static std::optional<SubjectTransform> make(std::string_view src, std::string_view dest, std::string* why);

  // `subject` (a literal subject that `src` matches) in the destination's terms.
  void apply(std::string_view subject, std::string& out) const;
  // The destination with each placeholder as `*` (accounts.go transformUntokenize): the
  // subjects the transform may produce.
  const std::string& destination_pattern() const { return pattern_; }

 private:
  struct Piece {
    std::string literal;   // when source_token < 0
    int source_token = -1;  // the source token (by position) that fills it
  };
  std::vector<Piece> pieces_;
  int source_fwc_ = -1;  // the position of the source's `>`, copied with what follows it
  std::string pattern_;
};

}  // namespace zats::server
