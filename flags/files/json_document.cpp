#include "json_document.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "sluice/utf8.hpp"

namespace sluice::detail {
namespace {

using Json = nlohmann::ordered_json;  // keeps the author's key order (variants, weights)

// Shortest text that reads back as the same double, so that 33.33 stays "33.33" for the exact
// percentage conversion rather than 33.329999999999998.
std::string shortest_text(double d) {
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), d);
  if (ec != std::errc()) return std::to_string(d);
  return std::string(buffer.data(), end);
}

class JsonConverter {
 public:
  JsonConverter(const std::string& file, Diagnostics& diagnostics)
      : file_(file), diagnostics_(diagnostics) {}

  bool convert(const Json& json, DocNode& out, const std::string& path, int depth) {
    if (depth > kMaxDocumentDepth) {
      diagnostics_.push_back(
          {{file_, 0, 0, path},
           "document is nested more than " + std::to_string(kMaxDocumentDepth) + " levels deep"});
      return false;
    }
    switch (json.type()) {
      case Json::value_t::null:
      case Json::value_t::discarded:
        out.kind = DocNode::Kind::Null;
        out.text = "null";
        return true;
      case Json::value_t::boolean:
        out.kind = DocNode::Kind::Bool;
        out.boolean = json.get<bool>();
        out.text = out.boolean ? "true" : "false";
        return true;
      case Json::value_t::number_integer:
        out.kind = DocNode::Kind::Number;
        out.number = static_cast<double>(json.get<std::int64_t>());
        out.text = std::to_string(json.get<std::int64_t>());
        return true;
      case Json::value_t::number_unsigned:
        out.kind = DocNode::Kind::Number;
        out.number = static_cast<double>(json.get<std::uint64_t>());
        out.text = std::to_string(json.get<std::uint64_t>());
        return true;
      case Json::value_t::number_float:
        out.kind = DocNode::Kind::Number;
        out.number = json.get<double>();
        out.text = shortest_text(out.number);
        return true;
      case Json::value_t::string:
        out.kind = DocNode::Kind::String;
        out.text = json.get_ref<const std::string&>();
        return true;
      case Json::value_t::binary:  // only from binary formats such as CBOR, never from text
        out.kind = DocNode::Kind::Null;
        return true;
      case Json::value_t::array: {
        out.kind = DocNode::Kind::Sequence;
        out.items.reserve(json.size());
        std::size_t index = 0;
        for (const auto& item : json) {
          const std::string item_path = path + '[' + std::to_string(index++) + ']';
          if (!convert(item, out.items.emplace_back(), item_path, depth + 1)) return false;
        }
        return true;
      }
      case Json::value_t::object:
        out.kind = DocNode::Kind::Map;
        out.entries.reserve(json.size());
        for (const auto& [key, value] : json.items()) {
          DocEntry& entry = out.entries.emplace_back();
          entry.key = key;
          const std::string entry_path = path.empty() ? key : path + '.' + key;
          if (!convert(value, entry.value, entry_path, depth + 1)) return false;
        }
        return true;
    }
    return true;
  }

 private:
  const std::string& file_;
  Diagnostics& diagnostics_;
};

// "[json.exception.parse_error.101] parse error at line 2, column 10: syntax error ..." becomes
// "JSON syntax error at line 2, column 10: syntax error ...". The message quotes the bytes last
// read, which may be invalid UTF-8 or end inside a character: they become U+FFFD, so that the
// message can go into a JSON error body.
std::string syntax_error_message(const std::string& what) {
  const std::string valid = with_valid_utf8(what);
  std::string_view rest = valid;
  if (const auto bracket = rest.find("] "); bracket != std::string_view::npos) {
    rest.remove_prefix(bracket + 2);
  }
  constexpr std::string_view kParseError = "parse error ";
  if (rest.substr(0, kParseError.size()) == kParseError) {
    rest.remove_prefix(kParseError.size());
    return "JSON syntax error " + std::string(rest);
  }
  return "JSON syntax error: " + std::string(rest);
}

}  // namespace

std::optional<DocNode> parse_json_document(std::string_view text, const std::string& file,
                                           Diagnostics& diagnostics) {
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::exception& e) {
    diagnostics.push_back({{file, 0, 0, ""}, syntax_error_message(e.what())});
    return std::nullopt;
  }
  DocNode root;
  JsonConverter converter(file, diagnostics);
  if (!converter.convert(json, root, "", 0)) return std::nullopt;
  return root;
}

}  // namespace sluice::detail
