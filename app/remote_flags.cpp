// `sluice flags list|get|kill|revive|apply|diff`: flags and segments on a server.

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "commands.hpp"
#include "flag_file_compiler.hpp"
#include "remote_commands.hpp"
#include "remote_diff.hpp"
#include "remote_output.hpp"
#include "remote_served.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/snapshot.hpp"

namespace sluice::app {
namespace {

// The file's flags with every prerequisite before the flags that need it (depth first, in file
// order otherwise): the server checks each write against what it already holds, so a new flag
// whose new prerequisite came later in the file would be refused. Cycles were refused when the
// file was compiled.
std::vector<const FlagDefinition*> prerequisites_first(const std::vector<FlagDefinition>& flags) {
  std::map<std::string, const FlagDefinition*> by_key;
  for (const auto& flag : flags)
    by_key.emplace(flag.key, &flag);
  std::vector<const FlagDefinition*> ordered;
  std::set<std::string> placed;
  std::function<void(const FlagDefinition&)> place = [&](const FlagDefinition& flag) {
    if (!placed.insert(flag.key).second) return;
    for (const auto& prerequisite : flag.prerequisites) {
      if (auto it = by_key.find(prerequisite.flag); it != by_key.end()) place(*it->second);
    }
    ordered.push_back(&flag);
  };
  for (const auto& flag : flags)
    place(flag);
  return ordered;
}

using Json = nlohmann::ordered_json;

std::string tags_text(const Json& tags) {
  std::string text;
  if (!tags.is_array()) return "-";
  for (const auto& tag : tags)
    text += (text.empty() ? "" : ",") + scalar_text(tag);
  return text.empty() ? "-" : text;
}

// One definition of the file, as the server would hold it.
struct Item {
  std::string kind;  // flag | segment
  std::string key;
  std::string collection;  // /v1/flags | /v1/segments
  Json local;
};

// The server's definition in the same normal form as the file's (read back and written again, so
// key order and defaults match), without the runtime `enabled`: the kill switch is not part of
// what a file changes.
Json normalised(const Item& item, const std::string& body) {
  LoadResult read =
      item.kind == "flag" ? read_single_flag_json(body) : read_single_segment_json(body);
  Json json;
  if (read.ok() && item.kind == "flag" && read.definitions.flags.size() == 1) {
    json = Json::parse(flag_to_json(read.definitions.flags.front()));
  } else if (read.ok() && item.kind == "segment" && read.definitions.segments.size() == 1) {
    json = Json::parse(segment_to_json(read.definitions.segments.front()));
  } else {
    json = Json::parse(body, nullptr, false);
  }
  if (json.is_object()) json.erase("enabled");
  return json;
}

// The file's definitions when they compile together with the server's: a flag file may use a
// segment or a prerequisite flag that lives on the server only. The file's definitions replace
// the server's of the same key. Problems are those of the combined set, so the file's keep their
// `file:line:column`.
std::optional<FlagSet> check_against_server(const RemoteClient& client, FlagSet file_definitions,
                                            Diagnostics& problems) {
  FlagSet combined = file_definitions;
  auto in_file = [](const auto& list, const std::string& key) {
    return std::any_of(list.begin(), list.end(), [&](const auto& d) { return d.key == key; });
  };
  const Json flags = client.call("GET", "/v1/flags").json();
  for (const auto& item : flags.value("flags", Json::array())) {
    const std::string key = item.value("key", std::string());
    if (in_file(file_definitions.flags, key)) continue;
    LoadResult read = read_single_flag_json(item.value("definition", Json()).dump());
    for (auto& flag : read.definitions.flags)
      combined.flags.push_back(std::move(flag));
  }
  const Json segments = client.call("GET", "/v1/segments").json();
  for (const auto& item : segments.value("segments", Json::array())) {
    const std::string key = item.value("key", std::string());
    if (in_file(file_definitions.segments, key)) continue;
    LoadResult read = read_single_segment_json(item.value("definition", Json()).dump());
    for (auto& segment : read.definitions.segments)
      combined.segments.push_back(std::move(segment));
  }
  CompileResult compiled = compile_snapshot(std::move(combined));
  if (!compiled.snapshot) {
    problems = std::move(compiled.diagnostics);
    return std::nullopt;
  }
  return file_definitions;
}

}  // namespace

int run_flags_list(const RemoteOptions& remote, const FlagsListOptions& options) {
  RemoteClient client(remote);
  std::string query;
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"tag", options.tag},
                                    {"kind", options.kind},
                                    {"owner", options.owner}}) {
    if (!value.empty()) query += (query.empty() ? "?" : "&") + name + "=" + url_escape(value);
  }
  Json body = client.call("GET", "/v1/flags" + query).json();
  Json flags = Json::array();
  for (const auto& flag : body.value("flags", Json::array())) {
    if (options.stale && !flag.value("stale", false)) continue;
    flags.push_back(flag);
  }
  if (remote.output == "name") {
    for (const auto& flag : flags)
      std::printf("%s\n", scalar_text(flag["key"]).c_str());
    return kExitOk;
  }
  body["flags"] = flags;
  if (print_structured(body, remote.output)) return kExitOk;
  Table table({"KEY", "STATE", "KIND", "SERVING", "OWNER", "TAGS", "VERSION", "UPDATED", "BY"});
  for (const auto& flag : flags) {
    const Json definition = flag.value("definition", Json::object());
    std::string state = flag.value("enabled", true) ? "on" : "killed";
    if (flag.value("stale", false)) state += ",stale";
    table.add(
        {scalar_text(flag["key"]), state, definition.value("kind", std::string("release")),
         flag.value("served", Json::object()).value("text", std::string("-")),
         definition.value("owner", std::string("-")), tags_text(definition.value("tags", Json())),
         scalar_text(flag.value("version", Json())), scalar_text(flag.value("updatedAt", Json())),
         scalar_text(flag.value("updatedBy", Json()))});
  }
  if (table.size() == 0) {
    std::fprintf(stderr, "no flags\n");
    return kExitOk;
  }
  std::fputs(table.str().c_str(), stdout);
  return kExitOk;
}

