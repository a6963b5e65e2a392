#include "evaluation_result_json.hpp"

namespace sluice::server {

void append_evaluation_json(std::string& out, std::string_view key, const Evaluation& evaluation,
                            const Value& fallback) {
  out += "{\"key\":";
  append_json_string(out, key);
  out += ",\"value\":";
  (evaluation.value != nullptr ? *evaluation.value : fallback).append_json(out);
  out += ",\"variant\":";
  if (evaluation.variant.empty()) {
    out += "null";
  } else {
    append_json_string(out, evaluation.variant);
  }
  out += ",\"reason\":\"";
  out += to_string(evaluation.reason);
  out += "\",\"rule\":";
  if (evaluation.rule_index >= 0 && !evaluation.rule_name.empty()) {
    append_json_string(out, evaluation.rule_name);
  } else if (evaluation.rule_index >= 0) {
    out += std::to_string(evaluation.rule_index);
  } else if (!evaluation.rule_name.empty()) {
    append_json_string(out, std::string("prerequisite:") + std::string(evaluation.rule_name));
  } else {
    out += "null";
  }
  if (evaluation.error != ErrorCode::None) {
    out += ",\"errorCode\":\"";
    out += to_string(evaluation.error);
    out += '"';
  }
  out += '}';
}

}  // namespace sluice::server
