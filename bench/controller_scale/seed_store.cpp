// sluice_scale_seed: fills a new store with N flags and M rollouts for the controller scale
// benchmark (bench/run_controller_scale.sh), before `sluice serve` opens it.
//
// Why not the admin API: POST /v1/flags compiles the whole flag set and reloads the snapshot
// (every stored flag parsed again) for each created flag, and POST /v1/rollouts copies the whole
// flag set, so creating 10,000 of each through the API is quadratic (about 15 flags/s at 2,000
// flags on the benchmark machine). This tool takes the same code paths minus HTTP and the
// per-write reload: each flag is read with read_single_flag_json and stored as flag_to_json via
// Store::create_flag (what the API stores), and each rollout is started by
// controller::RolloutService::start (the API's own call: policy checked against its flag,
// initial state, Store::create_rollout). The rollouts are left `pending`; the controller writes
// their start decisions on its first poll.
//
//   sluice_scale_seed --store sqlite:PATH --flags N --rollouts M [--interval 30]
//       [--min-samples 100] [--prefix f]
//
// The flags are `PREFIX0` ... with variants on/off, serving off; rollout k is on flag k, with
// the policy {"flag","treatment":"on","control":"off","interval","min_samples","stages":[5,25,
// 50,100 percent]}.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy_cache.hpp"
#include "rollout_service.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/store/store.hpp"

namespace {

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "sluice_scale_seed: %s\n", why.c_str());
  std::exit(1);
}

long number(const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0) fail(std::string("not a count: ") + text);
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::string store_url;
  std::string prefix = "f";
  long flags = 0;
  long rollouts = 0;
  long interval = 30;
  long min_samples = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--store") {
      store_url = argv[i + 1];
    } else if (arg == "--prefix") {
      prefix = argv[i + 1];
    } else if (arg == "--flags") {
      flags = number(argv[i + 1]);
    } else if (arg == "--rollouts") {
      rollouts = number(argv[i + 1]);
    } else if (arg == "--interval") {
      interval = number(argv[i + 1]);
    } else if (arg == "--min-samples") {
      min_samples = number(argv[i + 1]);
    } else {
      fail("unknown option " + std::string(arg));
    }
  }
  if (argc % 2 == 0) fail("every option takes a value");
  if (store_url.empty()) fail("--store is required");
  if (rollouts > flags) fail("--rollouts must not exceed --flags");

  const auto started = std::chrono::steady_clock::now();
  auto store = sluice::store::open_store(store_url);
  store->migrate();

  std::vector<sluice::FlagDefinition> definitions;
  definitions.reserve(static_cast<std::size_t>(flags));
  for (long i = 0; i < flags; ++i) {
    const std::string key = prefix + std::to_string(i);
    const std::string body = "{\"key\":\"" + key +
                             "\",\"variants\":{\"on\":true,\"off\":false},\"off_variant\":\"off\","
                             "\"default\":{\"variant\":\"off\"}}";
    sluice::LoadResult read = sluice::read_single_flag_json(body);
    if (!read.ok() || read.definitions.flags.size() != 1) fail("flag " + key + " does not read");
    sluice::FlagDefinition& flag = read.definitions.flags.front();
    const auto written =
        store->create_flag(flag.key, sluice::flag_to_json(flag), flag.enabled, "bench-seed");
    if (written.status != sluice::store::WriteStatus::Ok) fail("cannot create flag " + key);
    definitions.push_back(std::move(flag));
  }
  const auto flags_done = std::chrono::steady_clock::now();

  sluice::controller::PolicyCache policies;
  const sluice::FlagDefinition* current = nullptr;
  sluice::controller::RolloutService service(
      *store, policies,
      [&current] {
        sluice::FlagSet set;  // check_policy needs the rollout's own flag
        if (current) set.flags.push_back(*current);
        return set;
      },
      [] { return std::chrono::system_clock::now(); }, nullptr);
  for (long k = 0; k < rollouts; ++k) {
    const std::string key = prefix + std::to_string(k);
    const std::string body =
        "{\"flag\":\"" + key + "\",\"treatment\":\"on\",\"control\":\"off\",\"interval\":\"" +
        std::to_string(interval) + "s\",\"min_samples\":" + std::to_string(min_samples) +
        ",\"stages\":[{\"percent\":5},{\"percent\":25},{\"percent\":50},"
        "{\"percent\":100}]}";
    sluice::PolicyLoadResult read = sluice::read_single_policy_json(body);
    if (!read.ok() || read.policies.size() != 1) {
      fail("policy of " + key + ": " +
           (read.diagnostics.empty() ? "no policy" : read.diagnostics.front().format()));
    }
    current = &definitions[static_cast<std::size_t>(k)];
    const auto outcome = service.start(read.policies.front(), "bench-seed");
    if (outcome.status != sluice::controller::StartOutcome::Status::started) {
      std::string why =
          outcome.problems.empty() ? "not started" : outcome.problems.front().format();
      fail("rollout of " + key + ": " + why);
    }
  }
  const auto done = std::chrono::steady_clock::now();
  using seconds = std::chrono::duration<double>;
  std::fprintf(stderr, "seeded %ld flags in %.1f s and %ld rollouts in %.1f s\n", flags,
               seconds(flags_done - started).count(), rollouts, seconds(done - flags_done).count());
  return 0;
}
