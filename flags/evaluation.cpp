#include "sluice/evaluation.hpp"

namespace sluice {

const char* to_string(Reason reason) {
  switch (reason) {
    case Reason::Static:
      return "STATIC";
    case Reason::TargetingMatch:
      return "TARGETING_MATCH";
    case Reason::Split:
      return "SPLIT";
    case Reason::Disabled:
      return "DISABLED";
    case Reason::Default:
      return "DEFAULT";
    case Reason::Error:
      return "ERROR";
  }
  return "UNKNOWN";
}

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::None:
      return "";
    case ErrorCode::FlagNotFound:
      return "FLAG_NOT_FOUND";
    case ErrorCode::TypeMismatch:
      return "TYPE_MISMATCH";
    case ErrorCode::TargetingKeyMissing:
      return "TARGETING_KEY_MISSING";
    case ErrorCode::ParseError:
      return "PARSE_ERROR";
    case ErrorCode::General:
      return "GENERAL";
  }
  return "GENERAL";
}

const char* to_string(ValueType type) {
  switch (type) {
    case ValueType::Boolean:
      return "boolean";
    case ValueType::String:
      return "string";
    case ValueType::Number:
      return "number";
    case ValueType::Object:
      return "object";
  }
  return "unknown";
}

}  // namespace sluice
