#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

// The `sluice` subcommands that talk to a server (flags, rollout, decisions, audit) share this:
// where the server is, the token, the timeout, and what an answer or a failure means as an exit
// code (docs/cli.md, "Exit codes").
namespace sluice::app {

// Exit codes of the remote subcommands, beside kExitOk / kExitInvalid / kExitUsage.
inline constexpr int kExitDifferent = 1;    // diff: differences found; watch: rollout failed
inline constexpr int kExitNotFound = 3;     // 404
inline constexpr int kExitDenied = 4;       // 401, 403
inline constexpr int kExitConflict = 5;     // 409
inline constexpr int kExitUnreachable = 6;  // no answer: refused, timed out, bad URL
inline constexpr int kExitServer = 7;       // any other error status
inline constexpr int kExitBadFile = 8;      // diff only: the local file is invalid

struct RemoteOptions {
  std::string server;   // empty: SLUICE_SERVER, else http://127.0.0.1:8080
  std::string token;    // empty: SLUICE_TOKEN
  double timeout = 10;  // seconds, per request
  std::string output;   // "" (human), json, yaml, name
};

struct RemoteResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  nlohmann::ordered_json json() const;  // the body parsed; null when it is not JSON
};

// Thrown for anything that ends the command: an unreachable server or an error status. `what()`
// is the line to print after "sluice: "; `exit_code` the code to exit with.
class RemoteError : public std::runtime_error {
 public:
  RemoteError(std::string message, int exit_code)
      : std::runtime_error(std::move(message)), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

class RemoteClient {
 public:
  explicit RemoteClient(RemoteOptions options);

  // One request, synchronously (a private io_context runs until it is answered). Throws
  // RemoteError when there is no answer; an answer of any status is returned.
  RemoteResponse send(const std::string& method, const std::string& path,
                      const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {}) const;
  // `send`, and any status outside 2xx (and not in `accepted`) becomes a RemoteError carrying the
  // server's message.
  RemoteResponse call(const std::string& method, const std::string& path,
                      const std::string& body = {},
                      const std::map<std::string, std::string>& headers = {},
                      std::initializer_list<int> accepted = {}) const;

  const RemoteOptions& options() const { return options_; }

 private:
  RemoteOptions options_;
};

// The exit code for an HTTP error status.
int exit_code_for_status(int status);
// "message (field: f)" plus one line per entry of `problems`, from an error body.
std::string error_message(const RemoteResponse& response);
// Percent-encodes a path segment or a query value.
std::string url_escape(const std::string& text);

}  // namespace sluice::app
