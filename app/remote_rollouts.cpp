// `sluice rollout ...`, `sluice decisions` and `sluice audit`: rollouts and history on a server.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "remote_commands.hpp"
#include "remote_output.hpp"
#include "remote_rollout_view.hpp"
#include "remote_served.hpp"
#include "sluice/policy_json.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice::app {
namespace {

using Json = nlohmann::ordered_json;

// The rollout with its last decision (GET /v1/rollouts/{flag} has it).
Json fetch_rollout(const RemoteClient& client, const std::string& flag) {
  return client.call("GET", "/v1/rollouts/" + url_escape(flag)).json();
}

// When the last decision judged nothing (a person's command, a start), the latest one that did,
// among the 100 before it: the picture keeps showing what the metrics said.
Json latest_judged(const RemoteClient& client, const Json& rollout) {
  const Json last = rollout.value("last_decision", Json());
  if (!last.is_object() || has_checks(last)) return nullptr;
  const long long sequence = last.value("sequence", 0LL);
  const long long after = std::max(0LL, sequence - 101);
  const RemoteResponse page = client.call(
      "GET", "/v1/rollouts/" + url_escape(rollout.value("flag", std::string())) +
                 "/decisions?limit=100&rollout=" + scalar_text(rollout.value("id", Json())) +
                 "&after=" + std::to_string(after));
  Json judged = nullptr;
  for (const auto& d : page.json().value("decisions", Json::array()))
    if (has_checks(d)) judged = d;
  return judged;
}

std::string short_time(const Json& at) {
  // "2026-11-21T10:27:20.000Z" -> "2026-11-21 10:27:20": the table stays narrow.
  std::string text = scalar_text(at);
  if (text.size() >= 19 && text[10] == 'T') text = text.substr(0, 10) + " " + text.substr(11, 8);
  return text;
}

// "progressing 1 5% -> progressing 2 25%"; just the state when nothing moved (a hold).
std::string transition_text(const Json& from, const Json& to) {
  const std::string before = decision_point_text(from);
  const std::string after = decision_point_text(to);
  return before == after ? after : before + " -> " + after;
}

}  // namespace

int run_rollout_start(const RemoteOptions& remote, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sluice: cannot read %s\n", file.c_str());
    return kExitInvalid;
  }
  std::stringstream text;
  text << in.rdbuf();
  PolicyLoadResult loaded;
  if (file.ends_with(".json")) {
    read_policy_json(text.str(), file, loaded);
  } else {
    read_policy_yaml(text.str(), file, loaded);
  }
  Diagnostics problems = loaded.diagnostics;
  if (problems.empty()) problems = check_policies(loaded.policies, nullptr);
  if (problems.empty() && loaded.policies.empty()) {
    std::fprintf(stderr, "sluice: %s holds no policy\n", file.c_str());
    return kExitInvalid;
  }
  if (!problems.empty()) {
    print_local_problems(std::move(problems));
    return kExitInvalid;
  }
  RemoteClient client(remote);
  Json started = Json::array();
  for (const Policy& policy : loaded.policies) {
    Json body = client.call("POST", "/v1/rollouts", policy_to_json(policy)).json();
    if (remote.output.empty()) {
      std::printf("rollout/%s started (id %s): %zu stages, treatment %s, control %s\n",
                  policy.flag.c_str(), scalar_text(body.value("id", Json())).c_str(),
                  policy.stages.size(), policy.treatment.c_str(), policy.control.c_str());
    }
    started.push_back(std::move(body));
  }
  print_structured(started.size() == 1 ? started.front() : Json{{"rollouts", started}},
                   remote.output);
  return kExitOk;
}

int run_rollout_status(const RemoteOptions& remote, const std::string& flag) {
  RemoteClient client(remote);
  const Json rollout = fetch_rollout(client, flag);
  if (print_structured(rollout, remote.output)) return kExitOk;
  std::fputs(
      render_rollout(rollout, std::chrono::system_clock::now(), latest_judged(client, rollout))
          .c_str(),
      stdout);
  // The flag's own view: a person may have overridden a finished rollout's outcome since.
  const Json served = fetch_served(client, flag);
  if (served.is_object()) {
    std::printf("%-15s%s\n", "Flag serves:",
                served.value("served", Json::object()).value("text", std::string("-")).c_str());
  }
  return kExitOk;
}

int run_rollout_watch(const RemoteOptions& remote, const std::string& flag, double interval) {
  RemoteClient client(remote);
  const bool terminal = isatty(fileno(stdout)) != 0;
  bool first = true;
  for (;;) {
    const Json rollout = fetch_rollout(client, flag);
    const std::string phase = rollout.value("phase", std::string());
    if (!print_structured(rollout, remote.output)) {
      std::string frame =
          render_rollout(rollout, std::chrono::system_clock::now(), latest_judged(client, rollout));
      if (terminal) {
        // Cursor home and clear: the picture is redrawn in place.
        std::fputs("\x1b[H\x1b[2J", stdout);
      } else if (!first) {
        std::fputs("\n", stdout);
      }
      std::fputs(frame.c_str(), stdout);
    }
    std::fflush(stdout);
    first = false;
    if (phase_is_final(phase)) return phase == "completed" ? kExitOk : kExitDifferent;
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
  }
}

