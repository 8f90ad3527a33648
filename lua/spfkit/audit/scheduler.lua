--- The audit's scheduler: up to `concurrency` domains in flight, each a
-- coroutine whose DNS yields its missing questions; each round gathers
-- the questions of every domain in flight, asks them in one
-- `query_many`, and resumes every domain (issue 13). Rows leave through
-- `on_row` as they finish; nothing is kept, so memory stays flat.
-- @module spfkit.audit.scheduler

local Cache = require "spfkit.audit.cache"
local job = require "spfkit.audit.job"
local core = require "spfkit.core"

local M = {}

local create, resume, status, yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local type, ipairs, tostring = type, ipairs, tostring

local ERROR_ANSWER = { rcode = "ERROR", records = {} }

local function internal_row(name, msg)
  return { domain = tostring(name), status = "error", errors = 1, warnings = 0, codes = { "internal" },
           findings = { { code = "internal", severity = "error", params = { detail = tostring(msg) } } } }
end

-- runs a job until it yields its questions or ends
local function step(j, got)
  local ok, res = resume(j.co, got)
  if not ok then j.row = internal_row(j.name, res) return end
  if status(j.co) == "dead" then j.row = res return end
  j.want = res
end

local function start(o, cache, name, index)
  local j = { name = name }
  local env = job.env(cache, yield, o.checks, o.limits)
  j.co = create(function() return job.row(name, env) end)
  step(j, nil)
  if j.row then j.row.index = index end
  j.index = index
  return j
end

-- this round's distinct questions
local function gather(inflight)
  local qs, keys, seen = {}, {}, {}
  for _, j in ipairs(inflight) do
    for _, m in ipairs(j.want) do
      if not seen[m.key] then
        seen[m.key] = true
        qs[#qs + 1] = { m.name, m.type }
        keys[#keys + 1] = m.key
      end
    end
  end
  return qs, keys
end

local function ask(o, stats, inflight)
  local qs, keys = gather(inflight)
  local answers = o.query_many(qs)
  local got = {}
  for i, k in ipairs(keys) do
    local a = answers[i]
    got[k] = type(a) == "table" and a or ERROR_ANSWER
  end
  stats.rounds, stats.questions = stats.rounds + 1, stats.questions + #qs
  return got
end

-- a finished row: out at once, or (ordered) held until the rows before it
-- are out; o.held counts the rows waiting
local function emit(o, stats, row)
  stats.domains = stats.domains + 1
  if not o.ordered then return o.on_row(row) end
  local held = o.held_rows
  held[row.index], o.held = row, o.held + 1
  while held[o.next_out] do
    local r = held[o.next_out]
    held[o.next_out], o.held, o.next_out = nil, o.held - 1, o.next_out + 1
    o.on_row(r)
  end
end

-- starts domains until `concurrency` are in flight or the list ends; in
-- input order, also while fewer than `max_held` finished rows wait
local function fill(o, cache, stats, inflight)
  while #inflight < o.concurrency and not o.ended and (not o.ordered or o.held < o.max_held) do
    local name = o.next()
    if name == nil then o.ended = true break end
    o.count = o.count + 1
    local j = start(o, cache, name, o.count)
    if j.row then emit(o, stats, j.row) else inflight[#inflight + 1] = j end
  end
end

--- Run an audit.
-- @tparam table o `{ next = function() -> domain|nil, query_many = function(qs)
--   -> answers, concurrency =, checks =, limits =, on_row =, cache_size =,
--   ordered = true (rows in input order: at most `2 x concurrency` finished
--   rows wait for a slower one before it; no new domain starts meanwhile) }`
-- @treturn table stats `{ domains, rounds, questions (sent to query_many),
--   asked (answers the domains needed, cached or not), cache_hits, ms }`
function M.run(o)
  local cache = Cache.new(o.cache_size)
  local stats = { domains = 0, rounds = 0, questions = 0 }
  local t0 = core.now_ms()
  local inflight = {}
  o.count, o.ended = 0, false
  o.held_rows, o.held, o.next_out, o.max_held = {}, 0, 1, 2 * o.concurrency
  repeat
    fill(o, cache, stats, inflight)
    if #inflight == 0 then break end
    local got = ask(o, stats, inflight)
    local still = {}
    for _, j in ipairs(inflight) do
      step(j, got)
      if j.row then j.row.index = j.index emit(o, stats, j.row) else still[#still + 1] = j end
    end
    inflight = still
  until false
  stats.cache_hits, stats.asked = cache.hits, cache.hits + cache.misses
  stats.ms = core.now_ms() - t0
  return stats
end

return M
