// How Go's encoding/json fills a struct field from a simdjson element, for the decoders of
// CONNECT and INFO: null leaves the field as it was, a value of the wrong type fails the
// whole document, keys match field names case-insensitively.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/client_json.h"

namespace zats::proto::json_fields {

using simdjson::dom::element;
using simdjson::dom::element_type;

inline bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

inline bool assign_bool(element value, bool& field) {
  if (value.type() == element_type::NULL_VALUE) return true;
  return value.get_bool().get(field) == simdjson::SUCCESS;
}

inline bool assign_string(element value, std::string& field) {
  if (value.type() == element_type::NULL_VALUE) return true;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  field.assign(text);
  return true;
}

// Go decodes a JSON number into an int with ParseInt: only integer literals fit.
inline bool assign_int(element value, int64_t& field) {
  if (value.type() == element_type::NULL_VALUE) return true;
  if (value.type() != element_type::INT64) return false;
  return value.get_int64().get(field) == simdjson::SUCCESS;
}

inline bool assign_string_array(element value, std::vector<std::string>& field) {
  if (value.type() == element_type::NULL_VALUE) return true;
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return false;
  std::vector<std::string> out;
  for (element item : array) {
    std::string text;  // a null item stays ""
    if (!assign_string(item, text)) return false;
    out.push_back(std::move(text));
  }
  field = std::move(out);
  return true;
}

// json.Unmarshal into a struct: `json` read as Go reads it (parse_client_json), then
// apply_field(key, value, out) for each member in order; false when the text is not JSON, not
// an object, or a field refuses its value. A null document leaves `out` as it was.
template <class Struct, class ApplyField>
bool decode_object(std::string_view json, Struct& out, ApplyField&& apply_field) {
  element root;
  if (parse_client_json(json, &root) != simdjson::SUCCESS) return false;
  if (root.type() == element_type::NULL_VALUE) return true;
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return false;
  for (auto [key, value] : object) {
    if (!apply_field(key, value, out)) return false;
  }
  return true;
}

}  // namespace zats::proto::json_fields
