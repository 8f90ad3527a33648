--- spfkit: why mail bounced for SPF, and exactly what to put in DNS.
--
-- The public facade over the C core `spfkit.core`. Functions that take user
-- input return `nil, err` (err = { code =, message =, position = }) or a
-- result table with an error result; they raise only on programmer
-- mistakes (wrong argument types, unknown options).
-- @module spfkit

local core = require "spfkit.core"
local headers = require "spfkit.headers"
local errors = require "spfkit.errors"

local spfkit = { version = core.version }

--- The RFC 7208 processing limits (named once, in csrc/spfkit.h):
-- `lookups` 10, `void_lookups` 2, `mx` 10, `ptr` 10 (section 4.6.4),
-- `record_length` 450 (3.4), `txt_string` 255 (3.3). Read-only by convention.
spfkit.LIMITS = core.LIMITS

local type, pairs, pcall, error, tostring = type, pairs, pcall, error, tostring

local CHECK_OPTIONS = {
  ip = "string", sender = "string", helo = "string", dns = "userdata",
  query = "function", query_many = "function", limits = "table", engine = "string",
  default_explanation = "string", receiver = "string", now = "number",
  authserv_id = "string", max_rounds = "number",
}

local LIMITS = { lookups = true, void_lookups = true, mx = true, ptr = true }

local check_options = require("spfkit.options").check

--- Parse an SPF record.
-- @tparam string text the record, e.g. "v=spf1 ip4:192.0.2.0/24 -all"
-- @return record table `{ text, terms = {{qualifier, mechanism, value, domain,
--   ip, cidr4, cidr6, position, text}, ...}, modifiers = {redirect=, exp=, ...},
--   modifier_list, dns_terms }`, or `nil, err` with `err.code`, `err.message`
--   and `err.position` (1-based byte offset of the offending term)
function spfkit.parse(text)
  if type(text) ~= "string" then
    error("spfkit.parse: expected a string, got " .. type(text), 2)
  end
  return core.parse(text)
end

--- Expand an SPF macro-string (RFC 7208 section 7).
-- @tparam string s the macro-string, e.g. "%{ir}.%{v}._spf.%{d2}"
-- @tparam table ctx `{ ip=, sender=, helo=, domain=, receiver=, now=, p=,
--   exp = true (explanation text: c, r, t allowed, no truncation) }`
-- @return the expansion, or `nil, err`
function spfkit.expand(s, ctx)
  if type(s) ~= "string" then error("spfkit.expand: expected a string", 2) end
  ctx = ctx or {}
  if type(ctx) ~= "table" then error("spfkit.expand: ctx must be a table", 2) end
  return core.expand(s, ctx)
end

--- A static DNS source (see README: zone shape).
-- @tparam table data `{ ["name"] = { {TXT = "..."}, {A = "192.0.2.1"}, "TIMEOUT" }, ... }`
-- @return zone userdata (with `zone:query(name, type)`), or `nil, err`
function spfkit.zone(data)
  if type(data) ~= "table" then
    error("spfkit.zone: expected a table, got " .. type(data), 2)
  end
  return core.zone(data)
end

