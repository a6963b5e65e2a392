#!/usr/bin/env bash
# Server benchmarks, end to end (about 2.5 minutes with the defaults):
#   1. OFREP single-flag evaluation over HTTP keep-alive, measured with wrk
#      (server threads 1 and 2; 16, 64 and 256 connections; one wrk thread).
#   2. Kill-switch propagation to 1,000 Server-Sent Events subscribers (bench/sse_fanout.mjs).
#
#   bench/run_server_benchmarks.sh            # uses build/sluice (scripts/build first)
#
# Environment (all optional):
#   SLUICE_BIN=path        the binary (default build/sluice); it is copied to the temp folder
#                          first, so a rebuild during the run cannot swap it. The copy is named
#                          `svc-under-bench`: on a shared machine other sessions' clean-ups ran
#                          `pkill sluice` and ended benchmark servers mid-run.
#   WRK_DURATION=15s       per wrk run          WRK_WARMUP=2s   once per server start
#   WRK_THREADS_LIST="1 2" server --threads     WRK_CONNS="16 64 256"
#   SSE_SUBSCRIBERS=1000   SSE_ROUNDS=20        SSE_THREADS=2   SSE_PAUSE_MS=200
#   QUIET_WAIT=0           before each measurement, wait up to this many seconds for the
#                          machine to be >= 90% idle over one second (0: do not wait)
#
# Loopback only. The load generators run on the same machine as the server and share its cores;
# every wrk row prints the CPU the server, wrk and everything else used during that run.
set -euo pipefail
cd "$(dirname "$0")/.."

SLUICE_BIN=${SLUICE_BIN:-build/sluice}
WRK_DURATION=${WRK_DURATION:-15s}
WRK_WARMUP=${WRK_WARMUP:-2s}
WRK_THREADS_LIST=${WRK_THREADS_LIST:-"1 2"}
WRK_CONNS=${WRK_CONNS:-"16 64 256"}
SSE_SUBSCRIBERS=${SSE_SUBSCRIBERS:-1000}
SSE_ROUNDS=${SSE_ROUNDS:-20}
SSE_THREADS=${SSE_THREADS:-2}
SSE_PAUSE_MS=${SSE_PAUSE_MS:-200}
QUIET_WAIT=${QUIET_WAIT:-0}
TOKEN=bench

for tool in wrk node /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[[ -x $SLUICE_BIN ]] || { echo "no binary at $SLUICE_BIN (run scripts/build)" >&2; exit 2; }

# 1,000 streams need 1,000 descriptors on each side (the client and the server are our children).
if (( $(ulimit -n) < 8192 )); then ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/svc-bench.XXXXXX")
server_pid=
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

cp "$SLUICE_BIN" "$work/svc-under-bench"

port=
starts=0
start_server() {  # $1 = --threads
  starts=$((starts + 1))
  local log="$work/server.$starts.log"
  rm -f "$work"/s.db*
  : >"$log"
  SLUICE_ADMIN_TOKEN=$TOKEN "$work/svc-under-bench" serve --listen 127.0.0.1:0 --store "sqlite:$work/s.db" \
    --flags-dir examples/flags --threads "$1" 2>"$log" &
  server_pid=$!
  port=
  for _ in $(seq 100); do  # "listening on 127.0.0.1:0 (port P)"
    port=$(grep -o 'port [0-9]*' "$log" | head -1 | awk '{print $2}' || true)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "server did not start:" >&2; cat "$log" >&2; exit 1; }
  for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server not ready" >&2; exit 1
}

ticks() {  # utime + stime of the server, clock ticks; stops the run if the server is gone
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null && return 0
  echo "the server (pid $1) exited during the run:" >&2; tail -5 "$work"/server.*.log >&2; exit 1
}
# /proc/stat: user+nice+system (processes), irq+softirq (loopback TCP is mostly softirq), steal,
# idle+iowait, in clock ticks summed over all cores.
cpu_split() { awk '/^cpu /{print $2+$3+$4, $7+$8, $9, $5+$6}' /proc/stat; }
hz=$(getconf CLK_TCK)

