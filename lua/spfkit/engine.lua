--- The check path of `spfkit.check`: options, the deferred loop (answers
-- fetched from Lua, so a query function may yield), and result objects
-- whose trace and headers are built on first access. Below the facade:
-- the diagnosis and the audit call it directly.
-- @module spfkit.engine

local core = require "spfkit.core"
local headers = require "spfkit.headers"
local deferred = require "spfkit.deferred"
local errors = require "spfkit.errors"
local check_options = require("spfkit.options").check

local M = {}

local type, pairs, ipairs, pcall, error, tostring = type, pairs, ipairs, pcall, error, tostring
local getmetatable, setmetatable, rawset = getmetatable, setmetatable, rawset

local CHECK_OPTIONS = {
  ip = "string", sender = "string", helo = "string", dns = "userdata",
  query = "function", query_many = "function", limits = "table", engine = "string",
  default_explanation = "string", receiver = "string", now = "number",
  authserv_id = "string", max_rounds = "number",
}

local LIMIT_NAMES = { lookups = true, void_lookups = true, mx = true, ptr = true }

local ERROR_RCODES = { timeout = "TIMEOUT", network = "NETWORK" }

-- Ask the caller's query function; always returns an answer table.
local function ask(query, name, qtype)
  local t0 = core.now_ms()
  local ok, ans, err = pcall(query, name, qtype)
  local ms = core.now_ms() - t0
  if not ok then
    return { rcode = "ERROR", records = {}, ms = ms, error = tostring(ans) }
  end
  if type(ans) ~= "table" then
    local code = type(err) == "table" and err.code or err
    return { rcode = ERROR_RCODES[code] or "ERROR", records = {}, ms = ms }
  end
  if ans.tc then
    -- a truncated answer (spfkit.dns.decode sets tc) is not an answer: its
    -- records may be missing, so it must not read as NODATA
    return { rcode = "ERROR", records = {}, ms = ans.ms or ms }
  end
  if ans.ms == nil then
    local copy = {}
    for k, v in pairs(ans) do copy[k] = v end
    copy.ms = ms
    ans = copy
  end
  return ans
end

-- One deferred round's missing questions, answered in order: together
-- through `opts.query_many(questions)` when the caller gives it (a source
-- that overlaps its round trips: light threads, one socket polled), else
-- one `query` after another. Always returns one answer table per question.
local function fetch(opts, missing)
  local answers = {}
  if opts.query_many and #missing > 1 then
    local qs = {}
    for i, q in ipairs(missing) do qs[i] = { q.name, q.type } end
    local t0 = core.now_ms()
    local ok, got = pcall(opts.query_many, qs)
    local ms = core.now_ms() - t0
    for i = 1, #missing do
      local a = ok and type(got) == "table" and got[i]
      answers[i] = type(a) == "table" and ask(function() return a end) or
                   { rcode = "ERROR", records = {}, ms = ms, error = not ok and tostring(got) or nil }
    end
    return answers
  end
  for i, q in ipairs(missing) do answers[i] = ask(opts.query, q.name, q.type) end
  return answers
end

-- Deferred mode: the one deferred loop (spfkit.deferred), its rounds
-- answered through the caller's `query` (from Lua, so it may yield).
local function check_deferred(opts)
  local copts = {}
  for k, v in pairs(opts) do copts[k] = v end
  copts.query, copts.query_many, copts.max_rounds = nil, nil, nil
  local r, blob = deferred.run(copts, function(missing) return fetch(opts, missing) end, opts.max_rounds)
  if r and r.problem_code == "too-many-rounds" then r.trace = {} end
  return r, blob
end

-- Results carry their trace as a compact string and build `trace`,
-- `received_spf` and `authentication_results` on first access (building
-- them eagerly cost more than the evaluation itself). The string sits in
-- the result's own metatable, `{ __index = result_index, blob }` (a weak
-- table keyed by result cost a quarter of a check on Lua 5.4, in GC);
-- results without one share RESULT_MT.
local LAZY_FIELDS = {
  trace = function(r)
    local mt = getmetatable(r)
    return core.trace_decode(mt and mt[1] or "")
  end,
  received_spf = function(r) return headers.received_spf(r) end,
  authentication_results = function(r) return headers.authentication_results(r) end,
}