int run_rollout_command(const RemoteOptions& remote, const std::string& flag,
                        const std::string& command, const std::string& reason,
                        std::optional<double> percent) {
  RemoteClient client(remote);
  Json request{{"reason", reason}};
  if (percent) request["percent"] = *percent;
  const Json body =
      client.call("POST", "/v1/rollouts/" + url_escape(flag) + "/" + command, request.dump())
          .json();
  if (print_structured(body, remote.output)) return kExitOk;
  const Json decision = body.value("decision", Json::object());
  std::printf("%s\n", scalar_text(decision.value("sentence", Json(command + " done"))).c_str());
  return kExitOk;
}

int run_decisions(const RemoteOptions& remote, const DecisionsOptions& options) {
  RemoteClient client(remote);
  // The log is oldest first; the latest `limit` are kept while paging through it.
  std::deque<Json> kept;
  Json first_page;
  std::string after;
  for (int page = 0; page < 1000; ++page) {
    std::string path = "/v1/rollouts/" + url_escape(options.flag) + "/decisions?limit=1000";
    if (!options.rollout.empty()) path += "&rollout=" + url_escape(options.rollout);
    if (!after.empty()) path += "&after=" + after;
    Json body = client.call("GET", path).json();
    for (auto& d : body.value("decisions", Json::array())) {
      kept.push_back(std::move(d));
      if (static_cast<int>(kept.size()) > options.limit) kept.pop_front();
    }
    if (first_page.is_null()) first_page = body;
    const Json next = body.value("next_after", Json());
    if (next.is_null()) break;
    after = scalar_text(next);
  }
  Json decisions = Json::array();
  for (auto& d : kept)
    decisions.push_back(std::move(d));
  if (print_structured(Json{{"rollout_id", first_page.value("rollout_id", Json())},
                            {"flag", options.flag},
                            {"decisions", decisions}},
                       remote.output)) {
    return kExitOk;
  }
  Table table({"#", "TIME", "ACTOR", "KIND", "FROM -> TO", "SENTENCE"});
  for (const auto& d : decisions) {
    table.add({scalar_text(d.value("sequence", Json())), short_time(d.value("at", Json())),
               scalar_text(d.value("actor", Json())), scalar_text(d.value("kind", Json())),
               transition_text(d.value("from", Json()), d.value("to", Json())),
               scalar_text(d.value("sentence", Json()))});
  }
  std::fputs(table.str().c_str(), stdout);
  return kExitOk;
}

int run_audit(const RemoteOptions& remote, const AuditOptions& options) {
  std::string query;
  if (!options.flag.empty()) query += "&flag=" + url_escape(options.flag);
  if (!options.since.empty()) {
    auto since = since_to_rfc3339(options.since, std::chrono::system_clock::now());
    if (!since) {
      std::fprintf(stderr,
                   "sluice: --since %s is neither an RFC 3339 time nor a duration such as 2h, "
                   "30m, 7d\n",
                   options.since.c_str());
      return kExitUsage;
    }
    query += "&since=" + url_escape(*since);
  }
  RemoteClient client(remote);
  // Newest first (`order=desc`, paging with `before`): --limit keeps the latest entries.
  Json entries = Json::array();
  std::string before;
  long long oldest_seen = -1;
  while (static_cast<int>(entries.size()) < options.limit) {
    const int want = std::min(1000, options.limit - static_cast<int>(entries.size()));
    std::string path = "/v1/audit?order=desc&limit=" + std::to_string(want) + query;
    if (!before.empty()) path += "&before=" + before;
    Json body = client.call("GET", path).json();
    bool progressed = false;
    const long long oldest_before_page = oldest_seen;
    for (auto& e : body.value("entries", Json::array())) {
      const long long id = e.value("id", 0LL);
      // A server that pages only oldest first would send the same page again: stop there.
      if (oldest_before_page >= 0 && id >= oldest_before_page) continue;
      oldest_seen = oldest_seen < 0 ? id : std::min(oldest_seen, id);
      entries.push_back(std::move(e));
      progressed = true;
    }
    const Json next = body.value("next", Json());
    if (next.is_null() || !progressed) break;
    before = scalar_text(next);
  }
  if (print_structured(Json{{"entries", entries}}, remote.output)) return kExitOk;
  Table table({"ID", "TIME", "ACTOR", "ACTION", "TARGET"});
  for (const auto& e : entries) {
    table.add({scalar_text(e.value("id", Json())), short_time(e.value("at", Json())),
               scalar_text(e.value("actor", Json())), scalar_text(e.value("action", Json())),
               scalar_text(e.value("targetKind", Json())) + "/" +
                   scalar_text(e.value("targetKey", Json()))});
  }
  std::fputs(table.str().c_str(), stdout);
  return kExitOk;
}

}  // namespace sluice::app
