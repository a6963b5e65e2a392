// `sluice simulate`'s output: one JSON object (no trailing newline), the scenario's parameters and
// the summary. Defined in simulate_command.cpp.
#pragma once

#include <string>

namespace sluice {
struct Policy;
namespace simulation {
struct Scenario;
struct Summary;
}  // namespace simulation

namespace app {
std::string simulation_json(const Policy& policy, const simulation::Scenario& scenario,
                            const simulation::Summary& summary);
}  // namespace app
}  // namespace sluice