local function result_index(r, k)
  local build = LAZY_FIELDS[k]
  if not build then return nil end
  local v = build(r)
  rawset(r, k, v)
  return v
end

local RESULT_MT = { __index = result_index }

local function finish(r, blob, opts)
  if opts.authserv_id then r.authserv_id = opts.authserv_id end
  if blob then return setmetatable(r, { __index = result_index, blob }) end
  return setmetatable(r, RESULT_MT)
end

-- inside ngx_lua (nginx's Lua module, OpenResty)
local function in_nginx()
  local ngx = rawget(_G, "ngx")
  return type(ngx) == "table" and type(ngx.config) == "table" and ngx.config.ngx_lua_version ~= nil
end
M.in_nginx = in_nginx

-- The option checks (types, unknown options, limits, engine, dns, query)
-- run in C, and so does the common case, the engine over a `dns` source,
-- finished as `finish` does: returns false, message for wrong options;
-- true for the other paths; true, true for an options table with a
-- metatable (checked below).
local facade_check = core.facade_check(CHECK_OPTIONS, LIMIT_NAMES, RESULT_MT, result_index)

-- The checks beyond names and types in Lua, for options tables with a
-- metatable (indexing honours it); errors point at the caller of M.check.
local function check_in_lua(opts)
  local limits, dns = opts.limits, opts.dns
  if limits then
    for k, v in pairs(limits) do
      if not LIMIT_NAMES[k] then error("spfkit.check: unknown limit '" .. tostring(k) .. "'", 3) end
      if type(v) ~= "number" or v < 0 or v > 1000 or v % 1 ~= 0 then
        error("spfkit.check: limits." .. k .. " must be an integer in 0..1000", 3)
      end
    end
  end
  local engine = opts.engine
  if engine and engine ~= "spfkit" and engine ~= "libspf2" then
    error("spfkit.check: unknown engine '" .. engine .. "'", 3)
  end
  if dns then
    if opts.query then error("spfkit.check: give either dns or query, not both", 3) end
    if not core.is_source(dns) then
      error("spfkit.check: dns must be a zone, resolver or cache", 3)
    end
  end
  if opts.query_many and not opts.query then
    error("spfkit.check: query_many needs query (used for single questions)", 3)
  end
end

-- The paths other than the engine over `dns`: no ip, inside nginx,
-- libspf2, deferred (`query`). The options are already checked.
local function check_other(opts)
  local engine = opts.engine
  if not opts.ip then
    return nil, errors.new("bad-ip", "ip is required")
  end
  if not opts.dns and not opts.query and engine ~= "libspf2" and in_nginx() then
    -- inside nginx: cosockets (spfkit.openresty), never a blocking resolver
    return M.check(require("spfkit.openresty").default_dns():check_options(opts))
  end
  local r, blob
  if engine == "libspf2" then
    r, blob = require("spfkit.compat").check(opts)
    if not r then return nil, blob end
    return finish(r, nil, opts)
  elseif opts.query then
    r, blob = check_deferred(opts)
  else
    r, blob = core.check(opts)
  end
  if not r then return nil, blob end
  return finish(r, blob, opts)
end

--- Evaluate check_host() (RFC 7208) for a client IP and sender (the
-- facade's `spfkit.check`; errors point at the caller).
-- @tparam table opts `{ ip =, sender =, helo =, dns = zone|resolver|cache,
--   query = function(name, qtype) (deferred mode), query_many =
--   function({{name, qtype}, ...}) -> {answer, ...} (optional, with query:
--   a round's questions answered together), limits = {lookups=10,
--   void_lookups=2, mx=10, ptr=10}, default_explanation =, receiver =,
--   authserv_id =, engine = "spfkit"|"libspf2" }`
-- @return result table `{ result, explanation, mechanism, domain, lookups,
--   void_lookups, trace, received_spf, authentication_results, ... }`
--   (`trace` and the two headers are built on first access), or `nil, err`
--   for a bad IP or sender
function M.check(opts)
  local r, blob = facade_check(opts)
  if r == false then error(blob, 2) end
  if r == true then
    if blob then   -- a metatable: pairs and indexing honour it
      check_options("spfkit.check", opts, CHECK_OPTIONS)
      check_in_lua(opts)
    end
    return check_other(opts)
  end
  return r, blob
end


M.fetch = fetch
M.ask = ask

return M
