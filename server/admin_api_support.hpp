#pragma once

// What the admin API's handlers share (admin_api*.cpp): request checks, error answers, the flag
// body as GET returns it, and the guard that turns store exceptions into HTTP answers.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin_api.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::server::admin_detail {

using Json = nlohmann::ordered_json;

HttpResponse invalid(const Diagnostics& problems);
std::optional<HttpResponse> require_json(const HttpRequest& request, bool merge_patch = false);
// If-Match: "12", W/"12" or 12 → 12; absent or * → no precondition.
std::optional<HttpResponse> expected_version(const HttpRequest& request,
                                             std::optional<std::int64_t>& out);
std::string etag(std::int64_t version);
HttpResponse refused(store::WriteStatus status, std::string_view kind, std::string_view key,
                     std::int64_t current_version);
HttpResponse managed_by_files(const SnapshotLoader& loader);
// The definition as GET returns it and PUT accepts it back: the stored definition with the
// current runtime state.
std::optional<std::string> flag_body(const store::FlagRecord& record);
HttpResponse flag_response(int status, const store::FlagRecord& record);
FlagSet current_definitions(const SnapshotPublisher& publisher);
int limit_of(const HttpRequest& request, int fallback, int max);
Json json_or_null(const std::optional<std::string>& text);

template <typename Definition>
void replace_by_key(std::vector<Definition>& list, Definition item) {
  for (auto& existing : list) {
    if (existing.key == item.key) {
      existing = std::move(item);
      return;
    }
  }
  list.push_back(std::move(item));
}

template <typename Definition>
void remove_by_key(std::vector<Definition>& list, std::string_view key) {
  std::erase_if(list, [&](const Definition& d) { return d.key == key; });
}

}  // namespace sluice::server::admin_detail

namespace sluice::server {

template <typename Operation>
HttpResponse AdminApi::guarded(Operation&& operation) {
  try {
    return operation();
  } catch (const std::invalid_argument& e) {
    // The store refuses arguments no database could accept (an empty key, say).
    return HttpResponse::error(400, "invalid_argument", e.what());
  } catch (const store::StoreUnavailable& e) {
    return HttpResponse::error(503, "store_unavailable",
                               std::string("the store cannot be reached; evaluation continues "
                                           "from the last snapshot: ") +
                                   e.what());
  }
}

}  // namespace sluice::server