wait_quiet() {
  (( QUIET_WAIT > 0 )) || return 0
  local deadline=$((SECONDS + QUIET_WAIT)) p1 q1 s1 i1 p2 q2 s2 i2
  while (( SECONDS < deadline )); do
    read -r p1 q1 s1 i1 < <(cpu_split); sleep 1; read -r p2 q2 s2 i2 < <(cpu_split)
    (( 100 * (i2 - i1) >= 90 * (p2 - p1 + q2 - q1 + s2 - s1 + i2 - i1) )) && return 0
  done
  echo "(machine still busy after ${QUIET_WAIT} s; measuring anyway)"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(uname -r)"
echo "binary: $SLUICE_BIN ($(stat -c %y "$SLUICE_BIN" | cut -d. -f1)); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); node $(node --version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- 1. OFREP over keep-alive ----------------------------------------------------------------
results=()
run_wrk() {  # $1 threads, $2 connections, $3 script name
  local before_server after_server out b_proc b_irq b_steal b_idle a_proc a_irq a_steal a_idle
  wait_quiet
  before_server=$(ticks "$server_pid")
  read -r b_proc b_irq b_steal b_idle < <(cpu_split)
  out=$(/usr/bin/time -f 'WRKCPU %U %S %e' wrk -t1 -c"$2" -d"$WRK_DURATION" --latency \
          -s "bench/wrk/$3.lua" "http://127.0.0.1:$port" 2>&1)
  after_server=$(ticks "$server_pid")
  read -r a_proc a_irq a_steal a_idle < <(cpu_split)
  local line cpu
  line=$(grep '^SLUICE_WRK' <<<"$out")
  cpu=$(grep '^WRKCPU' <<<"$out")
  # CPU in % of one core over the run: server, wrk, and everything else on the machine.
  local row
  row=$(awk -v line="$line" -v cpu="$cpu" -v t="$1" -v c="$2" -v s="$3" -v hz="$hz" \
            -v ds=$((after_server - before_server)) -v dp=$((a_proc - b_proc)) \
            -v dq=$((a_irq - b_irq)) -v dst=$((a_steal - b_steal)) -v di=$((a_idle - b_idle)) \
            -v cores="$(nproc)" 'BEGIN {
    n = split(line, kv, " ")
    for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
    split(cpu, w, " ")
    wall = w[4]; server = 100 * ds / hz / wall; wrkc = 100 * (w[2] + w[3]) / wall
    all = dp + dq + dst + di; scale = cores * 100 / all
    other = dp * scale - server - wrkc; if (other < 0) other = 0
    errors = v["non2xx"] + v["connect_err"] + v["read_err"] + v["write_err"] + v["timeout_err"]
    printf "| %s | %d | %d | %s | %.2f | %.2f | %.2f | %d | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% |", \
      s, t, c, v["rps"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000, errors, \
      server, wrkc, dq * scale, dst * scale, other, di * scale
  }')
  results+=("$row")
  echo "$row"
}

echo "== OFREP single-flag evaluation, wrk -t1 -d$WRK_DURATION (one wrk thread on the same 2 cores) =="
echo "| script | server threads | connections | req/s | p50 ms | p99 ms | max ms | errors | server | wrk | irq+softirq | steal | other processes | idle |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for threads in $WRK_THREADS_LIST; do
  start_server "$threads"
  wrk -t1 -c64 -d"$WRK_WARMUP" -s bench/wrk/ofrep_single.lua "http://127.0.0.1:$port" >/dev/null
  for conns in $WRK_CONNS; do
    run_wrk "$threads" "$conns" ofrep_single
  done
  run_wrk "$threads" 64 ofrep_mixed
  stop_server
done
echo "(CPU columns: % of one core over the run, $(nproc) cores = $(( $(nproc) * 100 ))%. server and wrk: their utime+stime;"
echo " irq+softirq, steal, idle: /proc/stat; other processes: user+system of everything else)"
echo

# ---- 2. kill switch to SSE subscribers -------------------------------------------------------
echo "== Kill switch -> $SSE_SUBSCRIBERS SSE subscribers, $SSE_ROUNDS rounds, server --threads $SSE_THREADS =="
start_server "$SSE_THREADS"
wait_quiet
sse_rc=0
timeout 150 node bench/sse_fanout.mjs --host 127.0.0.1 --port "$port" --token "$TOKEN" \
  --subscribers "$SSE_SUBSCRIBERS" --rounds "$SSE_ROUNDS" --pause-ms "$SSE_PAUSE_MS" || sse_rc=$?
stop_server
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if cat "$work"/server.*.log | grep -qv ' info '; then
  echo "server warnings/errors:"; cat "$work"/server.*.log | grep -v ' info ' | head -20
fi
exit "$sse_rc"
