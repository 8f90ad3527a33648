--- The state one diagnosis carries between its stages: the DNS source
-- (memoized: one answer per question for the whole diagnosis), and what
-- the stages found, as data only — findings `{code, severity, params,
-- evidence}`, steps `{code, params}`, a summary `{code, params}` and the
-- fix. No words here: `spfkit.report` renders them in any language later.
-- @module spfkit.diagnose.context

local engine = require "spfkit.engine"
local errors = require "spfkit.errors"

local M = {}

local type, ipairs, pairs, pcall, tostring, setmetatable =
      type, ipairs, pairs, pcall, tostring, setmetatable

local Ctx = {}
Ctx.__index = Ctx

--- A new context.
-- @tparam table opts the diagnosis options (`providers`, `ttl`, ...)
function M.new(opts)
  return setmetatable({ opts = opts, findings = {}, steps = {}, providers = opts.providers,
                        ttl = opts.ttl }, Ctx)
end

-- Only plain values go into params: they are rendered later and encoded
-- in JSON, so tables are kept as arrays of strings and the rest as strings.
local function plain_params(params)
  local out = {}
  for k, v in pairs(params or {}) do
    local tv = type(v)
    if tv == "string" or tv == "number" or tv == "boolean" then out[k] = v
    elseif tv == "table" and getmetatable(v) == errors.mt then
      out[k .. "_code"], out[k .. "_message"] = v.code, v.message
    elseif tv ~= "function" and tv ~= "userdata" and tv ~= "table" then out[k] = tostring(v) end
  end
  return out
end

--- Record a finding.
-- @tparam string code catalog code
-- @tparam string severity "error"|"warning"|"info"
-- @tparam[opt] table params values the message needs
-- @tparam[opt] table evidence machine-readable details (any plain data)
-- @tparam[opt] table text `{en=, ja=}` words of a code outside the catalog
function Ctx:finding(code, severity, params, evidence, text)
  local f = { code = code, severity = severity, params = plain_params(params), evidence = evidence or {} }
  if type(text) == "table" then f.text = { en = text.en, ja = text.ja } end
  self.findings[#self.findings + 1] = f
  return f
end

--- Record a step of the fix (`text`: `{en=, ja=}` words from outside the
-- catalog, e.g. a provider's own panel path).
function Ctx:step(code, params, text)
  local s = { number = #self.steps + 1, code = code, params = plain_params(params) }
  if type(text) == "table" then s.text = { en = text.en, ja = text.ja } end
  self.steps[#self.steps + 1] = s
end

-- Receivers with their own "check it" step; others get Gmail's.
local VERIFY_STEP = { yahoo = "step-verify-yahoo", microsoft = "step-verify-microsoft" }

--- The step code that tells how to verify at the receiver that refused.
function Ctx:verify_step()
  return VERIFY_STEP[self.receiver] or "step-verify-gmail"
end

--- The step that tells where to find the sending IP: Gmail's bounce text
-- shows it ("with ip: [...]"); other receivers' do not.
function Ctx:find_ip_step()
  if self.receiver == nil or self.receiver == "gmail" then return "step-find-ip" end
  return "step-find-ip-any"
end

--- Set the summary (the first one set wins).
function Ctx:summary(code, params)
  if not self.summary_code then
    self.summary_code, self.summary_params = code, plain_params(params)
  end
end

--- Input that cannot be diagnosed: an error report.
function Ctx:fail(code, params)
  self.error = { code = code, params = plain_params(params) }
  self.status = "error"
  self:summary(code, params)
end

-- The memo's key of a question.
local function key_of(name, qtype) return tostring(name):lower() .. "\0" .. tostring(qtype) end

-- One memoized answer per question; failures become `nil, err`.
local function memo_query(dns)
  local memo = {}
  return function(name, qtype)
    local key = key_of(name, qtype)
    local hit = memo[key]
    if hit then return hit[1], hit[2] end
    local ok, ans, err = pcall(dns.query, dns, name, qtype)
    if not ok then ans, err = nil, errors.new("ERROR", tostring(ans))
    elseif type(ans) ~= "table" then
      ans, err = nil, type(err) == "table" and errors.wrap(err)
        or errors.new(err and tostring(err) or "ERROR", "DNS query failed")
    else ans.records = ans.records or {} end
    memo[key] = { ans, err }
    return ans, err
  end, memo
end

-- Questions the memo lacks, asked together when the source can.
local function memo_query_many(dns, query, memo)
  if type(dns) ~= "table" and type(dns) ~= "userdata" then return nil end
  local ok, qm = pcall(function() return dns.query_many end)
  if not ok or type(qm) ~= "function" then return nil end
  return function(list)
    local todo = {}
    for _, q in ipairs(list) do
      if not memo[key_of(q[1], q[2])] then todo[#todo + 1] = q end
    end
    if #todo > 1 then
      local okm, got = pcall(qm, dns, todo)
      for i, q in ipairs(todo) do
        local a = okm and type(got) == "table" and got[i]
        if type(a) == "table" then
          a.records = a.records or {}
          memo[key_of(q[1], q[2])] = { a }
        end
      end
    end
    local out = {}
    for i, q in ipairs(list) do out[i] = query(q[1], q[2]) or { rcode = "ERROR", records = {} } end
    return out
  end
end

--- Attach the DNS source: `ctx.query(name, qtype)` (memoized),
-- `ctx.query_many`, `ctx.dns` (an object with `:query` for the toolkit)
-- and `ctx.check(opts)` (a deferred check over the memo).
-- @param dns zone, resolver, cache or any object with `:query`
function Ctx:use_dns(dns)
  self.source = dns
  local query, memo = memo_query(dns)
  self.query = query
  self.query_many = memo_query_many(dns, query, memo)
  self.dns = { query = function(_, name, qtype) return query(name, qtype) end,
               query_many = self.query_many and function(_, list) return self.query_many(list) end }
  self.check = function(o)
    o.query, o.query_many = query, self.query_many
    return engine.check(o)
  end
end

return M
