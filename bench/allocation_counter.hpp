#pragma once

#include <cstdint>

// Counts calls to the global allocation functions of this binary. allocation_counter.cpp replaces
// every form of global operator new (plain, array, nothrow, aligned) with a counting version, so
// any allocation made through new (including std::string, std::vector, RE2) is seen. Direct calls
// to malloc are not counted.
namespace sluice_bench {

// Allocations made so far by any thread.
std::uint64_t allocation_count();

}  // namespace sluice_bench
