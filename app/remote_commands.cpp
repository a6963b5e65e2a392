// Registration of the subcommands that talk to a server; main.cpp calls add_remote_commands.

#include "remote_commands.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.hpp"

namespace sluice::app {
namespace {

// Every leaf takes the connection options, so they may come anywhere after it.
void connection_options(CLI::App* command, RemoteOptions& remote, bool with_name = false) {
  command->add_option("--server", remote.server,
                      "The server's URL (default: SLUICE_SERVER, else http://127.0.0.1:8080)");
  command->add_option("--token", remote.token, "API token (default: SLUICE_TOKEN)");
  command->add_option("--timeout", remote.timeout, "Seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  std::vector<std::string> formats{"json", "yaml"};
  if (with_name) formats.push_back("name");
  command
      ->add_option("-o,--output", remote.output,
                   with_name ? "json, yaml or name (default: a table)"
                             : "json or yaml (default: for people)")
      ->check(CLI::IsMember(formats));
}

struct State {
  RemoteCommands commands;
  RemoteOptions remote;
  FlagsListOptions list;
  DecisionsOptions decisions;
  AuditOptions audit;
  std::string key, file, reason, shell;
  double interval = 2;
  double percent = 0;
  bool override_rollout = false;
};

}  // namespace

int guarded_remote(const std::function<int()>& body) {
  try {
    return body();
  } catch (const RemoteError& e) {
    std::fprintf(stderr, "sluice: %s\n", e.what());
    return e.exit_code();
  } catch (const nlohmann::json::exception& e) {
    // An answer of an unexpected shape (a proxy's HTML page, another service on the port).
    std::fprintf(stderr, "sluice: the server's answer is not what the API returns: %s\n", e.what());
    return kExitServer;
  }
}

std::shared_ptr<RemoteCommands> add_remote_commands(CLI::App& app) {
  auto state = std::make_shared<State>();
  // The commands outlive this function in `state`, which the returned pointer keeps alive.
  std::shared_ptr<RemoteCommands> commands(state, &state->commands);
  State& s = *state;
  auto on = [&s](CLI::App* command, std::function<int()> run) {
    command->callback([&s, run] { s.commands.run = [run] { return guarded_remote(run); }; });
  };

  const char* footer =
      "Server: --server, else SLUICE_SERVER; token: --token, else SLUICE_TOKEN. Exit codes "
      "(docs/cli.md): 3 not found, 4 denied, 5 conflict, 6 unreachable, 7 other server error.";
  auto* flags =
      app.add_subcommand("flags", "Flags on a server: list, get, apply, diff, kill, revive");
  flags->require_subcommand(1);
  flags->footer(footer);
  auto* list = flags->add_subcommand("list", "List flags (a table; -o name: keys only)");
  list->add_option("--tag", s.list.tag, "Only flags with this tag");
  list->add_option("--kind", s.list.kind, "Only flags of this kind")
      ->check(CLI::IsMember({"release", "experiment", "ops", "permission"}));
  list->add_option("--owner", s.list.owner, "Only flags of this owner");
  list->add_flag("--stale", s.list.stale,
                 "Only stale flags (one value for everyone, unchanged for 14 days or more)");
  connection_options(list, s.remote, true);
  on(list, [&s] { return run_flags_list(s.remote, s.list); });

  auto* get = flags->add_subcommand("get", "Show a flag's definition and state");
  get->add_option("key", s.key, "Flag key")->required();
  connection_options(get, s.remote, true);
  on(get, [&s] { return run_flags_get(s.remote, s.key); });

  auto* apply = flags->add_subcommand(
      "apply", "Create or update the flags and segments of a file; report each");
  apply->add_option("-f,--file", s.file, "Flag file or folder (docs/flag-format.md)")->required();
  apply->add_flag("--override-rollout", s.override_rollout,
                  "Write a new default even where a finished rollout decided what the flag "
                  "serves (the API answers 409 overrides_rollout otherwise)");
  connection_options(apply, s.remote);
  on(apply, [&s] { return run_flags_apply(s.remote, s.file, false, s.override_rollout); });

  auto* diff = flags->add_subcommand(
      "diff", "What apply would change: a unified diff per definition; exit 1 when any");
  diff->add_option("-f,--file", s.file, "Flag file or folder (docs/flag-format.md)")->required();
  connection_options(diff, s.remote);
  on(diff, [&s] { return run_flags_apply(s.remote, s.file, true); });

  for (const bool enabled : {false, true}) {
    auto* command = flags->add_subcommand(
        enabled ? "revive" : "kill",
        enabled ? "Undo the kill switch: the flag's rules serve again"
                : "The kill switch: serve the flag's off variant to everyone");
    command->add_option("key", s.key, "Flag key")->required();
    command->add_option("--reason", s.reason, "Why (goes into the notification)");
    connection_options(command, s.remote);
    on(command,
       [&s, enabled] { return run_flags_set_enabled(s.remote, s.key, s.reason, enabled); });
  }

  auto* rollout = app.add_subcommand("rollout", "Progressive rollouts on a server");
  rollout->require_subcommand(1);
  rollout->footer(footer);
  auto* start = rollout->add_subcommand("start", "Start a rollout from a policy file");
  start->add_option("-f,--file", s.file, "Policy file (docs/policy-format.md)")->required();
  connection_options(start, s.remote);
  on(start, [&s] { return run_rollout_start(s.remote, s.file); });

  auto* status = rollout->add_subcommand("status", "Phase, stage, split and the last decision");
  status->add_option("flag", s.key, "Flag key")->required();
  connection_options(status, s.remote);
  on(status, [&s] { return run_rollout_status(s.remote, s.key); });

  auto* watch = rollout->add_subcommand(
      "watch", "status, redrawn every interval until the rollout ends (exit 0 completed, 1 not)");
  watch->add_option("flag", s.key, "Flag key")->required();
  watch->add_option("--interval", s.interval, "Seconds between redraws")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  connection_options(watch, s.remote);
  on(watch, [&s] { return run_rollout_watch(s.remote, s.key, s.interval); });

  const std::pair<const char*, const char*> commands_help[] = {
      {"pause", "Hold the rollout where it is; the split stays"},
      {"resume", "Continue a paused rollout; the stage restarts"},
      {"promote", "End the current stage now and enter the next (the last: complete)"},
      {"rollback", "Serve the control to everyone and end the rollout"},
      {"abort", "End the rollout, leaving the split as it is"},
      {"approve", "Let a rollout waiting for approval enter its next stage"}};
  for (const auto& [name, help] : commands_help) {
    auto* command = rollout->add_subcommand(name, help);
    command->add_option("flag", s.key, "Flag key")->required();
    command->add_option("--reason", s.reason, "Why (goes into the decision log)")->required();
    connection_options(command, s.remote);
    const std::string path = name;
    on(command,
       [&s, path] { return run_rollout_command(s.remote, s.key, path, s.reason, std::nullopt); });
  }
  auto* set_percent = rollout->add_subcommand(
      "set-percent", "Serve the treatment to this share directly; pauses the automation");
  set_percent->add_option("flag", s.key, "Flag key")->required();
  set_percent->add_option("percent", s.percent, "0 to 100, in 0.01 steps")
      ->required()
      ->check(CLI::Range(0.0, 100.0));
  set_percent->add_option("--reason", s.reason, "Why (goes into the decision log)")->required();
  connection_options(set_percent, s.remote);
  on(set_percent,
     [&s] { return run_rollout_command(s.remote, s.key, "percent", s.reason, s.percent); });

  auto* decisions = app.add_subcommand("decisions", "A rollout's decision log as a timeline");
  decisions->add_option("flag", s.decisions.flag, "Flag key")->required();
  decisions->add_option("--limit", s.decisions.limit, "The latest N decisions")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  decisions->add_option("--rollout", s.decisions.rollout, "An older rollout of the flag, by id");
  connection_options(decisions, s.remote);
  on(decisions, [&s] { return run_decisions(s.remote, s.decisions); });

  auto* audit = app.add_subcommand("audit", "The audit log: who changed what");
  audit->add_option("--flag", s.audit.flag, "Only this flag");
  audit->add_option("--since", s.audit.since,
                    "RFC 3339 time, or a duration ago: 90s, 30m, 2h, 7d, 1w, 1h30m");
  audit->add_option("--limit", s.audit.limit, "At most N entries (pages are followed)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  connection_options(audit, s.remote);
  on(audit, [&s] { return run_audit(s.remote, s.audit); });

  auto* completion = app.add_subcommand(
      "completion", "Print a shell completion script: source <(sluice completion bash)");
  completion->add_option("shell", s.shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([&s] { s.commands.run = [&s] { return run_completion(s.shell); }; });
  return commands;
}

}  // namespace sluice::app
