-- OFREP single-flag evaluation, cycling over all five example flags and 4,096 contexts
-- (varying plan, country and accountId, so rules, 5% splits and defaults all get exercised).
--   wrk -t1 -c64 -d15s --latency -s bench/wrk/ofrep_mixed.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local flags = { "ai-chatbot", "new-pdf-engine", "bulk-invoice-api", "redesigned-dashboard",
                "maintenance-mode" }
local pool = {}
local n = 0
local i = 0

function init(args)
  local headers = common.headers()
  for k = 0, 4095 do
    local flag = flags[k % #flags + 1]
    pool[#pool + 1] = wrk.format("POST", "/ofrep/v1/evaluate/flags/" .. flag, headers,
                                 common.context_body(k * 7919))
  end
  n = #pool
end

function request()
  i = i % n + 1
  return pool[i]
end

done = common.done