int run_flags_get(const RemoteOptions& remote, const std::string& key) {
  RemoteClient client(remote);
  const RemoteResponse response = client.call("GET", "/v1/flags/" + url_escape(key));
  const Json body = response.json();
  if (remote.output == "name") {
    std::printf("%s\n", scalar_text(body.value("key", Json())).c_str());
    return kExitOk;
  }
  if (print_structured(body, remote.output)) return kExitOk;
  std::string version = response.headers.count("etag") ? response.headers.at("etag") : "";
  version.erase(std::remove(version.begin(), version.end(), '"'), version.end());
  std::printf("# %s: %s, version %s\n", key.c_str(),
              body.value("enabled", true) ? "on" : "killed (off variant served to everyone)",
              version.empty() ? "?" : version.c_str());
  // What is served may differ from the definition's default: a rollout's split or outcome.
  const Json served = fetch_served(client, key);
  if (served.is_object()) {
    const Json view = served.value("served", Json::object());
    std::printf("# serving: %s\n", view.value("text", std::string("-")).c_str());
    const Json drift = served.value("drift", Json());
    if (drift.is_object())
      std::printf("# drift: %s\n", drift.value("message", std::string()).c_str());
  }
  std::fputs(json_to_yaml(body).c_str(), stdout);
  return kExitOk;
}

int run_flags_set_enabled(const RemoteOptions& remote, const std::string& key,
                          const std::string& reason, bool enabled) {
  RemoteClient client(remote);
  Json request = Json::object();
  if (!reason.empty()) request["reason"] = reason;
  const Json body =
      client
          .call("POST", "/v1/flags/" + url_escape(key) + (enabled ? "/revive" : "/kill"),
                request.dump())
          .json();
  if (print_structured(body, remote.output)) return kExitOk;
  std::printf(
      "flag/%s %s (version %s)\n", key.c_str(),
      enabled ? "revived: its rules serve again" : "killed: its off variant is served to everyone",
      scalar_text(body.value("version", Json())).c_str());
  return kExitOk;
}

