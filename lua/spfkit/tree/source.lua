--- The DNS questions of one `spfkit.tree` call, asked once each.
--
-- Wraps any of the three DNS sources of the public API: an object with
-- `:query(name, qtype)` (zone, resolver, cache), a `query(name, qtype)`
-- function (deferred mode; it may yield, e.g. an OpenResty cosocket), and
-- optionally `query_many({{name, qtype}, ...}) -> {answer, ...}` to ask a
-- batch of questions together. Every answer is memoised for the call.
-- All DNS is done here, in Lua, never from a C callback.
-- @module spfkit.tree.source

local errors = require "spfkit.errors"

local M = {}

local type, ipairs, pcall, tostring, setmetatable, error = type, ipairs, pcall, tostring, setmetatable, error

local Source = {}
Source.__index = Source

local ANSWERED = { NOERROR = true, NXDOMAIN = true }

local function key(name, qtype)
  return (name:lower():gsub("%.$", "")) .. "\0" .. qtype
end

local ERROR_RCODES = { timeout = "TIMEOUT", network = "NETWORK" }

-- The rcode an unusable answer stands for (deferred mode stores it).
local function failed_rcode(ok, ans, err)
  if ok and type(ans) == "table" then return ans.tc and "ERROR" or tostring(ans.rcode or "ERROR") end
  local code = ok and (type(err) == "table" and err.code or err)
  return ERROR_RCODES[code] or "ERROR"
end

-- An answer (a table with rcode NOERROR or NXDOMAIN), or an error table
-- with the rcode it stands for (TIMEOUT, SERVFAIL, ERROR...).
local function normalise(name, qtype, ok, ans, err)
  if ok and type(ans) == "table" and ANSWERED[ans.rcode] and not ans.tc then return ans end
  local detail
  if not ok then detail = tostring(ans)
  elseif type(ans) == "table" then detail = tostring(ans.rcode) .. (ans.tc and " (truncated)" or "")
  elseif type(err) == "table" then detail = tostring(err.message or err.code)
  else detail = tostring(err) end
  return errors.new("dns-temperror", qtype .. " " .. name .. ": " .. detail,
    { name = name, qtype = qtype, detail = detail, rcode = failed_rcode(ok, ans, err) })
end

--- Raise (at `level` above the caller) unless `dns` is nil or has a
-- `:query(name, qtype)` method: the check of the toolkit's `dns` option.
-- @tparam string fname e.g. "spfkit.lint", for the message
-- @param dns the option's value
-- @tparam number level as for `error`, counted from the caller
function M.check_dns(fname, dns, level)
  if dns == nil then return end
  local ok, q = pcall(function() return dns.query end)
  if (type(dns) ~= "table" and type(dns) ~= "userdata") or not ok or type(q) ~= "function" then
    error(fname .. ": option 'dns' must have a :query(name, qtype) method", level + 1)
  end
end

-- A DNS object's own `:query_many` (the resolver's, the OpenResty source's,
-- a diagnosis's memo), as a function.
local function many_of(dns)
  if dns == nil then return nil end
  local ok, qm = pcall(function() return dns.query_many end)
  if not ok or type(qm) ~= "function" then return nil end
  return function(list) return qm(dns, list) end
end

--- A memoising source over `opts.dns`, `opts.query` and/or `opts.query_many`.
-- @tparam table opts
-- @treturn table the source (nil when opts names no DNS source)
function M.new(opts)
  if not (opts.dns or opts.query or opts.query_many) then return nil end
  return setmetatable({ dns = opts.dns, query = opts.query, query_many = opts.query_many or many_of(opts.dns),
                        memo = {}, asked = 0 }, Source)
end

local function ask_one(self, name, qtype)
  self.asked = self.asked + 1
  if self.dns then
    return normalise(name, qtype, pcall(self.dns.query, self.dns, name, qtype))
  elseif self.query then
    return normalise(name, qtype, pcall(self.query, name, qtype))
  end
  local ok, got = pcall(self.query_many, { { name, qtype } })
  return normalise(name, qtype, ok, ok and type(got) == "table" and got[1] or got)
end

--- The answer to one question: a table with `rcode` "NOERROR" or
-- "NXDOMAIN" and `records`, or an `errors.new` table of code
-- "dns-temperror" (timeout, SERVFAIL, truncated, a raising source...).
-- Tell them apart with `.code`.
function Source:get(name, qtype)
  local k = key(name, qtype)
  local hit = self.memo[k]
  if hit then return hit end
  hit = ask_one(self, name, qtype)
  self.memo[k] = hit
  return hit
end

-- The questions not yet answered, once each.
local function missing(self, questions)
  local out, seen = {}, {}
  for _, q in ipairs(questions) do
    local k = key(q[1], q[2])
    if not self.memo[k] and not seen[k] then
      seen[k] = true
      out[#out + 1] = q
    end
  end
  return out
end

--- Ask a batch of questions `{ {name, qtype}, ... }` ahead of `get`:
-- together through `query_many` when the caller gave it, else one by one.
function Source:prefetch(questions)
  local qs = missing(self, questions)
  if not self.query_many or #qs < 2 then
    for _, q in ipairs(qs) do self:get(q[1], q[2]) end
    return
  end
  self.asked = self.asked + #qs
  local ok, got = pcall(self.query_many, qs)
  for i, q in ipairs(qs) do
    local a = ok and type(got) == "table" and got[i]
    self.memo[key(q[1], q[2])] = normalise(q[1], q[2], ok and a ~= nil, a or got)
  end
end

--- The records of one type in an answer (CNAMEs of the chain left out).
function M.records(ans, qtype)
  local out = {}
  if ans.code then return out end
  for _, r in ipairs(ans.records or {}) do
    if r.type == qtype then out[#out + 1] = r end
  end
  return out
end

--- The character-strings of a TXT record.
function M.txt_strings(r)
  local d = r.data
  if type(d) == "string" then return { d } end
  if type(d) == "table" then return d end
  return {}
end

return M
