#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traffic_generator.hpp"

// Private to the traffic generator: its settings (checked, and the most specific one for a
// flag and variant) and the scenario's requests (which user of which account asks for what).
namespace sluice::app {

// The most specific setting for (flag, variant), else `fallback`.
double setting_for(const std::vector<VariantSetting>& settings, const std::string& flag,
                   const std::string& variant, double fallback);

// Throws std::invalid_argument on options that make no sense (no flag, rps <= 0, ...).
void check_traffic_options(const TrafficOptions& options);

// "/ofrep/v1/evaluate/flags/KEY" with the key percent-encoded.
std::string evaluation_target(const std::string& flag);

// The OFREP request body for `user`: targeting key, account, plan and country.
std::string evaluation_body(std::uint32_t user, std::uint32_t accounts);

}  // namespace sluice::app
