#pragma once

#include <string>

#include "document.hpp"
#include "sluice/flag_loader.hpp"

namespace sluice::detail {

enum class DocumentShape {
  BundleOrFlag,  // a document of a file: `flags:` and/or `segments:`, or one flag
  Flag,          // exactly one flag (the body of `PUT /v1/flags/{key}`)
  Segment,       // exactly one segment (the body of `PUT /v1/segments/{key}`)
};

// Appends the flags and segments of `root` to `into`, and every shape problem to its
// diagnostics. Decoding goes on after a problem so that one run reports them all.
void decode_document(const DocNode& root, Syntax syntax, const std::string& file,
                     DocumentShape shape, LoadResult& into);

}  // namespace sluice::detail
