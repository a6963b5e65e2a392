#include "flags_dir_watcher.hpp"

#include <algorithm>
#include <filesystem>

namespace sluice::app {
namespace {

namespace fs = std::filesystem;

bool is_flag_file(const fs::path& path) {
  const auto ext = path.extension();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void mix(std::uint64_t& h, std::string_view bytes) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
}

}  // namespace

std::uint64_t flag_files_fingerprint(const std::vector<std::string>& paths) {
  std::vector<std::string> entries;
  std::error_code ec;
  auto add = [&](const fs::path& file) {
    std::error_code e;
    auto size = fs::file_size(file, e);
    auto time = fs::last_write_time(file, e).time_since_epoch().count();
    entries.push_back(file.string() + '\0' + std::to_string(size) + '\0' + std::to_string(time));
  };
  for (const auto& path : paths) {
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(
               path, fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_flag_file(it->path())) add(it->path());
      }
    } else if (fs::exists(path, ec)) {
      add(path);
    } else {
      entries.push_back(path + std::string(1, '\0') + "missing");
    }
  }
  std::sort(entries.begin(), entries.end());
  std::uint64_t h = 14695981039346656037ull;
  for (const auto& entry : entries)
    mix(h, entry);
  return h;
}

FlagsDirWatcher::FlagsDirWatcher(std::vector<std::string> paths, std::chrono::milliseconds interval,
                                 std::function<void()> on_change)
    : paths_(std::move(paths)), interval_(interval), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { run(); });
}

FlagsDirWatcher::~FlagsDirWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void FlagsDirWatcher::run() {
  std::uint64_t last = flag_files_fingerprint(paths_);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    const std::uint64_t now = flag_files_fingerprint(paths_);
    if (now != last) {
      last = now;
      on_change_();
    }
    lock.lock();
  }
}

}  // namespace sluice::app
