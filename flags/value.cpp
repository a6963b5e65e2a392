#include "sluice/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "sluice/utf8.hpp"

namespace sluice {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [name, value] : as_object()) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string Value::to_json() const {
  std::string out;
  append_json(out);
  return out;
}

void Value::append_json(std::string& out) const {
  switch (kind()) {
    case Kind::Null:
      out += "null";
      return;
    case Kind::Bool:
      out += as_bool() ? "true" : "false";
      return;
    case Kind::Number:
      append_json_number(out, as_number());
      return;
    case Kind::String:
      append_json_string(out, as_string());
      return;
    case Kind::Array: {
      out += '[';
      bool first = true;
      for (const auto& element : as_array()) {
        if (!first) out += ',';
        first = false;
        element.append_json(out);
      }
      out += ']';
      return;
    }
    case Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [name, value] : as_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, name);
        out += ':';
        value.append_json(out);
      }
      out += '}';
      return;
    }
  }
}

const char* to_string(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::Null:
      return "null";
    case Value::Kind::Bool:
      return "boolean";
    case Value::Kind::Number:
      return "number";
    case Value::Kind::String:
      return "string";
    case Value::Kind::Array:
      return "list";
    case Value::Kind::Object:
      return "object";
  }
  return "unknown";
}

namespace {

void append_escaped(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default: {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    }
  }
}

}  // namespace

// Text from the network (a flag key in a URL, an attribute name) need not be UTF-8; the JSON
// written must be, so each byte that does not start a well-formed sequence becomes U+FFFD (as
// nlohmann's dump with error_handler_t::replace does).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(s, i);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        ++i;
      } else {
        out.append(s, i, length);
        i += length;
      }
      continue;
    }
    if (c < 0x20 || c == '"' || c == '\\') {
      append_escaped(out, s[i]);
    } else {
      out += s[i];
    }
    ++i;
  }
  out += '"';
}

void append_json_number(std::string& out, double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN or infinity
    out += "null";
    return;
  }
  char buffer[32];
  std::to_chars_result result;
  if (d == std::trunc(d) && std::fabs(d) < 1e15) {
    result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(d));
  } else {
    result = std::to_chars(buffer, buffer + sizeof buffer, d);
  }
  out.append(buffer, result.ptr);
}

}  // namespace sluice
