--- spfkit.dns.ttl: how long an answer may be cached — the rule of the C
-- cache (csrc/dns_cache.c `answer_ttl`) for caches kept in Lua (the Lua
-- side of `spfkit.cache`, the nginx shared-dict cache of
-- `spfkit.openresty`), so that every cache of spfkit keeps answers alike.
--
-- Positive answers live for the smallest TTL of their records; negative
-- answers (NXDOMAIN, NODATA) for `neg_ttl` (min(SOA TTL, SOA MINIMUM) of
-- the authority section, RFC 2308 section 5) capped by `max_neg_ttl`, and
-- are not cached without it; SERVFAIL, REFUSED, timeouts and failures are
-- never cached. The result is clamped to [min_ttl, max_ttl].
-- @module spfkit.dns.ttl

local M = {}

--- The default policy (seconds), as `spfkit.cache`'s defaults.
M.defaults = { min_ttl = 0, max_ttl = 86400, max_neg_ttl = 3600 }

--- Seconds an answer may be cached; 0 means "do not cache".
-- @tparam table ans an answer `{ rcode =, records = {{type=, ttl=}, ...}, neg_ttl = }`
-- @tparam string qtype the type asked
-- @tparam[opt] table policy `{ min_ttl =, max_ttl =, max_neg_ttl = }`
-- @treturn number seconds
function M.answer_ttl(ans, qtype, policy)
  policy = policy or M.defaults
  if type(ans) ~= "table" or ans.tc or ans.cached then return 0 end
  if ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN" then return 0 end
  local ttl, have = math.huge, false
  for _, r in ipairs(ans.records or {}) do
    if r.type == qtype then have = true end
    if type(r.ttl) == "number" and r.ttl < ttl then ttl = r.ttl end
  end
  if not have then
    local neg = tonumber(ans.neg_ttl)
    if not neg or neg <= 0 then return 0 end
    if neg < ttl then ttl = neg end
    if ttl > (policy.max_neg_ttl or M.defaults.max_neg_ttl) then ttl = policy.max_neg_ttl or M.defaults.max_neg_ttl end
  end
  if ttl == math.huge then return 0 end
  local lo, hi = policy.min_ttl or M.defaults.min_ttl, policy.max_ttl or M.defaults.max_ttl
  if ttl < lo then ttl = lo end
  if ttl > hi then ttl = hi end
  return math.floor(ttl)
end

--- A copy of a cached answer as served after `age` seconds: TTLs reduced,
-- `cached = true`, `ms = 0`.
-- @tparam table ans the stored answer
-- @tparam number age seconds spent in the cache
-- @treturn table a new answer table (records copied)
function M.aged(ans, age)
  age = math.floor(age)
  local out, recs = {}, {}
  for k, v in pairs(ans) do out[k] = v end
  for i, r in ipairs(ans.records or {}) do
    local c = {}
    for k, v in pairs(r) do c[k] = v end
    if type(c.ttl) == "number" then c.ttl = c.ttl > age and c.ttl - age or 0 end
    recs[i] = c
  end
  out.records, out.cached, out.ms = recs, true, 0
  if type(out.neg_ttl) == "number" then out.neg_ttl = out.neg_ttl > age and out.neg_ttl - age or 0 end
  return out
end

return M
