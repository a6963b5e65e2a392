// The `sluice` binary: the composition root. Subcommands are wired here and live in app/*.cpp.

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "commands.hpp"
#include "remote_commands.hpp"
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

  DemoOptions demo_options;
  auto* demo = app.add_subcommand(
      "demo",
      "Run the service with the sample flags, roll out two flags on simulated traffic (one "
      "healthy, one broken) and show the controller's decisions live");
  demo->add_option("--flags", demo_options.flag_paths, "Flag files or folders")
      ->capture_default_str();
  demo->add_option("--policies", demo_options.policy_paths,
                   "Rollout policies to start (files or folders)")
      ->capture_default_str();
  demo->add_option("--speed", demo_options.speed,
                   "Divide the policies' intervals, minimum durations and minimum samples by this")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1000.0));
  demo->add_option("--rps", demo_options.rps, "Simulated requests per second, all flags")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 100000.0));
  demo->add_option("--seed", demo_options.seed, "Seed of the simulated traffic")
      ->capture_default_str();
  demo->add_option("--listen", demo_options.listen, "The server's address (port 0: any free port)")
      ->capture_default_str();
  demo->add_option("--data-dir", demo_options.data_dir,
                   "Keep the store and the server's log here (default: a temporary folder, "
                   "removed at the end)");
  demo->add_option("--timeout", demo_options.timeout_seconds,
                   "Seconds to wait for the rollouts to end before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  demo->add_flag("--exit-when-done", demo_options.exit_when_done,
                 "Stop the server after the summary (implied when standard input is not a "
                 "terminal); otherwise it stays up until Ctrl-C");
  demo->footer(
      "Run it from the repository's root folder (it reads examples/). With the defaults it takes "
      "about two minutes; --speed 20 about 70 seconds. docs/cli.md has the details.");

  TrafficCommandOptions traffic_options;
  if (const char* url = std::getenv("SLUICE_URL")) traffic_options.url = url;
  auto* traffic = app.add_subcommand(
      "traffic",
      "Simulated users evaluating flags over OFREP and reporting outcomes (events, /metrics)");
  traffic->add_option("--url", traffic_options.url, "The Sluice server (default: SLUICE_URL)")
      ->capture_default_str();
  traffic->add_option("--token", traffic_options.token,
                      "sdk or admin token (default: SLUICE_TOKEN, else SLUICE_ADMIN_TOKEN)");
  traffic
      ->add_option("--flag", traffic_options.flags,
                   "KEY[:WEIGHT]: a flag each request may evaluate (repeat; one flag per "
                   "request, chosen by weight)")
      ->required();
  traffic->add_option("--rps", traffic_options.rps, "Mean requests per second (Poisson arrivals)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1000000.0));
  traffic->add_option("--accounts", traffic_options.accounts, "Simulated accounts")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000000u));
  traffic->add_option("--users", traffic_options.users, "Simulated users (user i in account i % N)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000000u));
  traffic->add_option("--error-rate", traffic_options.error_rates,
                      "[FLAG[/VARIANT]=]P: error probability (repeat; most specific wins; "
                      "default 0.01)");
  traffic->add_option("--latency-ms", traffic_options.latency_ms,
                      "[FLAG[/VARIANT]=]MS: median latency, lognormal (repeat; default 50)");
  traffic->add_option("--latency-factor", traffic_options.latency_factors,
                      "[FLAG[/VARIANT]=]X: multiplies the median (repeat; default 1)");
  traffic
      ->add_option("--latency-sigma", traffic_options.latency_sigma,
                   "Shape of the lognormal: sigma of ln(latency)")
      ->capture_default_str();
  traffic
      ->add_option("--duration", traffic_options.duration_seconds,
                   "Seconds to run (0: until Ctrl-C or SIGTERM)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 31536000.0));
  traffic->add_option("--seed", traffic_options.seed, "Seed of arrivals, users and outcomes")
      ->capture_default_str();
  traffic->add_option("--connections", traffic_options.connections, "Kept-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  traffic->add_option("--timeout-ms", traffic_options.timeout_ms, "Timeout of every request")
      ->capture_default_str()
      ->check(CLI::Range(1u, 600000u));
  traffic
      ->add_option("--report", traffic_options.report,
                   "events: POST /v1/events; metrics: serve /metrics; both")
      ->capture_default_str()
      ->check(CLI::IsMember({"events", "metrics", "both"}));
  traffic
      ->add_option("--metrics-listen", traffic_options.metrics_listen,
                   "Address of /metrics (port 0: any free port, printed)")
      ->capture_default_str();
  traffic
      ->add_option("--report-interval-ms", traffic_options.report_interval_ms,
                   "How often outcomes are sent to /v1/events")
      ->capture_default_str()
      ->check(CLI::Range(10u, 60000u));

  auto* serve = app.add_subcommand("serve", "Run the flag service (HTTP API, OFREP, event stream)");
  std::optional<std::string> serve_config_file;
  serve->add_option("--config", serve_config_file,
                    "YAML configuration file (relative paths in it are relative to its folder)");
  std::map<std::string, std::string> serve_values;
  for (const auto& setting : serve_settings()) {
    const std::string name = setting.name;
    serve->add_option_function<std::string>(
        serve_flag_name(name),
        [&serve_values, name](const std::string& v) { serve_values[name] = v; },
        setting.help + ". " + setting.allowed +
            ". Default: " + (setting.default_value.empty() ? "none" : setting.default_value) +
            ". Overrides " + serve_environment_name(name) + " and the file's '" + name + "'");
  }
  serve->footer(
      "Each setting comes from, lowest first: its default, the --config file, its environment "
      "variable (SLUICE_ and the name in upper case, e.g. SLUICE_FLAGS_DIR), the flag. "
      "Reference: docs/operations.md.");

  TokenOptions token_options;
  if (const char* store = std::getenv("SLUICE_STORE")) token_options.store = store;
  auto* token = app.add_subcommand("token", "Create, list or revoke API tokens");
  token->add_option("action", token_options.action, "create, list or revoke")->required();
  token->add_option("--name", token_options.name, "The token's name (the audit log's actor)");
  token
      ->add_option("--scope", token_options.scope,
                   "create: what the token may do (required, no default): admin (everything), read "
                   "(also read flags, rollouts and the audit log) or sdk (evaluate flags, the "
                   "event stream)")
      ->check(CLI::IsMember({"admin", "read", "sdk"}));
  token->add_option(
      "--store", token_options.store,
      "sqlite:PATH or a postgresql:// URL (default: SLUICE_STORE, sqlite:./sluice.db)");

  HistoryOptions history_options;
  if (const char* store = std::getenv("SLUICE_STORE")) history_options.store = store;
  auto* history = app.add_subcommand(
      "history", "Import or export the deployment history the anomaly model learns from");
  history->add_option("action", history_options.action, "import or export")
      ->required()
      ->check(CLI::IsMember({"import", "export"}));
  history->add_option("file", history_options.file, "import: the JSON or CSV file to read");
  history
      ->add_option("--format", history_options.format,
                   "json or csv (import: by the file's extension when omitted; export: json)")
      ->check(CLI::IsMember({"json", "csv"}));
  history->add_option(
      "--store", history_options.store,
      "sqlite:PATH or a postgresql:// URL (default: SLUICE_STORE, sqlite:./sluice.db)");
  history->footer("Formats: docs/history.md. Export writes to standard output.");

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
  simulate->add_option("--shape", simulate_options.shape, "Regression shape of the treatment")
      ->check(CLI::IsMember({"none", "latency-creep", "error-1.6x", "business-drop"}));
  simulate->add_option("--anomaly", simulate_options.anomaly, "Anomaly model on the runs")
      ->check(CLI::IsMember({"on", "off"}));
  simulate->add_option("--history", simulate_options.history,
                       "Past rollouts simulated first to train the anomaly model");
  simulate->add_flag("--json", simulate_options.json, "Print one JSON object");

  const auto remote = add_remote_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (remote->run) return remote->run();
  if (*validate) return run_validate(validate_paths);
  if (*eval) return run_eval(eval_options);
  if (*demo) return run_demo(demo_options);
  if (*traffic) return run_traffic(traffic_options);
  if (*token) return run_token(token_options);
  if (*history) return run_history(history_options);
  if (*simulate) return run_simulate(simulate_options);
  if (*serve) return run_serve(ServeOptions{serve_config_file, serve_values});
  return kExitUsage;
}
