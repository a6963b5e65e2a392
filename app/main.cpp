// The `sluice` binary: the composition root. Subcommands are wired here and live in app/*.cpp.

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "commands.hpp"
#include "serve_config.hpp"

int main(int argc, char** argv) {
  using namespace sluice::app;
  CLI::App app{"Sluice: feature flags with an automated progressive-rollout controller"};
  app.require_subcommand(1);

  std::vector<std::string> validate_paths;
  auto* validate = app.add_subcommand("validate", "Check flag files; one line per problem");
  validate->add_option("paths", validate_paths, "Files or folders")->required();

  EvalOptions eval_options;
  auto* eval = app.add_subcommand("eval", "Evaluate flags for a context or a JSON-lines file");
  eval->add_option("--flags", eval_options.flag_paths, "Flag files or folders")->required();
  eval->add_option("--flag", eval_options.flag, "Flag key (all flags when omitted)");
  eval->add_option("--context", eval_options.context, "Context as a JSON object");
  eval->add_option("--contexts", eval_options.contexts_file,
                   "JSON-lines file of contexts ('-' for standard input)");
  eval->add_option("--default", eval_options.default_value,
                   "The caller's default value as JSON (served when the flag is unknown)");

  std::vector<std::string> demo_paths{"examples/flags"};
  auto* demo = app.add_subcommand("demo", "Evaluate the sample flags and print who gets what");
  demo->add_option("--flags", demo_paths, "Flag files or folders");

  auto* serve = app.add_subcommand("serve", "Run the flag service (HTTP API, OFREP, event stream)");
  std::optional<std::string> serve_config_file;
  serve->add_option("--config", serve_config_file, "YAML configuration file");
  std::map<std::string, std::string> serve_settings;
  for (const auto& name : serve_setting_names()) {
    std::string option = "--" + name;
    for (auto& c : option)
      c = c == '_' ? '-' : c;
    serve->add_option_function<std::string>(
        option, [&serve_settings, name](const std::string& v) { serve_settings[name] = v; },
        "overrides SLUICE_" + name + " and the file's '" + name + "'");
  }

  TokenOptions token_options;
  if (const char* store = std::getenv("SLUICE_STORE")) token_options.store = store;
  auto* token = app.add_subcommand("token", "Create, list or revoke API tokens");
  token->add_option("action", token_options.action, "create, list or revoke")->required();
  token->add_option("--name", token_options.name, "The token's name (the audit log's actor)");
  token->add_option("--scope", token_options.scope, "admin, read or sdk")
      ->check(CLI::IsMember({"admin", "read", "sdk"}));
  token->add_option(
      "--store", token_options.store,
      "sqlite:PATH or a postgresql:// URL (default: SLUICE_STORE, sqlite:./sluice.db)");

  SimulateOptions simulate_options;
  auto* simulate =
      app.add_subcommand("simulate", "Simulate rollouts of a policy on synthetic traffic");
  simulate->add_option("--policy", simulate_options.policy_path, "Policy file")->required();
  simulate->add_option("--traffic", simulate_options.traffic, "Requests per second")->required();
  simulate->add_option("--base-error", simulate_options.base_error, "Control error rate")
      ->required();
  simulate
      ->add_option("--error-multiplier", simulate_options.error_multiplier,
                   "Treatment error rate / control's")
      ->required();
  simulate->add_option("--latency-multiplier", simulate_options.latency_multiplier,
                       "Treatment latency / control's");
  simulate->add_option("--runs", simulate_options.runs, "Rollouts to simulate")->required();
  simulate->add_option("--seed", simulate_options.seed, "PRNG seed")->required();
  simulate->add_option("--baseline", simulate_options.baseline, "Judge with a baseline instead")
      ->check(CLI::IsMember({"flagger"}));
  simulate->add_flag("--json", simulate_options.json, "Print one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*validate) return run_validate(validate_paths);
  if (*eval) return run_eval(eval_options);
  if (*demo) return run_demo(demo_paths);
  if (*token) return run_token(token_options);
  if (*simulate) return run_simulate(simulate_options);
  if (*serve) return run_serve(ServeOptions{serve_config_file, serve_settings});
  return kExitUsage;
}
