#pragma once

#include <cstdint>
#include <string>

// Part of sluice_controller_core: the controller's number formats for people, for counts shown
// outside its sentences (the traffic and demo reports) so that both write them the same way.
namespace sluice {

// A whole count with thousands separators: 4210 -> "4,210", 12345678 -> "12,345,678".
std::string format_count(std::uint64_t count);

}  // namespace sluice
