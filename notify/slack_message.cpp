// Slack Block Kit for one event: what happened, to which flag, why, and the numbers behind it,
// readable at a glance in a channel.
#include "sluice/notify/slack_message.hpp"

#include <cmath>
#include <cstdio>

#include "event_payload.hpp"
#include "sluice/notify/events.hpp"

namespace sluice::notify {
namespace {

using nlohmann::json;

std::string printf_number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// 12345 -> "12,345": sample counts are read, not parsed.
std::string thousands(double value) {
  std::string digits = printf_number("%.0f", value);
  std::string out;
  const std::size_t start = digits.starts_with('-') ? 1 : 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The judge's values: error rates are fractions, latencies seconds (Prometheus histograms).
std::string check_value(const std::string& check, const json& value) {
  if (!value.is_number()) return "n/a";
  const double v = value.get<double>();
  if (check == "error_rate") return printf_number("%.2f%%", v * 100);
  if (check.starts_with("latency_")) return printf_number("%.0f ms", v * 1000);
  return printf_number("%.4g", v);
}

std::string check_label(const std::string& check) {
  if (check == "error_rate") return "Error rate";
  if (check.starts_with("latency_p")) return check.substr(8);  // "p95"
  if (check == "sample_ratio") return "Sample ratio";
  if (check.starts_with("custom:")) return check.substr(7);
  return check;
}

// "progressing, stage 2, 25%"
std::string position(const json& side) {
  if (!side.is_object()) return "";
  std::string out = detail::string_at(side, "phase");
  if (auto stage = side.find("stage");
      stage != side.end() && stage->is_number_integer() && stage->get<std::int64_t>() > 0) {
    out += ", stage " + std::to_string(stage->get<std::int64_t>());
  }
  if (auto percent = side.find("percent"); percent != side.end() && percent->is_number()) {
    out += ", " + printf_number("%g", percent->get<double>()) + "%";
  }
  return out;
}

// Slack's mrkdwn treats &, < and > as markup.
std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string clip(std::string text, std::size_t limit) {
  if (text.size() > limit) text = text.substr(0, limit - 3) + "...";
  return text;
}

}  // namespace

std::string slack_message(const store::OutboxRecord& row, const std::string& dashboard_url) {
  const detail::EventPayload p = detail::read_payload(row);
  const std::string headline = event_title(row.event_kind) + " " + row.flag;
  json blocks = json::array();
  // Slack rejects a header longer than 150 characters.
  blocks.push_back(
      {{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", clip(headline, 150)}}}});

  const std::string sentence = detail::string_at(p.decision, "sentence");
  if (!sentence.empty()) {
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", clip(escape(sentence), 2900)}}}});
  }

  if (p.decision.is_object()) {
    const std::string from = position(p.decision.value("from", json()));
    const std::string to = position(p.decision.value("to", json()));
    if (!from.empty() || !to.empty()) {
      blocks.push_back({{"type", "section"},
                        {"fields",
                         {{{"type", "mrkdwn"}, {"text", "*From*\n" + escape(from)}},
                          {{"type", "mrkdwn"}, {"text", "*To*\n" + escape(to)}}}}});
    }
    // Per check: treatment against control, with the samples behind each.
    const json evidence = p.decision.value("evidence", json());
    if (evidence.is_object() && evidence.contains("checks") && evidence["checks"].is_array()) {
      std::string lines;
      for (const json& c : evidence["checks"]) {
        const std::string check = detail::string_at(c, "check");
        if (check.empty() || check == "sample_ratio") continue;
        std::string line = "*" + escape(check_label(check)) + "*: treatment " +
                           check_value(check, c.value("treatment", json())) + " vs control " +
                           check_value(check, c.value("control", json()));
        const json ts = c.value("treatment_samples", json());
        const json cs = c.value("control_samples", json());
        if (ts.is_number() && cs.is_number()) {
          line += " (samples " + thousands(ts.get<double>()) + " / " + thousands(cs.get<double>()) +
                  ")";
        }
        const std::string verdict = detail::string_at(c, "verdict");
        if (!verdict.empty()) line += " — " + escape(verdict);
        lines += (lines.empty() ? "" : "\n") + line;
        if (lines.size() > 2500) break;  // Slack's limit for a section is 3000 characters
      }
      if (!lines.empty()) {
        blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", lines}}}});
      }
    }
  }

  std::string who = p.actor.empty() ? "" : "By " + escape(p.actor);
  if (!p.reason.empty()) {
    who += (who.empty() ? "Reason: " : " — reason: ") + escape(clip(p.reason, 500));
  }
  if (!p.occurred_at.empty()) who += (who.empty() ? "" : " · ") + p.occurred_at;
  if (!who.empty()) {
    blocks.push_back({{"type", "context"}, {"elements", {{{"type", "mrkdwn"}, {"text", who}}}}});
  }

  const std::string link = detail::dashboard_link(dashboard_url, row);
  if (!link.empty()) {
    const std::string label = is_flag_event(row.event_kind) ? "Open flag" : "Open rollout";
    blocks.push_back({{"type", "actions"},
                      {"elements",
                       {{{"type", "button"},
                         {"text", {{"type", "plain_text"}, {"text", label}}},
                         {"url", link}}}}});
  }

  // The fallback: what a phone notification and a client without blocks show.
  std::string text = headline;
  if (!sentence.empty()) text += ": " + sentence;
  json message{{"text", clip(text, 3000)}, {"blocks", blocks}};
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sluice::notify
