--- check_host() in deferred mode for the modules below the facade: the C
-- engine evaluates against an answer table (`core.answers`), reports the
-- questions it is missing, and Lua asks them (so the asking function may
-- yield) and runs it again -- the cqueues model. The one loop: the facade's
-- `spfkit.check{ query = }` (spfkit.engine) and whatif both run it.
-- @module spfkit.deferred

local core = require "spfkit.core"
local headers = require "spfkit.headers"

local M = {}

local type, pairs, ipairs = type, pairs, ipairs

--- Rounds of missing questions at most before giving up (temperror).
M.MAX_ROUNDS = 100

-- A round's answers into the store; an unusable answer is stored as
-- ERROR (the engine then returns temperror for it).
local function put_all(store, missing, answers)
  for i, q in ipairs(missing) do
    local ans = answers[i]
    if type(ans) ~= "table" or not store:put(q.name, q.type, ans) then
      store:put(q.name, q.type, { rcode = "ERROR", records = {} })
    end
  end
end

local function gave_up(opts, max_rounds)
  return { result = "temperror", problem = "DNS evaluation did not finish in " .. max_rounds .. " rounds",
           problem_code = "too-many-rounds", lookups = 0, void_lookups = 0, ip = opts.ip, sender = opts.sender,
           helo = opts.helo, receiver = opts.receiver }
end

--- The deferred loop: `core.check` over an answer table, the missing
-- questions of each round answered by `round(missing) -> {answer, ...}`
-- (in order; the function may yield), until the result is complete.
-- @tparam table opts `core.check` options without `dns`
-- @tparam function round
-- @tparam[opt] number max_rounds default `M.MAX_ROUNDS`
-- @return the raw result and its trace blob (or a temperror result after
--   max_rounds), or `nil, err`
function M.run(opts, round, max_rounds)
  max_rounds = max_rounds or M.MAX_ROUNDS
  local store = core.answers()
  local copts = { dns = store }
  for k, v in pairs(opts) do if k ~= "dns" then copts[k] = v end end
  for _ = 1, max_rounds do
    local r, blob = core.check(copts)
    if not r or not r.missing then
      store:close()
      return r, blob
    end
    put_all(store, r.missing, round(r.missing))
  end
  store:close()
  return gave_up(opts, max_rounds)
end

-- The result with its trace and headers built now (the facade builds them
-- lazily; what-if results are few).
local function finish(r, blob)
  r.trace = core.trace_decode(blob or "")
  r.received_spf = headers.received_spf(r)
  r.authentication_results = headers.authentication_results(r)
  return r
end

-- One answer from an `spfkit.tree.source` (`:get`): an unusable one is
-- stored as its rcode (TIMEOUT, SERVFAIL...).
local function from_source(src, q)
  local ans = src:get(q.name, q.type)
  if ans.code then ans = { rcode = ans.rcode, records = {} } end
  return ans
end

--- Evaluate with the answers of `src` (an `spfkit.tree.source`).
-- @tparam table opts `core.check` options without `dns`
-- @tparam table src a source with `:get(name, qtype)`
-- @return the check result (trace and headers built), or `nil, err`
function M.check(opts, src)
  local r, blob = M.run(opts, function(missing)
    local answers = {}
    for i, q in ipairs(missing) do answers[i] = from_source(src, q) end
    return answers
  end)
  if not r then return nil, blob end
  return finish(r, blob)
end

return M
