#pragma once

// `sluice eval` prints what POST /v1/flags/{key}/evaluate returns: the code lives in the server
// library (server/evaluation_result_json.hpp) so both share it.
#include "evaluation_result_json.hpp"

namespace sluice::app {

using server::append_evaluation_json;

}  // namespace sluice::app
