#!/usr/bin/env bash
# Controller scale benchmark (ARCHITECTURE budget: 10,000 active rollouts at a 30 s interval use
# < 10% of one core, and Prometheus queries per tick do not depend on the rollout count).
#
#   bench/run_controller_scale.sh          # build/sluice and build/bench/sluice_synthetic_exporter
#
# It starts, on loopback and random free ports, in a temporary folder:
#   - bench/controller_scale/synthetic_exporter.cpp with EXPORTER_FLAGS flags x 2 variants
#     (http_server_requests_total for status 200 and 500, counters growing at a steady rate);
#   - a real Prometheus (Debian's /usr/bin/prometheus) scraping it every SCRAPE_INTERVAL;
#   - then, for each rollout count in COUNTS: `sluice serve --prometheus-url ...` on a new SQLite
#     store filled by bench/controller_scale/seed_store.cpp with that many flags and pending
#     rollouts (Store::create_flag and RolloutService::start, the API's own calls; through HTTP
#     it would take most of an hour at 10,000, see the file); waits for the controller's start
#     decisions and its first aligned tick, and measures TICKS whole intervals from tick to tick:
#       * sluice's process CPU (utime+stime from /proc/PID/stat) per interval, and in % of one
#         core; the loop's own CPU per tick (sluice_controller_tick_cpu_seconds);
#       * Prometheus queries per tick (sluice_controller_metric_queries_total / ticks_total);
#       * the store write per tick (sluice_controller_tick_store_seconds) and the store
#         operations' time per interval by operation (sluice_store_operation_seconds);
#       * the decisions by kind.
#     For the largest count it also measures IDLE_SECONDS with the flags created but no rollout
#     (the baseline), before starting the rollouts.
# Every process it starts is its own child, stopped by PID on exit; the folder is deleted.
#
# Environment (all optional):
#   SLUICE_BIN=build/sluice  EXPORTER_BIN=build/bench/sluice_synthetic_exporter
#   SEED_BIN=build/bench/sluice_scale_seed
#   COUNTS="100 1000 10000"  INTERVAL=30 (seconds; the policy's interval)  TICKS=3
#   EXPORTER_FLAGS=10000 (series for this many flags, whatever the rollout count)
#   RPS_PER_FLAG=20  TREATMENT_SHARE=0.05  ERROR_RATE=0.01  SCRAPE_INTERVAL=5s
#   MIN_SAMPLES=100  IDLE_SECONDS=$INTERVAL  POLL_MS=1000 (--controller-poll-ms)
#   KEEP=1: keep the temporary folder (logs, store) and print where it is
set -euo pipefail
cd "$(dirname "$0")/.."

SLUICE_BIN=${SLUICE_BIN:-build/sluice}
EXPORTER_BIN=${EXPORTER_BIN:-build/bench/sluice_synthetic_exporter}
SEED_BIN=${SEED_BIN:-build/bench/sluice_scale_seed}
COUNTS=${COUNTS:-"100 1000 10000"}
INTERVAL=${INTERVAL:-30}
TICKS=${TICKS:-3}
EXPORTER_FLAGS=${EXPORTER_FLAGS:-10000}
RPS_PER_FLAG=${RPS_PER_FLAG:-20}
TREATMENT_SHARE=${TREATMENT_SHARE:-0.05}
ERROR_RATE=${ERROR_RATE:-0.01}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-5s}
MIN_SAMPLES=${MIN_SAMPLES:-100}
IDLE_SECONDS=${IDLE_SECONDS:-$INTERVAL}
POLL_MS=${POLL_MS:-1000}
KEEP=${KEEP:-0}
PROMETHEUS=/usr/bin/prometheus
TOKEN=bench

