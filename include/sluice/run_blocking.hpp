#pragma once

#include <functional>

namespace sluice {

// Runs a blocking task (a store call) off the event loop, on a worker pool (ARCHITECTURE
// decision 2). Adapters that must not block the loop take one of these.
using RunBlocking = std::function<void(std::function<void()>)>;

}  // namespace sluice
