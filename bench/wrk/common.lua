-- Shared helpers for the wrk scripts in this folder (loaded with dofile; wrk 4.1 runs one Lua
-- state per wrk thread, so each thread builds its own request pool in init()).
local M = {}

M.token = os.getenv("SLUICE_TOKEN") or "bench"

function M.headers()
  return {
    ["Authorization"] = "Bearer " .. M.token,
    ["Content-Type"] = "application/json",
  }
end

function M.context_body(i)
  local plans = { "free", "pro", "enterprise" }
  local countries = { "US", "GB", "DE", "FR" }
  return string.format(
    '{"context":{"targetingKey":"user-%d","plan":"%s","country":"%s","accountId":"acct-%d"}}',
    i, plans[i % 3 + 1], countries[i % 4 + 1], i % 20000)
end

-- Prints one machine-readable line that bench/run_server_benchmarks.sh parses, after wrk's own
-- report. Latencies are in microseconds, as wrk records them.
function M.done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "SLUICE_WRK requests=%d seconds=%.3f rps=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d " ..
    "non2xx=%d connect_err=%d read_err=%d write_err=%d timeout_err=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end

return M
