#pragma once

#include <span>
#include <string_view>

#include "http_message.hpp"

// The web dashboard's static files, embedded into the binary at build time (dashboard/ is built
// by npm and cmake/embed_dashboard.cmake turns the output into a generated source). They hold no
// data, so they are served without a token; the page calls the API with the user's token.
namespace sluice::server {

struct DashboardAsset {
  std::string_view path;  // relative to the build's root: "index.html", "assets/index-1a2b.js"
  std::string_view content_type;
  std::span<const unsigned char> bytes;
};

// Every embedded file; defined in the generated source.
std::span<const DashboardAsset> dashboard_asset_table();

// The embedded file at `path` ("assets/x.js", no leading '/'), or null.
const DashboardAsset* find_dashboard_asset(std::string_view path);

// True for paths that belong to the API and never fall back to the dashboard: /v1/, /ofrep/,
// /healthz, /readyz, /metrics.
bool is_api_path(std::string_view path);

// A GET or HEAD for a path outside the API: the named file, or index.html for the dashboard's
// client-side routes (/flags/KEY, /rollouts/KEY). A missing file under /assets/ is a 404: a
// script tag must not receive HTML.
HttpResponse serve_dashboard(const HttpRequest& request);

}  // namespace sluice::server