--- A static DNS source read from a master file (RFC 1035 format, read with
-- ldns's zone reader): `$ORIGIN`, `$TTL`, relative names, `@`, multi-string
-- TXT and TTLs as written.
-- @tparam string path the zone file
-- @tparam[opt] string origin the origin when the file has no `$ORIGIN`
-- @return zone userdata, or `nil, err` (`err.code` "zone-file", `err.line`)
function spfkit.zone_file(path, origin)
  if type(path) ~= "string" then
    error("spfkit.zone_file: expected a path, got " .. type(path), 2)
  end
  if origin ~= nil and type(origin) ~= "string" then
    error("spfkit.zone_file: origin must be a string, got " .. type(origin), 2)
  end
  return core.zone_file(path, origin)
end

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

-- Deferred mode: run the engine over an answer table, fetch what it reports
-- missing through `query` (from Lua, so the function may yield), repeat.
local function check_deferred(opts)
  local store = core.answers()
  local copts = {}
  for k, v in pairs(opts) do copts[k] = v end
  copts.query, copts.query_many, copts.max_rounds = nil, nil, nil
  copts.dns = store
  local max_rounds = opts.max_rounds or 100
  for _ = 1, max_rounds do
    local r, blob = core.check(copts)
    if not r then store:close() return nil, blob end
    if not r.missing then store:close() return r, blob end
    local answers = fetch(opts, r.missing)
    for i, q in ipairs(r.missing) do
      local ans = answers[i]
      if not store:put(q.name, q.type, ans) then
        store:put(q.name, q.type, { rcode = "ERROR", records = {}, ms = ans.ms })
      end
    end
  end
  store:close()
  return { result = "temperror", problem = "DNS evaluation did not finish in "
           .. max_rounds .. " rounds", problem_code = "too-many-rounds",
           lookups = 0, void_lookups = 0, trace = {}, ip = opts.ip,
           sender = opts.sender, helo = opts.helo, receiver = opts.receiver }
end

-- Results carry their trace as a compact string and build `trace`,
-- `received_spf` and `authentication_results` on first access (building
-- them eagerly cost more than the evaluation itself).
local blobs = setmetatable({}, { __mode = "k" })

local LAZY_FIELDS = {
  trace = function(r) return core.trace_decode(blobs[r] or "") end,
  received_spf = function(r) return headers.received_spf(r) end,
  authentication_results = function(r) return headers.authentication_results(r) end,
}

local RESULT_MT = {
  __index = function(r, k)
    local build = LAZY_FIELDS[k]
    if not build then return nil end
    local v = build(r)
    rawset(r, k, v)
    if k == "trace" then blobs[r] = nil end
    return v
  end,
}

local function finish(r, blob, opts)
  if opts.authserv_id then r.authserv_id = opts.authserv_id end
  if blob then blobs[r] = blob end
  return setmetatable(r, RESULT_MT)
end

-- DNS sources already seen, so the check is done once per object.
local known_sources = setmetatable({}, { __mode = "k" })

--- Evaluate check_host() (RFC 7208) for a client IP and sender.
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
function spfkit.check(opts)
  check_options("spfkit.check", opts, CHECK_OPTIONS)
  local limits, dns = opts.limits, opts.dns
  if limits then
    for k, v in pairs(limits) do
      if not LIMITS[k] then error("spfkit.check: unknown limit '" .. tostring(k) .. "'", 2) end
      if type(v) ~= "number" or v < 0 or v > 1000 or v % 1 ~= 0 then
        error("spfkit.check: limits." .. k .. " must be an integer in 0..1000", 2)
      end
    end
  end
  local engine = opts.engine
  if engine and engine ~= "spfkit" and engine ~= "libspf2" then
    error("spfkit.check: unknown engine '" .. engine .. "'", 2)
  end
  if dns then
    if opts.query then error("spfkit.check: give either dns or query, not both", 2) end
    if not known_sources[dns] then
      if not core.is_source(dns) then
        error("spfkit.check: dns must be a zone, resolver or cache", 2)
      end
      known_sources[dns] = true
    end
  end
  if opts.query_many and not opts.query then
    error("spfkit.check: query_many needs query (used for single questions)", 2)
  end
  if not opts.ip then
    return nil, errors.new("bad-ip", "ip is required")
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

-- Record toolkit (issue 5): each in its own module, loaded on first use.
function spfkit.lint(opts) return require("spfkit.lint").lint(opts) end
function spfkit.build(opts) return require("spfkit.build").build(opts) end
function spfkit.merge(existing, additions, opts)
  return require("spfkit.build").merge(existing, additions, opts)
end
function spfkit.txt(record, opts) return require("spfkit.txt").txt(record, opts) end
function spfkit.whatif(opts) return require("spfkit.whatif").whatif(opts) end

--- Diagnose a bounce (or a domain and an IP): what is wrong and the exact
-- DNS change that fixes it (lua/spfkit/diagnose.lua). Never raises on bad
-- input; returns a report object with `text()`, `json()` and `html()`.
function spfkit.diagnose(opts) return require("spfkit.diagnose").diagnose(opts) end
function spfkit.audit(opts) return require("spfkit.audit").audit(opts) end

-- Modules loaded on first use, so that `require "spfkit"` stays cheap.
local MODULES = {
  bounce = "spfkit.bounce", providers = "spfkit.providers", dns = "spfkit.dns",
  i18n = "spfkit.i18n", compat = "spfkit.compat",
}

-- Real DNS sources (lua/spfkit/dns.lua): spfkit.resolver{...}, spfkit.cache{...}
function spfkit.resolver(opts) return require("spfkit.dns").resolver(opts) end
function spfkit.cache(opts) return require("spfkit.dns").cache(opts) end

return setmetatable(spfkit, {
  __index = function(t, k)
    local name = MODULES[k]
    if not name then return nil end
    local m = require(name)
    rawset(t, k, m)
    return m
  end,
})
