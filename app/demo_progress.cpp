#include "demo_progress.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "server_child.hpp"

#include "sluice/count_format.hpp"
#include "traffic_generator.hpp"

namespace sluice::app {
namespace {

constexpr auto kApiTimeout = std::chrono::milliseconds(3000);

std::string percent_text(double percent) {
  if (std::abs(percent - std::round(percent)) < 1e-9) return fmt::format("{:.0f}%", percent);
  return fmt::format("{}%", percent);
}

// "errors on 1.1% of 420, off 0.9% of 1,260" from the last decision's error-rate evidence.
std::string error_rates_text(const Json& rollout) {
  const Json* decision = rollout.contains("last_decision") ? &rollout["last_decision"] : nullptr;
  if (!decision || !decision->is_object()) return "";
  const Json& evidence = (*decision)["evidence"];
  if (!evidence.is_object() || !evidence.contains("checks")) return "";
  for (const auto& check : evidence["checks"]) {
    if (string_of(check, "check") != "error_rate") continue;
    auto side = [&](const char* value, const char* samples, const std::string& name) {
      const Json& v = check[value];
      const Json& n = check[samples];
      if (!n.is_number() || n.get<double>() <= 0) return fmt::format("{} -", name);
      const auto count = static_cast<std::uint64_t>(n.get<double>());
      if (!v.is_number()) return fmt::format("{} - of {}", name, format_count(count));
      return fmt::format("{} {:.1f}% of {}", name, 100.0 * v.get<double>(), format_count(count));
    };
    return "errors " + side("treatment", "treatment_samples", string_of(rollout, "treatment")) +
           ", " + side("control", "control_samples", string_of(rollout, "control"));
  }
  return "";
}

}  // namespace

std::string elapsed_text(double seconds) {
  const auto s = static_cast<long>(std::lround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  return fmt::format("{}m{:02}s", s / 60, s % 60);
}

std::optional<Json> get_json(KeepAliveConnection& api, const std::string& target,
                             const std::string& token, std::string* error) {
  SimpleResponse response =
      api.request("GET", target, {{"Authorization", "Bearer " + token}}, "", kApiTimeout);
  if (!response.ok() || response.status != 200) {
    if (error)
      *error = response.ok() ? fmt::format("HTTP {}: {}", response.status, response.body)
                             : response.error;
    return std::nullopt;
  }
  Json j = Json::parse(response.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string string_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One progress line: where the rollout is, what it serves, what the controller saw and said.
std::string progress_line(double elapsed, std::size_t width, const Json& rollout) {
  const std::string flag = string_of(rollout, "flag");
  const std::string phase = string_of(rollout, "phase");
  std::string stage = "-";
  if (rollout["stage"].is_object()) {
    stage =
        fmt::format("{}/{}", rollout["stage"].value("number", 0), rollout["stage"].value("of", 0));
  }
  const double percent =
      rollout["treatment_percent"].is_number() ? rollout["treatment_percent"].get<double>() : 0.0;
  std::string sentence;
  if (rollout["last_decision"].is_object())
    sentence = string_of(rollout["last_decision"], "sentence");
  std::string errors = error_rates_text(rollout);
  return fmt::format("{:>5} {:<{}} {:<12} stage {:<4} {} {:>4} | {}{}", elapsed_text(elapsed), flag,
                     width, phase, stage, string_of(rollout, "treatment"), percent_text(percent),
                     errors.empty() ? "" : errors + " | ", sentence);
}

bool terminal(const std::string& phase) {
  return phase == "completed" || phase == "rolled_back" || phase == "aborted";
}

void print_rollout_summaries(KeepAliveConnection& api, const std::string& token,
                             const std::vector<Tracked>& rollouts, std::size_t width, double now) {
  for (const auto& r : rollouts) {
    const std::string flag = r.policy.flag;
    const std::string phase = r.last.is_object() ? string_of(r.last, "phase") : "";
    std::map<std::string, int> kinds;
    std::vector<std::string> milestones;
    std::size_t count = 0;
    if (auto list = get_json(api, "/v1/rollouts/" + flag + "/decisions?limit=1000", token)) {
      for (const auto& d : (*list)["decisions"]) {
        ++count;
        const std::string kind = string_of(d, "kind");
        ++kinds[kind];
        if (kind != "hold") milestones.push_back(string_of(d, "sentence"));
      }
    }
    std::string by_kind;
    for (const auto& [kind, n] : kinds)
      by_kind += fmt::format("{}{} {}", by_kind.empty() ? "" : ", ", n, kind);
    const double took = (r.ended_at ? *r.ended_at : now) - r.started_at;
    fmt::print("  {:<{}}  {} {} {} ({} decisions: {})\n", flag, width,
               phase.empty() ? "unknown" : phase, r.ended_at ? "after" : "still running after",
               elapsed_text(took), count, by_kind);
    for (const auto& m : milestones)
      fmt::print("  {:<{}}    {}\n", "", width, m);
  }
}

Watched watch_rollouts(KeepAliveConnection& api, const std::string& token,
                       std::vector<Tracked>& rollouts, std::size_t width, ServerChild& server,
                       const sigset_t& signals, double timeout_seconds,
                       const std::function<double()>& elapsed) {
  for (;;) {
    if (wait_signal(signals, std::chrono::milliseconds(1000))) return Watched::interrupted;
    if (!server.running()) return Watched::server_died;
    for (auto& r : rollouts) {
      if (r.ended_at) continue;
      auto view = get_json(api, "/v1/rollouts/" + r.policy.flag, token);
      if (!view) continue;
      const std::int64_t sequence = view->value("sequence", std::int64_t{0});
      if (sequence != r.sequence) {
        r.sequence = sequence;
        fmt::print("{}\n", progress_line(elapsed(), width, *view));
      }
      r.last = *view;
      if (terminal(string_of(*view, "phase"))) r.ended_at = elapsed();
    }
    std::fflush(stdout);
    bool all_ended = true;
    for (const auto& r : rollouts)
      all_ended = all_ended && r.ended_at.has_value();
    if (all_ended) return Watched::all_ended;
    if (elapsed() > timeout_seconds) return Watched::timed_out;
  }
}

}  // namespace sluice::app