for tool in curl awk "$PROMETHEUS"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps)" >&2; exit 2; }
done
[[ -x $SLUICE_BIN ]] || { echo "no binary at $SLUICE_BIN (run scripts/build)" >&2; exit 2; }
[[ -x $EXPORTER_BIN ]] || { echo "no binary at $EXPORTER_BIN (run scripts/build)" >&2; exit 2; }
[[ -x $SEED_BIN ]] || { echo "no binary at $SEED_BIN (run scripts/build)" >&2; exit 2; }
max_count=0
for n in $COUNTS; do (( n > max_count )) && max_count=$n; done
(( max_count <= EXPORTER_FLAGS )) || { echo "EXPORTER_FLAGS must be >= every count" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ctl-scale.XXXXXX")
# The seed store is written in memory (one transaction per flag and per rollout, each an fsync
# on disk: 90 s for 10,000 of each) and then copied next to the others: the same file.
seed_dir=$work
[[ -d /dev/shm && -w /dev/shm ]] && seed_dir=$(mktemp -d /dev/shm/ctl-scale-seed.XXXXXX)
pids=()
server_pid=
stop_pid() {  # TERM, then KILL after 5 s; only our own children
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  [[ -n $server_pid ]] && stop_pid "$server_pid"
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  [[ $seed_dir != "$work" ]] && rm -rf "$seed_dir"
  if [[ $KEEP == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Copies under other names: on a shared machine, other sessions' clean-ups have run
# `pkill sluice` (see docs/benchmarks.md).
cp "$SLUICE_BIN" "$work/svc-under-bench"
cp "$EXPORTER_BIN" "$work/synthetic-exporter"
cp "$SEED_BIN" "$work/seed-store"
hz=$(getconf CLK_TCK)

free_port() {  # a port nobody listens on now (small race, retried by the callers' checks)
  local p
  for _ in $(seq 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  echo "no free port" >&2; exit 1
}
cpu_ticks() {  # utime + stime of a process, clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null && return 0
  echo "process $1 exited during the run:" >&2; tail -20 "$work"/*.log >&2; exit 1
}
machine_idle() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -r)"
echo "binaries: $SLUICE_BIN ($(stat -c %y "$SLUICE_BIN" | cut -d. -f1)), $EXPORTER_BIN; $($PROMETHEUS --version 2>&1 | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- exporter and Prometheus ------------------------------------------------------------------
exporter_port=
for attempt in 1 2 3; do
  "$work/synthetic-exporter" --flags "$EXPORTER_FLAGS" --listen 127.0.0.1:0 --rps "$RPS_PER_FLAG" \
    --treatment-share "$TREATMENT_SHARE" --error-rate "$ERROR_RATE" 2>"$work/exporter.log" &
  pids+=($!)
  for _ in $(seq 100); do
    exporter_port=$(grep -o 'port [0-9]*' "$work/exporter.log" | head -1 | awk '{print $2}' || true)
    [[ -n $exporter_port ]] && break
    sleep 0.1
  done
  [[ -n $exporter_port ]] && break
done
[[ -n $exporter_port ]] || { echo "exporter did not start:" >&2; cat "$work/exporter.log" >&2; exit 1; }
scrape_bytes=$(curl -fsS "http://127.0.0.1:$exporter_port/metrics" | wc -c)
echo "exporter: $EXPORTER_FLAGS flags x 2 variants x 2 status codes = $((EXPORTER_FLAGS * 4)) series," \
     "$((scrape_bytes / 1024)) KiB per scrape; $RPS_PER_FLAG req/s per flag, treatment share" \
     "$TREATMENT_SHARE, error rate $ERROR_RATE"

mkdir -p "$work/prometheus/data"
cat >"$work/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: $SCRAPE_INTERVAL
  scrape_timeout: $SCRAPE_INTERVAL
scrape_configs:
  - job_name: synthetic
    static_configs:
      - targets: ['127.0.0.1:$exporter_port']
YAML
prom_port=
for attempt in 1 2 3; do
  prom_port=$(free_port)
  "$PROMETHEUS" --config.file="$work/prometheus/prometheus.yml" \
    --storage.tsdb.path="$work/prometheus/data" --web.listen-address="127.0.0.1:$prom_port" \
    >"$work/prometheus.log" 2>&1 &
  prom_pid=$!
  pids+=("$prom_pid")
  for _ in $(seq 200); do
    kill -0 "$prom_pid" 2>/dev/null || break
    curl -fsS "http://127.0.0.1:$prom_port/-/ready" >/dev/null 2>&1 && break 2
    sleep 0.1
  done
  stop_pid "$prom_pid"
  prom_port=
done
[[ -n $prom_port ]] || { echo "Prometheus did not start:" >&2; tail "$work/prometheus.log" >&2; exit 1; }
prom_url="http://127.0.0.1:$prom_port"
# Prometheus 2.42 stores its first samples some seconds after start: wait for a whole window.
count_query="count(increase(http_server_requests_total[${INTERVAL}s]))"
for _ in $(seq $((INTERVAL * 2 + 60))); do
  n=$(curl -fsS "$prom_url/api/v1/query" --data-urlencode "query=$count_query" |
      grep -o '"value":\[[^]]*\]' | grep -o '"[0-9]*"' | tr -d '"' || true)
  [[ -n $n ]] && (( n >= EXPORTER_FLAGS * 4 )) && break
  sleep 1
done
echo "Prometheus: $prom_url, scrape interval $SCRAPE_INTERVAL, ${n:-0} series with data"
echo

# ---- sluice ------------------------------------------------------------------------------------
port=
start_server() {  # $1 = label
  local log="$work/sluice.$1.log"
  SLUICE_ADMIN_TOKEN=$TOKEN "$work/svc-under-bench" serve --listen 127.0.0.1:0 \
    --store "sqlite:$work/s.db" --prometheus-url "$prom_url" --controller-poll-ms "$POLL_MS" \
    2>"$log" &
  server_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(grep -o 'port [0-9]*' "$log" | head -1 | awk '{print $2}' || true)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "sluice did not start:" >&2; cat "$log" >&2; exit 1; }
  for _ in $(seq 600); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "sluice not ready" >&2; exit 1
}
stop_server() { [[ -n $server_pid ]] && stop_pid "$server_pid"; server_pid=; }

metrics() { curl -fsS "http://127.0.0.1:$port/metrics"; }
# The value of one series of /metrics (sum over lines that start with the given text); 0 if none.
metric() { awk -v m="$2" 'index($0, m) == 1 { s += $NF } END { printf "%.6f\n", s + 0 }' "$1"; }

seed() {  # $1 flags, $2 rollouts: a new store at $work/s.db
  rm -f "$work"/s.db* "$seed_dir"/s.db*
  "$work/seed-store" --store "sqlite:$seed_dir/s.db" --flags "$1" --rollouts "$2" \
    --interval "$INTERVAL" --min-samples "$MIN_SAMPLES" 2>&1 | sed 's/^/  /'
  [[ $seed_dir == "$work" ]] || { cp "$seed_dir"/s.db* "$work/"; rm -f "$seed_dir"/s.db*; }
}

wait_for() {  # $1 = metric prefix, $2 = value, $3 = timeout s: until /metrics shows >= value
  local deadline=$((SECONDS + $3)) v
  while (( SECONDS < deadline )); do
    metrics >"$work/m.now"
    v=$(metric "$work/m.now" "$1")
    awk -v v="$v" -v want="$2" 'BEGIN { exit !(v >= want) }' && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "sluice exited" >&2; tail "$work"/sluice.*.log >&2; exit 1; }
    sleep 0.2
  done
  echo "timed out waiting for $1 >= $2 (at $v)" >&2; exit 1
}

snapshot() {  # $1 = name: /metrics and the process CPU at this moment
  metrics >"$work/m.$1"
  cpu_ticks "$server_pid" >"$work/cpu.$1"
  date +%s.%N >"$work/t.$1"
  machine_idle >"$work/idle.$1"
}
delta() { awk -v a="$(metric "$work/m.$1" "$3")" -v b="$(metric "$work/m.$2" "$3")" 'BEGIN { printf "%.6f\n", b - a }'; }

rows=()
baseline_row=

measure_idle() {  # $1 = label, over IDLE_SECONDS
  snapshot idle0; sleep "$IDLE_SECONDS"; snapshot idle1
  local cpu wall
  cpu=$(( $(cat "$work/cpu.idle1") - $(cat "$work/cpu.idle0") ))
  wall=$(awk -v a="$(cat "$work/t.idle0")" -v b="$(cat "$work/t.idle1")" 'BEGIN { print b - a }')
  baseline_row=$(awk -v c="$cpu" -v hz="$hz" -v w="$wall" -v l="$1" -v i="$INTERVAL" 'BEGIN {
    printf "| %s | %.3f s over %.0f s | %.2f%% | %.3f s |", l, c / hz, w, 100 * c / hz / w, c / hz / w * i }')
  echo "idle ($1): $baseline_row"
}

run_count() {  # $1 = number of rollouts
  local n=$1 started elapsed
  echo "== $n rollouts (interval ${INTERVAL}s) =="
  if (( n == max_count )); then
    seed "$n" 0
    start_server "idle"
    sleep 5  # the first snapshot load
    measure_idle "$n flags, no rollout"
    stop_server
  fi
  seed "$n" "$n"
  started=$(date +%s.%N)
  start_server "$n"
  wait_for 'sluice_controller_decisions_total{kind="start"}' "$n" 300
  echo "  sluice up and all $n start decisions written after $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

  # The first tick after the next aligned boundary, then TICKS more: whole intervals, tick to tick.
  metrics >"$work/m.now"
  local ticks
  ticks=$(metric "$work/m.now" sluice_controller_ticks_total)
  wait_for sluice_controller_ticks_total "$(awk -v t="$ticks" 'BEGIN { print t + 1 }')" $((INTERVAL * 2 + 60))
  snapshot t0
  local k
  for k in $(seq "$TICKS"); do
    wait_for sluice_controller_ticks_total "$(awk -v t="$(metric "$work/m.t$((k - 1))" sluice_controller_ticks_total)" 'BEGIN { print t + 1 }')" $((INTERVAL * 2 + 60))
    snapshot "t$k"
  done
  local last="t$TICKS" cpu wall nticks queries due tick_cpu store_s idle0 idle1
  cpu=$(( $(cat "$work/cpu.$last") - $(cat "$work/cpu.t0") ))
  wall=$(awk -v a="$(cat "$work/t.t0")" -v b="$(cat "$work/t.$last")" 'BEGIN { print b - a }')
  nticks=$(delta t0 "$last" sluice_controller_ticks_total)
  queries=$(delta t0 "$last" sluice_controller_metric_queries_total)
  due=$(metric "$work/m.$last" sluice_controller_rollouts_due)
  tick_cpu=$(delta t0 "$last" sluice_controller_tick_cpu_seconds_sum)
  store_s=$(delta t0 "$last" sluice_controller_tick_store_seconds_sum)
  local store_ops
  store_ops=$(awk -v t="$nticks" '
    FNR == 1 { f++ }
    /^sluice_store_operation_seconds_sum/ {
      match($0, /operation="[^"]*"/); op = substr($0, RSTART + 11, RLENGTH - 12)
      if (f == 1) a[op] = $NF; else b[op] = $NF
    }
    END { for (op in b) { d = (b[op] - a[op]) / t; if (d >= 0.0005) printf "%s %.3f s; ", op, d } }' \
    "$work/m.t0" "$work/m.$last")
  local kinds
  kinds=$(awk '
    FNR == 1 { f++ }
    /^sluice_controller_decisions_total\{/ {
      match($0, /kind="[^"]*"/); k = substr($0, RSTART + 6, RLENGTH - 7)
      if (f == 1) a[k] = $NF; else b[k] = $NF
    }
    END { for (k in b) if (b[k] - a[k] > 0) printf "%s %d, ", k, b[k] - a[k] }' "$work/m.t0" "$work/m.$last")
  read -r idle0 _ <"$work/idle.t0"; read -r idle1 _ <"$work/idle.$last"
  local row
  row=$(awk -v n="$n" -v c="$cpu" -v hz="$hz" -v w="$wall" -v t="$nticks" -v q="$queries" \
            -v due="$due" -v tc="$tick_cpu" -v st="$store_s" -v i="$INTERVAL" \
            -v idle=$((idle1 - idle0)) -v cores="$(nproc)" 'BEGIN {
    per = c / hz / t
    printf "| %d | %d | %.0f | %.1f | %.3f s | %.2f%% | %.3f s | %.3f s | %.0f%% |", \
      n, t, due, q / t, per, 100 * per / i, tc / t, st / t, 100 * idle / hz / w / cores }')
  rows+=("$row")
  echo "$row"
  echo "  wall $wall s for $nticks ticks; decisions: ${kinds%, }"
  echo "  store operations per interval (sum of sluice_store_operation_seconds): ${store_ops:-none}"
  stop_server
  if grep -v ' info ' "$work/sluice.$n.log" | grep -q .; then
    echo "  sluice warnings/errors:"; grep -v ' info ' "$work/sluice.$n.log" | head -5 | sed 's/^/    /'
  fi
  echo
}

for n in $COUNTS; do run_count "$n"; done

echo "== summary (interval ${INTERVAL}s, $TICKS intervals per row, poll ${POLL_MS} ms) =="
echo "| rollouts | intervals measured | rollouts due per tick | Prometheus queries per tick | sluice CPU per interval | % of one core | loop CPU per tick (tick_cpu_seconds) | store write per tick | machine idle |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for row in "${rows[@]}"; do echo "$row"; done
if [[ -n $baseline_row ]]; then
  echo
  echo "| baseline | sluice CPU | % of one core | per ${INTERVAL} s |"
  echo "| --- | --- | --- | --- |"
  echo "$baseline_row"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
