-- OFREP single-flag evaluation of ai-chatbot over keep-alive connections.
--   wrk -t1 -c64 -d15s --latency -s bench/wrk/ofrep_single.lua http://127.0.0.1:PORT
-- Body: {"context":{"targetingKey":"user-N","plan":"free","country":"US","accountId":"acct-N"}}
-- with N cycling over 1,024 ids. The requests are formatted once in init(), so the load
-- generator only copies bytes per request (it shares the 2 cores with the server).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

local pool = {}
local n = 0
local i = 0

function init(args)
  local headers = common.headers()
  for k = 0, 1023 do
    local body = string.format(
      '{"context":{"targetingKey":"user-%d","plan":"free","country":"US","accountId":"acct-%d"}}', k, k)
    pool[#pool + 1] = wrk.format("POST", "/ofrep/v1/evaluate/flags/ai-chatbot", headers, body)
  end
  n = #pool
end

function request()
  i = i % n + 1
  return pool[i]
end

done = common.done
