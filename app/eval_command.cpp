#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "evaluation_result_json.hpp"
#include "flag_file_compiler.hpp"
#include "sluice/context_json.hpp"
#include "sluice/json_text_check.hpp"

namespace sluice::app {
namespace {

using server::append_evaluation_json;

class Evaluator {
 public:
  Evaluator(const Snapshot& snapshot, const EvalOptions& options, Value fallback)
      : snapshot_(snapshot), fallback_(std::move(fallback)) {
    if (options.flag) {
      keys_.push_back(*options.flag);
    } else {
      for (const auto& flag : snapshot.definitions().flags)
        keys_.push_back(flag.key);
    }
  }

  // Evaluates every selected flag for one context line; a line that is not a JSON object yields
  // PARSE_ERROR results so that output lines stay aligned with input lines.
  void evaluate_line(std::string_view line) {
    std::string error;
    std::optional<Context> context = context_from_json_text(line, error);
    if (!context) {
      Evaluation parse_error;
      parse_error.reason = Reason::Error;
      parse_error.error = ErrorCode::ParseError;
      for (const auto& key : keys_)
        emit(key, parse_error);
      return;
    }
    PreparedContext prepared = snapshot_.prepare(*context);
    for (const auto& key : keys_)
      emit(key, snapshot_.evaluate(key, prepared));
  }

  void flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }

 private:
  void emit(const std::string& key, const Evaluation& evaluation) {
    append_evaluation_json(out_, key, evaluation, fallback_);
    out_ += '\n';
    if (out_.size() > (1u << 20)) flush();
  }

  const Snapshot& snapshot_;
  Value fallback_;
  std::vector<std::string> keys_;
  std::string out_;
};

}  // namespace

int run_eval(const EvalOptions& options) {
  if (options.context.has_value() == options.contexts_file.has_value()) {
    std::fprintf(stderr, "sluice eval: give exactly one of --context or --contexts\n");
    return kExitUsage;
  }
  // value_from_json recurses once per level: the depth is checked before.
  if (const auto check = check_json_text(options.default_value, kMaxRequestJsonDepth);
      !check.ok()) {
    std::fprintf(stderr, "sluice eval: --default %s\n",
                 describe(check.problem, kMaxRequestJsonDepth).c_str());
    return kExitUsage;
  }
  nlohmann::json fallback_json = nlohmann::json::parse(options.default_value, nullptr, false);
  if (fallback_json.is_discarded()) {
    std::fprintf(stderr, "sluice eval: --default must be JSON, got '%s'\n",
                 options.default_value.c_str());
    return kExitUsage;
  }
  CompiledFlagFiles loaded = compile_flag_files(options.flag_paths);
  if (!loaded.snapshot) {
    for (const auto& d : loaded.diagnostics)
      std::fprintf(stderr, "%s\n", d.format().c_str());
    return kExitInvalid;
  }
  Evaluator evaluator(*loaded.snapshot, options, value_from_json(fallback_json));
  if (options.context) {
    std::string error;
    if (!context_from_json_text(*options.context, error)) {
      std::fprintf(stderr, "sluice eval: --context: %s\n", error.c_str());
      return kExitInvalid;
    }
    evaluator.evaluate_line(*options.context);
    evaluator.flush();
    return kExitOk;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (*options.contexts_file != "-") {
    file.open(*options.contexts_file);
    if (!file) {
      std::fprintf(stderr, "sluice eval: cannot read %s\n", options.contexts_file->c_str());
      return kExitInvalid;
    }
    in = &file;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(*in, line)) {
    if (line.empty()) continue;
    evaluator.evaluate_line(line);
  }
  evaluator.flush();
  return kExitOk;
}

}  // namespace sluice::app