int run_flags_apply(const RemoteOptions& remote, const std::string& file, bool diff_only,
                    bool override_rollout) {
  const int invalid = diff_only ? kExitBadFile : kExitInvalid;
  RemoteClient client(remote);
  CompiledFlagFiles loaded = compile_flag_files({file});
  FlagSet definitions;
  if (loaded.snapshot) {
    definitions = loaded.snapshot->definitions();
  } else {
    // Shape problems are the file's alone; meaning problems may be references to definitions
    // on the server.
    LoadResult read = load_flag_paths({file});
    std::optional<FlagSet> checked;
    if (read.ok()) {
      try {
        checked = check_against_server(client, std::move(read.definitions), loaded.diagnostics);
      } catch (const RemoteError& e) {
        std::fprintf(stderr, "sluice: the file uses definitions it does not hold, and %s\n",
                     e.what());
      }
    }
    if (!checked) {
      print_local_problems(std::move(loaded.diagnostics));
      return invalid;
    }
    definitions = std::move(*checked);
  }
  // Segments first: the flags of the same file may use them; prerequisites before their flags.
  std::vector<Item> items;
  for (const auto& segment : definitions.segments)
    items.push_back(
        {"segment", segment.key, "/v1/segments", Json::parse(segment_to_json(segment))});
  for (const FlagDefinition* flag : prerequisites_first(definitions.flags))
    items.push_back({"flag", flag->key, "/v1/flags", Json::parse(flag_to_json(*flag))});

  int exit_code = kExitOk;
  bool different = false;
  Json results = Json::array();
  for (const Item& item : items) {
    const std::string path = item.collection + "/" + url_escape(item.key);
    const std::string name = item.kind + "/" + item.key;
    try {
      const RemoteResponse current = client.call("GET", path, {}, {}, {404});
      const bool exists = current.status != 404;
      Json live = exists ? normalised(item, current.body) : Json();
      Json wanted = item.local;
      wanted.erase("enabled");
      const bool same = exists && live == wanted;
      // A finished rollout's outcome serves other than the file's default: the file is stale.
      std::optional<std::string> drift;
      if (exists && item.kind == "flag")
        drift = drift_text(fetch_served(client, item.key), item.local.value("default", Json()));
      if (diff_only) {
        if (same && !drift) continue;
        different = true;
        if (drift) std::printf("%s: %s\n", name.c_str(), drift->c_str());
        if (same) continue;
        const std::string text =
            unified_diff(exists ? json_to_yaml(live) : "", json_to_yaml(wanted),
                         "server: " + name + (exists ? "" : " (absent)"), file + ": " + name);
        std::fputs(text.c_str(), stdout);
        continue;
      }
      std::string result = "unchanged";
      if (!exists) {
        client.call("POST", item.collection, item.local.dump());
        result = "created";
      } else if (!same) {
        std::map<std::string, std::string> headers;
        if (auto etag = current.headers.find("etag"); etag != current.headers.end())
          headers["If-Match"] = etag->second;
        client.call("PUT", path + (override_rollout ? "?override_rollout=true" : ""),
                    item.local.dump(), headers);
        result = "updated";
      }
      // The write kept the outcome (it did not change the default, or nothing changed).
      if (drift && !override_rollout)
        std::fprintf(stderr, "sluice: %s: %s\n", name.c_str(), drift->c_str());
      results.push_back({{"kind", item.kind}, {"key", item.key}, {"result", result}});
      if (remote.output.empty()) std::printf("%s %s\n", name.c_str(), result.c_str());
    } catch (const RemoteError& e) {
      // The rest of the file is still applied; the exit code says something failed.
      if (e.exit_code() == kExitUnreachable) throw;
      std::fprintf(stderr, "sluice: %s: %s\n", name.c_str(), e.what());
      results.push_back(
          {{"kind", item.kind}, {"key", item.key}, {"result", "failed"}, {"error", e.what()}});
      if (remote.output.empty()) std::printf("%s failed\n", name.c_str());
      if (exit_code == kExitOk) exit_code = e.exit_code();
    }
  }
  if (diff_only) {
    if (exit_code != kExitOk) return exit_code;
    return different ? kExitDifferent : kExitOk;
  }
  print_structured(Json{{"results", results}}, remote.output);
  return exit_code;
}

}  // namespace sluice::app
