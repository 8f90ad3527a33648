--- Audit many domains at once: which customers' mail will bounce at Gmail,
-- and what each should publish (issue 13).
--
--    local audit = require "spfkit.audit"
--    local r = spfkit.resolver{ nameservers = { "127.0.0.1:5353" }, timeout = 1 }
--    local stats = audit.audit{ domains = io.lines("customers.txt"), dns = r,
--      concurrency = 200, checks = { provider = "sakura", host = "www1234.sakura.ne.jp" },
--      on_row = function(row) print(row.domain, row.status, row.fix) end }
--
-- Up to `concurrency` domains are evaluated at once in deferred mode: each
-- round asks the missing questions of every domain in flight together
-- (`r:query_many` on the resolver), through one bounded answer cache, so a
-- provider's include is asked once for the whole list. Rows stream out
-- through `on_row` as domains finish, in finishing order (`row.index` is
-- the position in the list), or in list order with `ordered = true`; none
-- is kept beyond that.
-- @module spfkit.audit

local source = require "spfkit.audit.source"
local scheduler = require "spfkit.audit.scheduler"
local job = require "spfkit.audit.job"
local errors = require "spfkit.errors"

local M = {}

local type, ipairs, pairs, error, tostring = type, ipairs, pairs, error, tostring

--- Default number of domains in flight.
M.CONCURRENCY = 200

local OPTIONS = {
  domains = true, dns = true, concurrency = true, checks = true, on_row = true, limits = true,
  cache_size = true, ordered = true,
}
local CHECKS = { provider = "string", host = "string", ip = true }

local function fail(msg) error("spfkit.audit: " .. msg, 4) end

local function check_checks(c)
  if c == nil then return end
  if type(c) ~= "table" then fail("checks must be a table") end
  for k, v in pairs(c) do
    local want = CHECKS[k]
    if not want then fail("unknown check '" .. tostring(k) .. "'") end
    if want == true then
      if type(v) ~= "string" and type(v) ~= "table" then fail("checks.ip must be an address or a list") end
    elseif type(v) ~= want then
      fail("checks." .. k .. " must be a " .. want)
    end
  end
end

local function check_number(opts, k, lo, hi)
  local v = opts[k]
  if v ~= nil and (type(v) ~= "number" or v % 1 ~= 0 or v < lo or v > hi) then
    fail(k .. " must be an integer in " .. lo .. ".." .. hi)
  end
end

local function check_options(opts)
  if type(opts) ~= "table" then fail("expected a table of options, got " .. type(opts)) end
  for k in pairs(opts) do
    if not OPTIONS[k] then fail("unknown option '" .. tostring(k) .. "'") end
  end
  local d = opts.domains
  if type(d) ~= "table" and type(d) ~= "function" then fail("domains must be a list or an iterator") end
  if not source.usable(opts.dns) then fail("dns must have a :query(name, qtype) or :query_many method") end
  if type(opts.on_row) ~= "function" then fail("on_row must be a function") end
  if opts.limits ~= nil and type(opts.limits) ~= "table" then fail("limits must be a table") end
  if opts.ordered ~= nil and type(opts.ordered) ~= "boolean" then fail("ordered must be a boolean") end
  check_number(opts, "concurrency", 1, 100000)
  check_number(opts, "cache_size", 1, 100000000)
  check_checks(opts.checks)
end

local function ip_list(v)
  if v == nil then return {} end
  if type(v) == "string" then return { v } end
  local out = {}
  for i, ip in ipairs(v) do out[i] = ip end
  return out
end

-- checks as the jobs use them, or nil, err for bad values
local function prepare_checks(c)
  c = c or {}
  local core = require "spfkit.core"
  local out = { ips = ip_list(c.ip), host = c.host and job.norm_domain(c.host) }
  local empty = core.zone{}
  for _, ip in ipairs(out.ips) do
    -- the engine's own address parser decides (an empty zone: no DNS)
    if type(ip) ~= "string" or not core.check{ ip = ip, sender = "a@invalid", dns = empty } then
      return nil, errors.new("bad-ip", "not an IP address: " .. tostring(ip), { value = tostring(ip) })
    end
  end
  if c.host and not out.host then
    return nil, errors.new("bad-host", "not a host name: " .. c.host, { value = c.host })
  end
  if c.provider then
    local spec = { id = c.provider, host = out.host, ip = out.ips[1] }
    local terms, err = require("spfkit.build").provider_terms(spec)
    if not terms then return nil, err end
    out.provider = { id = c.provider, spec = spec, terms = terms }
  end
  return out
