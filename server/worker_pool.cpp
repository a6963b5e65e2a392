#include "worker_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <exception>
#include <iostream>

namespace sluice::server {

WorkerPool::WorkerPool(std::size_t threads)
    : pool_(std::make_unique<boost::asio::thread_pool>(threads == 0 ? 1 : threads)) {}

WorkerPool::~WorkerPool() {
  join();
}

bool WorkerPool::post(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  if (joined_) return false;
  boost::asio::post(*pool_, [task = std::move(task)] {
    try {
      task();
    } catch (const std::exception& e) {
      std::cerr << "sluice: worker task threw: " << e.what() << '\n';
    } catch (...) {
      std::cerr << "sluice: worker task threw\n";
    }
  });
  return true;
}

void WorkerPool::join() {
  {
    std::lock_guard lock(mutex_);
    if (joined_) return;
    joined_ = true;
  }
  pool_->join();
}

}  // namespace sluice::server
