#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

namespace boost::asio {
class thread_pool;
}

// Threads for blocking calls (SQLite, libpqxx) so the event loop never waits on them. Handlers
// post the blocking part here and answer through Respond when it is done.
namespace sluice::server {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads = 4);
  ~WorkerPool();  // join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs task on a worker. Returns false (and drops the task) after join() has begun. A task that
  // throws is logged to stderr; the worker goes on.
  bool post(std::function<void()> task);
  // Waits for queued and running tasks to finish, then stops the threads. Idempotent.
  void join();

 private:
  std::mutex mutex_;
  bool joined_ = false;
  std::unique_ptr<boost::asio::thread_pool> pool_;
};

}  // namespace sluice::server
