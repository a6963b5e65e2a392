#include "sluice_process.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "run_command.hpp"
#include "wait_until.hpp"

namespace sluice::testing {

SluiceProcess::SluiceProcess(std::vector<std::string> args, std::vector<std::string> env,
                             const std::string& log_path)
    : log_path_(log_path) {
  std::vector<std::string> argv_strings{SLUICE_BINARY, "serve", "--listen", "127.0.0.1:0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    for (const auto& e : env)
      putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (auto& a : argv_strings)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // The log line "listening on ... (port N)" says where it listens.
  constexpr std::string_view kMarker = "(port ";
  testing::wait_until(
      [&] {
        std::string text = log();
        if (auto at = text.find(kMarker); at != std::string::npos) {
          port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + kMarker.size())));
          return true;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          throw std::runtime_error("sluice serve exited at start:\n" + text);
        }
        return false;
      },
      std::chrono::seconds(10));
  if (port_ == 0) throw std::runtime_error("sluice serve did not start:\n" + log());
}

SluiceProcess::~SluiceProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int SluiceProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int exit_code = -1;
  testing::wait_until(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
        pid_ = -1;
        exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return true;
      },
      timeout, std::chrono::milliseconds(20));
  return exit_code;
}

std::string SluiceProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string create_token(const std::string& store, const std::string& name,
                         const std::string& scope) {
  auto result = run_command(std::string(SLUICE_BINARY) + " token create --name " + name +
                            " --scope " + scope + " --store " + store);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::string token = result.out;
  while (!token.empty() && token.back() == '\n')
    token.pop_back();
  return token;
}

}  // namespace sluice::testing
