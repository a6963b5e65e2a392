// The public readers: a front end turns the text into a document tree, one decoder turns trees
// into definitions.
#include <exception>
#include <string>

#include "flag_decoder.hpp"
#include "json_document.hpp"
#include "sluice/flag_loader.hpp"
#include "yaml_document.hpp"

namespace sluice {
namespace {

// The readers promise not to throw: a parser bug or exhausted memory becomes one more diagnostic.
template <class Read>
void without_throwing(const std::string& file, Diagnostics& diagnostics, Read&& read) {
  try {
    read();
  } catch (const std::exception& e) {
    diagnostics.push_back({{file, 0, 0, ""}, std::string("cannot read definitions: ") + e.what()});
  } catch (...) {
    diagnostics.push_back({{file, 0, 0, ""}, "cannot read definitions: unknown error"});
  }
}

}  // namespace

void read_flag_yaml(std::string_view text, const std::string& file, LoadResult& into) {
  without_throwing(file, into.diagnostics, [&] {
    for (const auto& document : detail::parse_yaml_documents(text, file, into.diagnostics)) {
      detail::decode_document(document, detail::Syntax::Yaml, file,
                              detail::DocumentShape::BundleOrFlag, into);
    }
  });
}

void read_flag_json(std::string_view text, const std::string& file, LoadResult& into) {
  without_throwing(file, into.diagnostics, [&] {
    if (auto document = detail::parse_json_document(text, file, into.diagnostics)) {
      detail::decode_document(*document, detail::Syntax::Json, file,
                              detail::DocumentShape::BundleOrFlag, into);
    }
  });
}

LoadResult read_single_flag_json(std::string_view text) {
  LoadResult result;
  const std::string no_file;
  without_throwing(no_file, result.diagnostics, [&] {
    if (auto document = detail::parse_json_document(text, no_file, result.diagnostics)) {
      detail::decode_document(*document, detail::Syntax::Json, no_file, detail::DocumentShape::Flag,
                              result);
    }
  });
  return result;
}

LoadResult read_single_segment_json(std::string_view text) {
  LoadResult result;
  const std::string no_file;
  without_throwing(no_file, result.diagnostics, [&] {
    if (auto document = detail::parse_json_document(text, no_file, result.diagnostics)) {
      detail::decode_document(*document, detail::Syntax::Json, no_file,
                              detail::DocumentShape::Segment, result);
    }
  });
  return result;
}

}  // namespace sluice
