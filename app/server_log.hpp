#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace sluice::app {

// The server's log: one line per event on standard error, as text or as JSON lines
// ({"ts","level","component","msg"}). The JSON is built here because spdlog's patterns do not
// escape the message.
class ServerLog {
 public:
  ServerLog(bool json, std::string_view level);
  void debug(std::string_view component, std::string_view message);
  void info(std::string_view component, std::string_view message);
  void warn(std::string_view component, std::string_view message);
  void error(std::string_view component, std::string_view message);
  // A rollout decision: the sentence as the message; in JSON, the whole decision (evidence
  // included) under "decision" so log pipelines can index it.
  void decision(std::string_view decision_json, std::string_view sentence);
  bool debug_enabled() const;

 private:
  void write(int level, std::string_view component, std::string_view message);

  bool json_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sluice::app
