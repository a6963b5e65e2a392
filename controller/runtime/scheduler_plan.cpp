#include "scheduler_plan.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <string_view>
#include <tuple>

#include "rollout_json.hpp"

namespace sluice::controller {
namespace {

using std::chrono::seconds;

std::string names_key(const MetricNames& n) {
  return n.flag_label + '\x1f' + n.variant_label + '\x1f' + n.requests + '\x1f' + n.error_selector +
         '\x1f' + n.latency_histogram;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Reads the record's policy, state and window into a DueRollout; throws if one does not parse.
DueRollout read_rollout(store::RolloutRecord& record, PolicyCache& policies) {
  DueRollout due;
  due.policy = policies.policy_of(record);
  due.state = state_from_json(record.state_json);
  due.window = window_from_json(record.window_json);
  return due;
}

using GroupKey = std::tuple<std::int64_t, std::string, std::int64_t>;

// Puts `due` (a running rollout) into the group of its interval end, creating the group.
void join_group(DueRollout& due, TickPlan& plan, std::map<GroupKey, std::size_t>& group_index) {
  const seconds interval = due.policy->interval;
  const GroupKey key{static_cast<std::int64_t>(interval.count()), names_key(due.policy->metrics),
                     due.end.time_since_epoch().count()};
  auto [it, inserted] = group_index.emplace(key, plan.groups.size());
  if (inserted) {
    MetricGroup group;
    group.request.at = due.end;
    group.request.window = interval;
    group.request.names = due.policy->metrics;
    plan.groups.push_back(std::move(group));
  }
  due.group = it->second;
  if (due.policy->checks.latency_p95) plan.groups[due.group].request.want_latency = true;
}

}  // namespace

TickPlan plan_tick(TimePoint now, std::vector<store::RolloutRecord> records, PolicyCache& policies,
                   const SchedulerOptions& options) {
  TickPlan plan;
  std::map<GroupKey, std::size_t> group_index;
  for (auto& record : records) {
    DueRollout due;
    try {
      due = read_rollout(record, policies);
    } catch (const std::exception& e) {
      plan.unreadable.emplace_back(record.id, e.what());
      continue;
    }
    const seconds interval = due.policy->interval;
    if (due.state.phase == rollout::Phase::pending) {
      due.starting = true;
      due.end = now;
    } else {
      // An interval is decided `settle` after it ends, so late reports of it count.
      const TimePoint current = rollout::align_down(now - options.settle, interval);
      TimePoint next = rollout::align_down(due.window.last_tick, interval) + interval;
      if (next > current) {  // not due yet
        plan.earliest = std::min(plan.earliest, next);
        continue;
      }
      const TimePoint oldest = current - interval * options.max_catch_up_intervals;
      if (next < oldest) next = oldest;
      if (next < current) plan.catching_up = true;
      due.end = next;
      join_group(due, plan, group_index);
    }
    due.record = std::move(record);
    plan.due.push_back(std::move(due));
  }
  return plan;
}

std::string custom_check_query(const DueRollout& due, const CustomCheck& check,
                               const std::string& variant) {
  const auto window_seconds = std::max<std::int64_t>(
      due.policy->interval.count(),
      std::chrono::duration_cast<seconds>(due.end - due.window.started_at).count());
  std::string promql = replace_all(check.query, "{{flag}}", due.policy->flag);
  promql = replace_all(promql, "{{variant}}", variant);
  return replace_all(promql, "{{window}}", std::to_string(window_seconds) + "s");
}

}  // namespace sluice::controller
