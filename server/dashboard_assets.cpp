#include "dashboard_assets.hpp"

#include <array>
#include <string>

namespace sluice::server {
namespace {

constexpr std::string_view kIndex = "index.html";
constexpr std::string_view kAssetsPrefix = "/assets/";
// Vite names files under assets/ by content hash, so a name never changes meaning.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
// Chart.js sets inline styles on its canvas, hence 'unsafe-inline' for styles only.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

HttpResponse asset_response(const DashboardAsset& asset, std::string_view cache_control) {
  HttpResponse response;
  response.status = 200;
  response.body.assign(reinterpret_cast<const char*>(asset.bytes.data()), asset.bytes.size());
  response.set_header("Content-Type", std::string(asset.content_type));
  response.set_header("Cache-Control", std::string(cache_control));
  return response;
}

HttpResponse with_security_headers(HttpResponse response) {
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Content-Security-Policy", std::string(kContentSecurityPolicy));
  return response;
}

}  // namespace

const DashboardAsset* find_dashboard_asset(std::string_view path) {
  for (const DashboardAsset& asset : dashboard_asset_table()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

bool is_api_path(std::string_view path) {
  constexpr std::array<std::string_view, 5> kPrefixes = {"/v1", "/ofrep", "/healthz", "/readyz",
                                                         "/metrics"};
  for (std::string_view prefix : kPrefixes) {
    if (!path.starts_with(prefix)) continue;
    std::string_view rest = path.substr(prefix.size());
    if (rest.empty() || rest.front() == '/') return true;
  }
  return false;
}

HttpResponse serve_dashboard(const HttpRequest& request) {
  std::string_view path = request.path;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (!path.empty() && path != kIndex) {
    if (const DashboardAsset* asset = find_dashboard_asset(path)) {
      const bool hashed = request.path.starts_with(kAssetsPrefix);
      return with_security_headers(asset_response(*asset, hashed ? kImmutable : "no-cache"));
    }
    if (request.path.starts_with(kAssetsPrefix)) {
      return with_security_headers(
          HttpResponse::error(404, "not_found", "no dashboard file " + request.path));
    }
  }
  const DashboardAsset* index = find_dashboard_asset(kIndex);
  if (index == nullptr) {
    return HttpResponse::error(404, "not_found", "this build has no dashboard");
  }
  return with_security_headers(asset_response(*index, "no-cache"));
}

}  // namespace sluice::server
