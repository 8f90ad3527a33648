--- check_host() in deferred mode for the modules below the facade: the C
-- engine evaluates against an answer table (`core.answers`), reports the
-- questions it is missing, and Lua asks them (so the asking function may
-- yield) and runs it again -- the cqueues model. `spfkit.check{ query = }`
-- does the same with its own loop (init.lua); this one serves whatif.
-- @module spfkit.deferred

local core = require "spfkit.core"
local headers = require "spfkit.headers"

local M = {}

local pairs, ipairs = pairs, ipairs

--- Rounds of missing questions at most before giving up (temperror).
M.MAX_ROUNDS = 100

-- One missing question answered into the store; an unusable answer is
-- stored as its rcode (TIMEOUT, SERVFAIL...), else as ERROR.
local function put(store, src, q)
  local ans = src:get(q.name, q.type)
  if ans.code then ans = { rcode = ans.rcode, records = {} } end
  if not store:put(q.name, q.type, ans) then
    store:put(q.name, q.type, { rcode = "ERROR", records = {} })
  end
end

-- The result with its trace and headers built now (the facade builds them
-- lazily; what-if results are few).
local function finish(r, blob)
  r.trace = core.trace_decode(blob or "")
  r.received_spf = headers.received_spf(r)
  r.authentication_results = headers.authentication_results(r)
  return r
end

--- Evaluate with the answers of `src` (an `spfkit.tree.source`).
-- @tparam table opts `core.check` options without `dns`
-- @tparam table src a source with `:get(name, qtype)`
-- @return the check result, or `nil, err`
function M.check(opts, src)
  local store = core.answers()
  local copts = { dns = store }
  for k, v in pairs(opts) do copts[k] = v end
  for _ = 1, M.MAX_ROUNDS do
    local r, blob = core.check(copts)
    if not r or not r.missing then
      store:close()
      if not r then return nil, blob end
      return finish(r, blob)
    end
    for _, q in ipairs(r.missing) do put(store, src, q) end
  end
  store:close()
  return finish({ result = "temperror", problem = "DNS evaluation did not finish in " .. M.MAX_ROUNDS .. " rounds",
    problem_code = "too-many-rounds", lookups = 0, void_lookups = 0, ip = opts.ip, sender = opts.sender,
    helo = opts.helo })
end

return M
