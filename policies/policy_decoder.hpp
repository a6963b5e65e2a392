#pragma once

#include <string>

#include "document.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::detail {

enum class PolicyDocumentShape {
  BundleOrPolicy,  // a document of a file: `policies:`, or one policy
  Policy,          // exactly one policy (the body of an API request)
};

// Appends the policies of `root` to `into`, and every shape problem to its diagnostics. Decoding
// goes on after a problem so that one run reports them all.
void decode_policy_document(const DocNode& root, Syntax syntax, const std::string& file,
                            PolicyDocumentShape shape, PolicyLoadResult& into);

}  // namespace sluice::detail
