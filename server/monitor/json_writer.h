// JsonWriter: builds JSON text the way Go's encoding/json does — MarshalIndent's 2-space layout
// (or compact), "{}"/"[]" for empty containers, Go's string escaping (proto/json_string.h) and
// Go's float format — so endpoint output can match nats-server byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zats::server::monitor {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Names the next value inside an object.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& null();
  // A value already rendered as compact JSON, inserted as it is (compact writers only: a pretty
  // writer would not indent inside it).
  JsonWriter& raw(std::string_view json);

  // key + value in one call.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) { return key(k).value(v); }
  // key + the strings as an array; nothing at all when there are none (Go's omitempty).
  JsonWriter& strings_field(std::string_view k, const std::vector<std::string>& v);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  void newline_indent(std::size_t depth);
  void close(char c);

  bool pretty_;
  bool after_key_ = false;
  std::string out_;
  std::vector<std::size_t> counts_;  // elements written so far, one per open container
};

}  // namespace zats::server::monitor