end

local function iterator(d)
  if type(d) == "function" then return d end
  local i = 0
  return function()
    i = i + 1
    return d[i]
  end
end

--- Audit a list of domains.
-- @tparam table opts `{ domains = { "example.jp", ... } | iterator (e.g.
--   io.lines(path)), dns = resolver | zone | any object with :query (a
--   source with :query_many gets each round in one call), concurrency = 200,
--   checks = { provider = "sakura", host = "www1234.sakura.ne.jp", ip =
--   "192.0.2.1" | { ... } }, on_row = function(row), limits = { lookups =,
--   void_lookups =, mx =, ptr = } (for check_host), cache_size = answers per
--   cache generation (default 20 x concurrency, at least 2000: memory stays
--   flat, answers many domains share stay cached), ordered = true (rows in
--   list order: a row waits for the slower ones before it; at most 2 x
--   concurrency rows wait, and no new domain starts while they do) }`
--
-- A row: `{ index, domain, status = "ok"|"warning"|"error"|"temperror"|"invalid",
--   record, records (when several are published), lookups, void_lookups,
--   findings = { {code, severity, params}, ... }, codes, errors, warnings,
--   checks = { {ip, result}, ... } (addresses given or of checks.host),
--   authorized (every check passes / the provider's terms are there),
--   dmarc = "none"|"quarantine"|"reject"|"invalid"|"temperror"|nil,
--   dmarc_record, dmarc_inherited, fix (the proposed SPF record), fix_error }`
-- @return stats `{ domains, rounds, questions, asked, cache_hits, ms }`, or
--   `nil, err` for a bad check value (unknown provider, bad address)
-- @raise on a non-table argument, unknown options and wrong types
function M.audit(opts)
  check_options(opts)
  local checks, err = prepare_checks(opts.checks)
  if not checks then return nil, err end
  return scheduler.run{
    next = iterator(opts.domains), query_many = source.wrap(opts.dns),
    concurrency = opts.concurrency or M.CONCURRENCY, checks = checks, limits = opts.limits,
    on_row = opts.on_row, ordered = opts.ordered,
    cache_size = opts.cache_size or math.max(2000, 20 * (opts.concurrency or M.CONCURRENCY)),
  }
end

--- Every n-th item of a list or iterator, starting at the i-th (1-based):
-- shard i of n, so that n processes or machines split one list.
-- @param items list or iterator
-- @tparam number i 1..n
-- @tparam number n
-- @treturn function iterator
function M.shard(items, i, n)
  if type(items) ~= "table" and type(items) ~= "function" then
    error("spfkit.audit.shard: items must be a list or an iterator", 2)
  end
  if type(n) ~= "number" or n % 1 ~= 0 or n < 1 or type(i) ~= "number" or i % 1 ~= 0 or i < 1 or i > n then
    error("spfkit.audit.shard: want 1 <= i <= n (integers)", 2)
  end
  local nxt, k = iterator(items), 0
  return function()
    while true do
      local v = nxt()
      if v == nil then return nil end
      k = k + 1
      if (k - 1) % n == i - 1 then return v end
    end
  end
end

local Summary = {}
Summary.__index = Summary

--- Count a row.
function Summary:add(row)
  self.domains = self.domains + 1
  self.status[row.status] = (self.status[row.status] or 0) + 1
  local seen = {}
  for _, code in ipairs(row.codes or {}) do
    if not seen[code] then
      seen[code] = true
      self.codes[code] = (self.codes[code] or 0) + 1
    end
  end
  if row.fix then self.fixes = self.fixes + 1 end
  if row.authorized == false then self.unauthorized = self.unauthorized + 1 end
end

--- The counts so far: `{ domains, status = { ok = n, ... }, codes = { [code]
-- = domains with it }, fixes, unauthorized }`.
function Summary:counts()
  local status, codes = {}, {}
  for k, v in pairs(self.status) do status[k] = v end
  for k, v in pairs(self.codes) do codes[k] = v end
  return { domains = self.domains, status = status, codes = codes, fixes = self.fixes,
           unauthorized = self.unauthorized }
end

--- A summary accumulator for rows (`s:add(row)`, `s:counts()`).
function M.summary()
  return setmetatable({ domains = 0, status = {}, codes = {}, fixes = 0, unauthorized = 0 }, Summary)
end

return M
