#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::app {

// A digest of the flag files under `paths` (names, sizes, modification times): it changes when
// a file is added, removed or written.
std::uint64_t flag_files_fingerprint(const std::vector<std::string>& paths);

// Polls the flag folder and calls `on_change` (on its own thread) when the fingerprint changes.
// Polling, not inotify: it works the same on every filesystem, including the ConfigMap volumes of
// Kubernetes, whose files change by symlink swaps.
class FlagsDirWatcher {
 public:
  FlagsDirWatcher(std::vector<std::string> paths, std::chrono::milliseconds interval,
                  std::function<void()> on_change);
  ~FlagsDirWatcher();  // stops and joins
  FlagsDirWatcher(const FlagsDirWatcher&) = delete;
  FlagsDirWatcher& operator=(const FlagsDirWatcher&) = delete;

 private:
  void run();

  std::vector<std::string> paths_;
  std::chrono::milliseconds interval_;
  std::function<void()> on_change_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::app
