--- DNS for the DKIM functions: one `ask(name, qtype)` over any source —
-- a DNS source object with `:query` (zone, resolver, cache), a `query`
-- function (deferred mode: it may yield, e.g. in an nginx cosocket), or a
-- `keys` table of TXT values by name (offline). Answers are memoized per
-- call; `ask` never raises.
-- @module spfkit.dkim.dns

local errors = require "spfkit.errors"
local M = {}

local type, pcall, tostring, ipairs, lower = type, pcall, tostring, ipairs, string.lower

--- Longest CNAME chain followed (resolvers stop around 8 to 16).
M.MAX_CNAME = 8

local function from_keys(keys)
  local byname = {}
  for name, v in pairs(keys) do byname[lower((tostring(name):gsub("%.$", "")))] = v end
  return function(name, qtype)
    local v = byname[lower((name:gsub("%.$", "")))]
    if v == nil then return { rcode = "NXDOMAIN", records = {} } end
    if qtype ~= "TXT" then return { rcode = "NOERROR", records = {} } end
    local data = type(v) == "table" and v or { tostring(v) }
    return { rcode = "NOERROR", records = { { name = name, type = "TXT", ttl = 0, data = data } } }
  end
end

-- The raw query function of the options (keys, dns or query).
local function raw_query(opts)
  if opts.keys then return from_keys(opts.keys) end
  if opts.query then return opts.query end
  local dns = opts.dns
  return function(name, qtype) return dns:query(name, qtype) end
end

-- One answer table or nil, err (never raises).
local function normalise(ok, ans, err)
  if not ok then return nil, errors.new("error", tostring(ans)) end
  if type(ans) ~= "table" or ans.tc then
    return nil, type(err) == "table" and err or { code = err and tostring(err) or "error" }
  end
  if type(ans.records) ~= "table" then ans.records = {} end
  return ans
end

--- An ask function over the options' source.
-- @tparam table opts `{ dns = <source> | query = function | keys = {[name]=txt},
--   query_many = function(questions) (optional) }`
-- @treturn function ask(name, qtype) -> answer | nil, err
-- @treturn function ask_many(questions) -> answers (one per `{name, qtype}`;
--   nil entries for failures), in one round when query_many is given
function M.make(opts)
  local query, memo = raw_query(opts), {}
  local function key(name, qtype) return lower(name) .. "\0" .. qtype end
  local function ask(name, qtype)
    local k = key(name, qtype)
    local hit = memo[k]
    if not hit then
      hit = { normalise(pcall(query, name, qtype)) }
      memo[k] = hit
    end
    return hit[1], hit[2]
  end
  local function ask_many(questions)
    if opts.query_many and #questions > 1 and not opts.keys then
      local qs = {}
      for i, q in ipairs(questions) do qs[i] = { q[1], q[2] } end
      local ok, got = pcall(opts.query_many, qs)
      for i, q in ipairs(questions) do
        local a = ok and type(got) == "table" and got[i]
        memo[key(q[1], q[2])] = { normalise(true, a, not ok and tostring(got) or nil) }
      end
    end
    local out = {}
    for i, q in ipairs(questions) do out[i] = { ask(q[1], q[2]) } end
    return out
  end
  return ask, ask_many
end

--- True for an answer that is a real answer (NOERROR or NXDOMAIN).
function M.answered(ans)
  return ans ~= nil and (ans.rcode == "NOERROR" or ans.rcode == "NXDOMAIN")
end

local function same(a, b)
  return a == nil or lower((a:gsub("%.$", ""))) == lower((b:gsub("%.$", "")))
end

-- CNAMEs of the answer from name on: the chain and the final target.
local function chase(ans, name, chain, seen)
  local target = name
  for _ = 1, #ans.records do
    local moved = false
    for _, r in ipairs(ans.records) do
      if r.type == "CNAME" and same(r.name, target) and type(r.data) == "string" then
        local to = r.data:gsub("%.$", "")
        if seen[lower(to)] then return target, true end
        seen[lower(to)] = true
        chain[#chain + 1] = { from = target, to = to, ttl = r.ttl }
        target, moved = to, true
        break
      end
    end
    if not moved then break end
  end
  return target, false
end

local function txt_at(ans, target)
  local out = {}
  for _, r in ipairs(ans.records) do
    if r.type == "TXT" and same(r.name, target) and type(r.data) == "table" then out[#out + 1] = r end
  end
  return out
end

--- TXT records at a name, following CNAMEs (in the answer, or asked again
-- when the source did not chase them).
-- @treturn table `{ state = "ok"|"nxdomain"|"nodata"|"dangling"|"temperror"|"loop",
--   records = {TXT records}, chain = { {from, to, ttl} }, target, rcode }`
function M.txt(ask, name)
  local chain, seen, cur = {}, { [lower(name)] = true }, name
  for _ = 1, M.MAX_CNAME + 1 do
    local ans, err = ask(cur, "TXT")
    if not M.answered(ans) then
      return { state = "temperror", chain = chain, target = cur,
               rcode = ans and ans.rcode or (err and (err.code or err.message)) or "error" }
    end
    local target, loop = chase(ans, cur, chain, seen)
    if loop or #chain > M.MAX_CNAME then return { state = "loop", chain = chain, target = target } end
    local recs = txt_at(ans, target)
    if #recs > 0 then return { state = "ok", records = recs, chain = chain, target = target } end
    if target == cur then
      return { state = ans.rcode == "NXDOMAIN" and (#chain > 0 and "dangling" or "nxdomain") or "nodata",
               chain = chain, target = target, rcode = ans.rcode }
    end
    if ans.rcode == "NXDOMAIN" then return { state = "dangling", chain = chain, target = target } end
    cur = target
  end
  return { state = "loop", chain = chain, target = cur }
end

return M
