#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "remote_client.hpp"

namespace CLI {
class App;
}

// The subcommands that talk to a running server over its HTTP API (docs/cli.md): flags,
// rollout, decisions, audit, and the shell completion scripts.
namespace sluice::app {

// What the command line chose: set while parsing, run by main after it.
struct RemoteCommands {
  std::function<int()> run;  // empty when no remote subcommand was given
};
// Registers flags, rollout, decisions, audit and completion on `app`.
std::shared_ptr<RemoteCommands> add_remote_commands(CLI::App& app);

struct FlagsListOptions {
  std::string tag, kind, owner;
  bool stale = false;
};
int run_flags_list(const RemoteOptions& remote, const FlagsListOptions& options);
int run_flags_get(const RemoteOptions& remote, const std::string& key);
int run_flags_set_enabled(const RemoteOptions& remote, const std::string& key,
                          const std::string& reason, bool enabled);
// `apply` (diff_only false) or `diff` (true) of a flag file against the server. A finished
// rollout's outcome that serves other than the file's default is reported (diff: exit 1);
// `override_rollout` lets apply replace it with the file's default (?override_rollout=true).
int run_flags_apply(const RemoteOptions& remote, const std::string& file, bool diff_only,
                    bool override_rollout = false);

int run_rollout_start(const RemoteOptions& remote, const std::string& file);
int run_rollout_status(const RemoteOptions& remote, const std::string& flag);
int run_rollout_watch(const RemoteOptions& remote, const std::string& flag, double interval);
// pause, resume, promote, rollback, abort, approve; and `percent` with a share.
int run_rollout_command(const RemoteOptions& remote, const std::string& flag,
                        const std::string& command, const std::string& reason,
                        std::optional<double> percent);

struct DecisionsOptions {
  std::string flag;
  int limit = 20;
  std::string rollout;
};
int run_decisions(const RemoteOptions& remote, const DecisionsOptions& options);

struct AuditOptions {
  std::string flag;
  std::string since;  // RFC 3339, or a duration such as 2h, 30m, 7d (that long ago)
  int limit = 50;
};
int run_audit(const RemoteOptions& remote, const AuditOptions& options);

int run_completion(const std::string& shell);

// Runs `body`, turning a RemoteError into its message on standard error and its exit code.
int guarded_remote(const std::function<int()>& body);

}  // namespace sluice::app
