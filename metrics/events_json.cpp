#include "sluice/metrics/events_json.hpp"

#include <chrono>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "sluice/utf8.hpp"

namespace sluice::metrics {
namespace {

using nlohmann::json;

// Collects problems up to kMaxProblems, then only counts them, so a batch of 10,000 bad events
// answers a short list.
class Problems {
 public:
  void add(std::string where, const std::string& what) {
    if (list_.size() < kMaxProblems) {
      list_.push_back(std::move(where) + ": " + what);
    } else {
      ++dropped_;
    }
  }
  bool empty() const { return list_.empty(); }
  std::vector<std::string> take() {
    if (dropped_ > 0) list_.push_back("... and " + std::to_string(dropped_) + " more");
    return std::move(list_);
  }

 private:
  std::vector<std::string> list_;
  std::size_t dropped_ = 0;
};

std::optional<std::string> name_field(const json& object, const char* field,
                                      const std::string& where, Problems& problems) {
  auto it = object.find(field);
  const std::string path = where + "." + field;
  if (it == object.end()) {
    problems.add(path, "required");
    return std::nullopt;
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    problems.add(path, "must be a non-empty string");
    return std::nullopt;
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > kMaxNameLength) {
    problems.add(path, "longer than " + std::to_string(kMaxNameLength) + " characters");
    return std::nullopt;
  }
  return text;
}

void parse_event(const json& item, const std::string& where, Event& event, Problems& problems) {
  if (!item.is_object()) {
    problems.add(where, "must be an object");
    return;
  }
  for (const auto& [field, value] : item.items()) {
    if (field != "flag" && field != "variant" && field != "outcome" && field != "latency_ms" &&
        field != "count" && field != "time") {
      problems.add(where + "." + field, "unknown field");
    }
  }
  if (auto flag = name_field(item, "flag", where, problems)) event.flag = *flag;
  if (auto variant = name_field(item, "variant", where, problems)) event.variant = *variant;

  auto outcome = item.find("outcome");
  if (outcome == item.end()) {
    problems.add(where + ".outcome", "required");
  } else if (outcome->is_string() && *outcome == "ok") {
    event.outcome = Outcome::Ok;
  } else if (outcome->is_string() && *outcome == "error") {
    event.outcome = Outcome::Error;
  } else {
    problems.add(where + ".outcome", "must be \"ok\" or \"error\"");
  }

  if (auto latency = item.find("latency_ms"); latency != item.end() && !latency->is_null()) {
    const double ms = latency->is_number() ? latency->get<double>() : -1;
    if (!latency->is_number() || !std::isfinite(ms) || ms < 0 || ms > kMaxLatencyMs) {
      problems.add(where + ".latency_ms", "must be a number from 0 to 86400000");
    } else {
      event.latency_ms = ms;
    }
  }

  if (auto count = item.find("count"); count != item.end()) {
    bool good = false;
    if (count->is_number_unsigned()) {
      const auto n = count->get<std::uint64_t>();
      good = n >= 1 && n <= kMaxEventCount;
      if (good) event.count = n;
    }
    // A negative integer or a fraction lands here too.
    if (!good) problems.add(where + ".count", "must be a whole number from 1 to 1000000");
  }

  if (auto time = item.find("time"); time != item.end()) {
    const double seconds = time->is_number() ? time->get<double>() : -1;
    // Up to year 9999; the aggregator decides whether it is too old or too far ahead.
    if (!time->is_number() || !std::isfinite(seconds) || seconds < 0 || seconds > 253402300799.0) {
      problems.add(where + ".time", "must be Unix seconds (a number)");
    } else {
      event.time = TimePoint(
          std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(seconds)));
    }
  }
}

}  // namespace

ParsedEvents parse_events_json(std::string_view body) {
  ParsedEvents parsed;
  Problems problems;
  json document;
  try {
    document = json::parse(body);
  } catch (const json::parse_error& error) {
    // The message quotes what was read, which may end inside a multi-byte character.
    parsed.problems.push_back("body: not valid JSON (" + with_valid_utf8(error.what()) + ")");
    return parsed;
  }
  if (!document.is_object()) {
    parsed.problems.push_back("body: must be an object {\"events\": [...]}");
    return parsed;
  }
  for (const auto& [field, value] : document.items()) {
    if (field != "events") problems.add(field, "unknown field");
  }
  auto events = document.find("events");
  if (events == document.end() || !events->is_array()) {
    problems.add("events", "required, an array");
    parsed.problems = problems.take();
    return parsed;
  }
  if (events->size() > kMaxEventsPerBatch) {
    problems.add("events", "at most " + std::to_string(kMaxEventsPerBatch) +
                               " events per batch, got " + std::to_string(events->size()));
    parsed.problems = problems.take();
    return parsed;
  }
  parsed.events.reserve(events->size());
  for (std::size_t i = 0; i < events->size(); ++i) {
    Event event;
    parse_event((*events)[i], "events[" + std::to_string(i) + "]", event, problems);
    parsed.events.push_back(std::move(event));
  }
  if (!problems.empty()) {
    parsed.events.clear();  // all or nothing
    parsed.problems = problems.take();
  }
  return parsed;
}

}  // namespace sluice::metrics
