#include "server_log.hpp"

#include <fmt/chrono.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "sluice/value.hpp"

namespace sluice::app {

ServerLog::ServerLog(bool json, std::string_view level) : json_(json) {
  logger_ =
      std::make_shared<spdlog::logger>("sluice", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger_->set_level(spdlog::level::from_str(std::string(level)));
  logger_->flush_on(spdlog::level::trace);
  // JSON lines carry their own timestamp and level; text lines get spdlog's.
  logger_->set_pattern(json ? "%v" : "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
}

void ServerLog::write(int level, std::string_view component, std::string_view message) {
  const auto spd_level = static_cast<spdlog::level::level_enum>(level);
  if (!logger_->should_log(spd_level)) return;
  if (!json_) {
    logger_->log(spd_level, "{}: {}", component, message);
    return;
  }
  const auto now = std::chrono::system_clock::now();
  std::string line = fmt::format("{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}Z\",\"level\":\"",
                                 std::chrono::floor<std::chrono::seconds>(now));
  line += spdlog::level::to_string_view(spd_level).data();
  line += "\",\"component\":";
  append_json_string(line, component);
  line += ",\"msg\":";
  append_json_string(line, message);
  line += '}';
  logger_->log(spd_level, "{}", line);
}

void ServerLog::decision(std::string_view decision_json, std::string_view sentence) {
  if (!logger_->should_log(spdlog::level::info)) return;
  if (!json_) {
    logger_->log(spdlog::level::info, "decision: {}", sentence);
    return;
  }
  const auto now = std::chrono::system_clock::now();
  std::string line = fmt::format("{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}Z\",\"level\":\"info\",",
                                 std::chrono::floor<std::chrono::seconds>(now));
  line += "\"component\":\"decision\",\"msg\":";
  append_json_string(line, sentence);
  line += ",\"decision\":";
  line += decision_json;
  line += '}';
  logger_->log(spdlog::level::info, "{}", line);
}

bool ServerLog::debug_enabled() const {
  return logger_->should_log(spdlog::level::debug);
}

void ServerLog::debug(std::string_view c, std::string_view m) {
  write(spdlog::level::debug, c, m);
}
void ServerLog::info(std::string_view c, std::string_view m) {
  write(spdlog::level::info, c, m);
}
void ServerLog::warn(std::string_view c, std::string_view m) {
  write(spdlog::level::warn, c, m);
}
void ServerLog::error(std::string_view c, std::string_view m) {
  write(spdlog::level::err, c, m);
}

}  // namespace sluice::app
