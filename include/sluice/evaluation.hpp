#pragma once

#include <string_view>

#include "sluice/value.hpp"

namespace sluice {

// The OpenFeature resolution reasons.
enum class Reason { Static, TargetingMatch, Split, Disabled, Default, Error };

// The OpenFeature error codes that evaluation can produce.
enum class ErrorCode { None, FlagNotFound, TypeMismatch, TargetingKeyMissing, ParseError, General };

// The type all of a flag's variants share.
enum class ValueType { Boolean, String, Number, Object };

// The outcome of one evaluation. It points into the snapshot that produced it: keep the snapshot
// alive while you read it.
struct Evaluation {
  const Value* value = nullptr;  // nullptr: the caller's default applies (unknown flag, mismatch)
  std::string_view variant;      // empty when no variant was served
  Reason reason = Reason::Error;
  int rule_index = -1;         // index of the matching rule, -1 when none
  std::string_view rule_name;  // its name; for a failed prerequisite, the prerequisite flag key
  ErrorCode error = ErrorCode::None;
};

const char* to_string(Reason reason);
const char* to_string(ErrorCode code);
const char* to_string(ValueType type);

}  // namespace sluice
