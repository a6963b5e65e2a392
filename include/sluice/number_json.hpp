#pragma once

#include <nlohmann/json.hpp>

// Part of sluice_flag_files (it links nlohmann/json; the pure core does not).
namespace sluice {

// A number as JSON the way a person writes it: whole numbers without a fraction ("5", not
// "5.0") while they are exact in a double (up to 2^53); anything else as a double.
nlohmann::ordered_json number_json(double value);

}  // namespace sluice
