#!/usr/bin/env python3
"""Generates the sample deployment history (docs/history.md): 40 healthy rollouts that completed
and 6 that went wrong, as history.csv. Deterministic (seeded); run from this folder:
    python3 generate.py [--json FILE]
Only the CSV is kept here: `sluice validate examples` reads every .json file under examples/ as
flag or policy definitions. `--json FILE` also writes the JSON form (or: sluice history export).
"""
import csv
import json
import math
import random
import sys

rng = random.Random(5)
FLAGS = ["checkout", "search", "new-pdf-engine", "cart", "redesigned-dashboard", "recommendations"]
STAGES = [5, 25, 50, 100]
CANONICAL = ["error_rate_ratio", "error_rate_diff", "error_rate_z", "latency_p95_ratio",
             "latency_p50_ratio", "treatment_share", "log_requests", "time_in_stage_intervals"]


def stage_features(percent, bad, base_error, rps):
    requests = rps * 600 * percent / 100 * rng.uniform(0.9, 1.1)
    control_requests = rps * 600 * (100 - percent) / 100 if percent < 100 else requests
    error_ratio = rng.gauss(2.6, 0.4) if bad == "errors" else rng.gauss(1.0, 0.06)
    p95 = rng.gauss(1.35, 0.05) if bad == "latency" else rng.gauss(1.0, 0.025)
    p50 = rng.gauss(1.15, 0.03) if bad == "latency" else rng.gauss(1.0, 0.015)
    treatment_rate = base_error * error_ratio
    diff = treatment_rate - base_error
    se = math.sqrt(treatment_rate * (1 - treatment_rate) / requests +
                   base_error * (1 - base_error) / control_requests)
    return {
        "error_rate_ratio": round(error_ratio, 4),
        "error_rate_diff": round(diff, 6),
        "error_rate_z": round(diff / se, 3),
        "latency_p95_ratio": round(p95, 4),
        "latency_p50_ratio": round(p50, 4),
        "treatment_share": round(percent / 100 * rng.uniform(0.985, 1.015), 4),
        "log_requests": round(math.log10(1 + requests), 4),
        "time_in_stage_intervals": 10 if not bad else rng.choice([3, 4, 5]),
    }


def rollout(n, start, outcome, bad):
    flag = FLAGS[n % len(FLAGS)]
    base_error = rng.choice([0.002, 0.005, 0.01, 0.02])
    rps = rng.choice([20, 50, 100, 400])
    stages = []
    last = len(STAGES) if outcome == "completed" else rng.choice([1, 2])
    for i, percent in enumerate(STAGES[:last]):
        stage_bad = bad if i == last - 1 else None  # the regression shows where it stopped
        stages.append({"stage": i + 1, "percent": percent,
                       "features": stage_features(percent, stage_bad, base_error, rps)})
    minutes = 10 * len(stages) + rng.randint(0, 20)
    finished = start + minutes * 60
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    import time
    return {"id": f"deploy-{n:03d}", "flag": flag, "outcome": outcome,
            "started_at": time.strftime(fmt, time.gmtime(start)),
            "finished_at": time.strftime(fmt, time.gmtime(finished)),
            "stages": stages}


def main():
    start = 1790000000  # 2026-09-21
    bad = {7: ("rolled_back_auto", "errors"), 13: ("rolled_back_auto", "latency"),
           21: ("rolled_back_manual", "errors"), 29: ("rolled_back_auto", "errors"),
           37: ("aborted", "latency"), 43: ("rolled_back_auto", "errors")}
    rollouts = []
    for n in range(1, 47):
        outcome, kind = bad.get(n, ("completed", None))
        rollouts.append(rollout(n, start, outcome, kind))
        start += rng.randint(3, 30) * 3600
    if len(sys.argv) == 3 and sys.argv[1] == "--json":
        with open(sys.argv[2], "w") as out:
            json.dump({"schema_version": 1, "rollouts": rollouts}, out, indent=2)
            out.write("\n")
    with open("history.csv", "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "flag", "outcome", "started_at", "finished_at", "stage", "percent"] +
                        CANONICAL)
        for r in rollouts:
            for s in r["stages"]:
                writer.writerow([r["id"], r["flag"], r["outcome"], r["started_at"],
                                 r["finished_at"], s["stage"], s["percent"]] +
                                [s["features"][name] for name in CANONICAL])


if __name__ == "__main__":
    main()
