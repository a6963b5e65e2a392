#include "prometheus_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "free_port.hpp"
#include "http_client.hpp"
#include "sluice/net/url.hpp"
#include "wait_until.hpp"

extern char** environ;

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;

std::string config_yaml(const std::vector<std::string>& targets) {
  std::string yaml =
      "global:\n"
      "  scrape_interval: 1s\n"
      "  scrape_timeout: 1s\n"
      "  evaluation_interval: 1s\n"
      "scrape_configs:\n"
      "  - job_name: sluice-test\n"
      "    static_configs:\n"
      "      - targets: [";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    yaml += (i ? ", '" : "'") + targets[i] + "'";
  }
  return yaml + "]\n";
}

}  // namespace

bool PrometheusServer::installed(std::string* why) {
  if (std::filesystem::exists(kBinary)) return true;
  if (why) *why = std::string(kBinary) + " is missing";
  return false;
}

PrometheusServer::PrometheusServer(Options options) : options_(std::move(options)) {
  std::filesystem::create_directories(dir_.path() + "/data");
  dir_.write("prometheus.yml", config_yaml(options_.targets));
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start(free_port(), &why)) return;
  }
  throw std::runtime_error("Prometheus did not start: " + why + "\n" + log());
}

PrometheusServer::~PrometheusServer() {
  stop();
}

bool PrometheusServer::restart(std::string* why) {
  stop();
  return start(port_, why);
}

bool PrometheusServer::start(int port, std::string* why) {
  const Options& options = options_;
  port_ = port;
  std::vector<std::string> args = {
      kBinary,
      "--config.file=" + dir_.path() + "/prometheus.yml",
      "--storage.tsdb.path=" + dir_.path() + "/data",
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
  };
  args.insert(args.end(), options.extra_flags.begin(), options.extra_flags.end());
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);

  // posix_spawn, not fork: the test process has threads. Output goes to a log in the folder.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log_path = dir_.path() + "/log";
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int spawned = posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    *why = "posix_spawn failed: " + std::to_string(spawned);
    return false;
  }

  bool exited = false;
  const auto ready = [&] {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // exited (the port was taken, or a bad flag): try again or give up
      exited = true;
      return true;
    }
    try {
      HttpClient client(static_cast<std::uint16_t>(port_), 1s);
      return client.get("/-/ready").status == 200;
    } catch (const std::runtime_error&) {
      return false;  // not listening yet
    }
  };
  if (wait_until(ready, options.ready_timeout)) {
    if (!exited) return true;
    *why = "exited early on port " + std::to_string(port_);
    return false;
  }
  *why = "not ready within " + std::to_string(options.ready_timeout.count()) + "s";
  stop();
  return false;
}

void PrometheusServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) != 0; }, 10s, 20ms)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

std::string PrometheusServer::query(const std::string& promql, std::optional<double> time) const {
  std::vector<std::pair<std::string, std::string>> fields = {{"query", promql}};
  if (time) {
    std::ostringstream text;
    text.precision(15);
    text << *time;
    fields.emplace_back("time", text.str());
  }
  HttpClient client(static_cast<std::uint16_t>(port_), 5s);
  auto response = client.request("POST", "/api/v1/query", net::form_encode(fields),
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  if (response.status != 200) {
    throw std::runtime_error("query " + promql + " answered " + std::to_string(response.status) +
                             ": " + response.body);
  }
  return response.body;
}

bool PrometheusServer::wait_for_data(const std::string& promql, double at_least,
                                     std::chrono::seconds timeout) const {
  return wait_until(
      [&] {
        auto body = nlohmann::json::parse(query(promql), nullptr, false);
        if (body.is_discarded()) return false;
        const auto& result = body["data"]["result"];
        return result.is_array() && !result.empty() &&
               std::stod(result[0]["value"][1].get<std::string>()) >= at_least;
      },
      timeout, 250ms);
}

std::string PrometheusServer::log() const {
  std::ifstream in(dir_.path() + "/log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace sluice::testing
