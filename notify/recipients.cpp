// Who gets an event: Settings::find and notify::recipients (docs/notifications.md, "Who gets an
// event"). Reading the settings file is settings.cpp.
#include <algorithm>

#include "sluice/notify/settings.hpp"

namespace sluice::notify {

const Target* Settings::find(std::string_view name) const {
  for (const auto& t : targets) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> recipients(const Settings& settings, std::string_view event,
                                    const std::vector<std::string>& policy_targets) {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) != out.end()) return;
    if (const Target* t = settings.find(name)) {
      if (!t->events.empty() &&
          std::find(t->events.begin(), t->events.end(), event) == t->events.end()) {
        return;  // this target does not want this kind of event
      }
    }
    out.push_back(name);
  };
  for (const auto& name : settings.defaults)
    add(name);
  // A target's `events:` list is a subscription: those events of every flag, whether or not the
  // target is in `defaults` or a policy's `notify:` (docs/notifications.md).
  for (const Target& t : settings.targets) {
    if (std::find(t.events.begin(), t.events.end(), event) != t.events.end()) add(t.name);
  }
  for (const auto& name : policy_targets)
    add(name);
  return out;
}

}  // namespace sluice::notify
