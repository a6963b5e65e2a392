#include "server_child.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace sluice::app {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// argv or envp for execve: pointers into `strings`, then a null.
std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

sigset_t block_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

bool wait_signal(const sigset_t& signals, std::chrono::milliseconds wait) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(wait.count() / 1000);
  ts.tv_nsec = static_cast<long>((wait.count() % 1000) * 1000000);
  return sigtimedwait(&signals, nullptr, &ts) > 0;
}

std::string tail_lines(const std::string& text, std::size_t n) {
  std::size_t at = text.size();
  for (std::size_t i = 0; i <= n && at != std::string::npos && at > 0; ++i)
    at = text.rfind('\n', at - 1);
  return at == std::string::npos ? text : text.substr(at + 1);
}

ServerChild::ServerChild(const std::vector<std::string>& args, const std::string& token,
                         const std::string& log_path, const sigset_t& blocked)
    : log_path_(log_path) {
  std::vector<std::string> argv_strings{"sluice", "serve"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv = pointers(argv_strings);
  // The child's environment: ours without SLUICE_* (a SLUICE_PROMETHEUS_URL or SLUICE_STORE
  // of the user's must not change the demo), plus the demo's admin token.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).substr(0, 7) != "SLUICE_") env_strings.emplace_back(*e);
  }
  env_strings.push_back("SLUICE_ADMIN_TOKEN=" + token);
  std::vector<char*> envp = pointers(env_strings);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  // A log left by an earlier run (--data-dir) must not be read for the new port.
  std::error_code ignored;
  fs::remove(log_path, ignored);
  const pid_t parent = getpid();

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigprocmask(SIG_UNBLOCK, &blocked, nullptr);
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execve(exe.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

ServerChild::~ServerChild() {
  stop(std::chrono::seconds(15));
}

std::uint16_t ServerChild::wait_for_port(std::chrono::seconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  constexpr std::string_view kMarker = "(port ";
  while (SteadyClock::now() < deadline) {
    const std::string text = log();
    if (auto at = text.find(kMarker); at != std::string::npos) {
      return static_cast<std::uint16_t>(std::atoi(text.c_str() + at + kMarker.size()));
    }
    if (!running()) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

bool ServerChild::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

bool ServerChild::stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  const auto deadline = SteadyClock::now() + grace;
  while (SteadyClock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return false;
}

std::string ServerChild::log() const {
  return read_file(log_path_);
}

}  // namespace sluice::app
