#pragma once

#include <functional>
#include <string_view>

#include "http_message.hpp"
#include "sluice/snapshot.hpp"

// The OpenFeature Remote Evaluation Protocol (../shared/conformance/ofrep/service/openapi.yaml):
// single-flag and bulk evaluation as plain functions of the snapshot and the request body.
namespace sluice::server {

// Told about every evaluation an OFREP request makes (metrics); may be empty.
using EvaluationObserver = std::function<void(std::string_view key, const Evaluation&)>;

// The OFREP error body: {"key"?, "errorCode", "errorDetails"}; `key` is left out when empty.
HttpResponse ofrep_failure(int status, std::string_view key, std::string_view code,
                           std::string_view details);

// POST /ofrep/v1/evaluate/flags/{key}: 200 with the evaluation; 404 FLAG_NOT_FOUND; 400 with
// PARSE_ERROR (body not JSON), INVALID_CONTEXT (no context object) or TARGETING_KEY_MISSING.
HttpResponse ofrep_evaluate_flag(const Snapshot& snapshot, std::string_view key,
                                 std::string_view body, const EvaluationObserver& observe = {});

// POST /ofrep/v1/evaluate/flags: every flag for one context. The ETag covers the snapshot version
// and the context, so a client that changes its context never gets a stale 304.
HttpResponse ofrep_evaluate_all(const Snapshot& snapshot, std::string_view snapshot_version,
                                std::string_view body, std::string_view if_none_match,
                                const EvaluationObserver& observe = {});

}  // namespace sluice::server
