--- Diagnosis stage "proposal": from the SPF plan (add, merge, replace) to
-- one candidate record — the customer's provider templates first, else
-- the IP the receiver saw; broken terms dropped; flattened when the merge
-- would pass the lookup limit. The candidate is not shown until
-- `spfkit.diagnose.verify` proves it.
-- @module spfkit.diagnose.proposal

local core = require "spfkit.core"
local lint = require "spfkit.lint"
local build = require "spfkit.build"
local providers = require "spfkit.providers"

local M = {}

local type, ipairs, pairs, concat, tostring = type, ipairs, pairs, table.concat, tostring

-- Lint codes that mean "this term breaks the record".
local BREAKING = { syntax = true, ["include-no-record"] = true, ["include-loop"] = true }

local function ip_term(ip)
  return ip and ((ip:find(":", 1, true) and "ip6:" or "ip4:") .. ip) or nil
end
M.ip_term = ip_term

-- One provider's terms (`{ip}` filled from the bounce's IP), or nil.
local function provider_terms(ctx, spec, ip)
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  for _, p in ipairs(providers.required(s.id) or {}) do
    if p == "ip" and s.ip == nil and ip then s.ip = ip end
  end
  local terms, perr = build.provider_terms(s)
  if not terms then
    ctx:finding("diag-provider-unusable", "warning", { id = tostring(s.id), detail = perr },
                { provider = s.id, error = perr and perr.code })
  end
  return terms
end

--- The terms to add: the customer's providers' templates, else the IP.
-- @treturn table terms
-- @treturn ?string the IP's own term
function M.additions(ctx, ip)
  local list = {}
  for _, spec in ipairs(ctx.providers or {}) do
    for _, term in ipairs(provider_terms(ctx, spec, ip) or {}) do list[#list + 1] = term end
  end
  if #list == 0 and ip_term(ip) then list[1] = ip_term(ip) end
  return list, ip_term(ip)
end

-- The first term of a record that breaks it, or nil.
local function breaking_term(ctx, record, domain)
  local rec, perr = core.parse(record)
  if not rec then
    if perr.code == "not-spf" then return nil, true end
    return record:match("^(%S+)", perr.position)
  end
  local r = lint.lint{ record = record, domain = domain, dns = ctx.dns }
  local function broken(node)
    if node.error and node.error ~= "dns-temperror" then return true end
    for _, c in ipairs(node.children or {}) do if broken(c) then return true end end
    return false
  end
  for _, c in ipairs(r.tree and r.tree.children or {}) do
    if c.term and broken(c) then return c.term end
  end
  for _, f in ipairs(r.findings) do
    if BREAKING[f.code] and f.term and (f.domain == nil or f.domain == domain) then return f.term end
  end
end

-- The record without its first occurrence of `term`, or nil.
local function without(record, term)
  local out, dropped = {}, false
  for tok in record:gmatch("%S+") do
    if not dropped and tok == term then dropped = true else out[#out + 1] = tok end
  end
  return dropped and concat(out, " ") or nil
end

--- Drop the terms that break a record, one at a time, checking again
-- after each. Returns the cleaned record (nil if nothing usable is left)
-- and the dropped terms.
function M.clean_record(ctx, record, domain)
  local fixed, removed = lint.repair(record), {}
  for _ = 1, 12 do
    local bad, hopeless = breaking_term(ctx, fixed, domain)
    if hopeless then return nil, removed end
    if not bad then return fixed, removed end
    fixed = without(fixed, bad)
    if not fixed then return nil, removed end
    removed[#removed + 1] = bad
  end
  return nil, removed
end

-- The base records of a replace: each SPF record cleaned, others kept.
local function cleaned_base(ctx, domain, pub)
  local base, removed = {}, {}
  for _, rec in ipairs(pub.spf) do
    local c, rm = M.clean_record(ctx, rec, domain)
    if c then base[#base + 1] = c end
    for _, x in ipairs(rm) do removed[#removed + 1] = x end
  end
  if #removed > 0 then
    ctx:finding("spf-terms-removed", "warning", { terms = concat(removed, " ") }, { terms = removed })
  end
  for _, o in ipairs(pub.other) do base[#base + 1] = o end
  return base
end

--- Build the candidate record for a plan (`passes(record)`, optional: a
-- what-if that tells whether the base records alone already pass).
-- @treturn ?table `{ action, record, additions, ip_term, flattened, lookups,
--   limit }`, or nil after a `diag-merge-failed` finding
-- The base records as one record, without additions, when that already
-- passes (the customer's own record, repaired, is the fix).
local function as_is(ctx, t, base, passes)
  if not passes or not base then return nil end
  local record = build.merge(base, {}, { dns = ctx.dns, domain = t.domain })
  if type(record) == "string" and passes(record) then return record end
end

function M.propose(ctx, t, pub, plan, passes)
  local base = plan.clean and cleaned_base(ctx, t.domain, pub) or plan.base
  local own_record = plan.action ~= "merge" or plan.base ~= pub.strings
  local bare = own_record and not ctx.providers and as_is(ctx, t, base, passes)
  if bare then return { action = plan.action, record = bare, additions = {}, before = plan.before } end
  local additions, own = M.additions(ctx, t.ip)
  local record, info = build.merge(base, additions, { dns = ctx.dns, domain = t.domain })
  local p = { action = plan.action, record = record, additions = additions, ip_term = own, before = plan.before }
  if not record and info and info.code == "merge-too-many-lookups" and info.flatten then
    p.record, p.flattened, p.action = info.flatten.record, info.flatten, "replace"
    p.lookups, p.limit = info.lookups, info.limit or core.LIMITS.lookups
  elseif not record then
    ctx:finding("diag-merge-failed", "error", { detail = info }, { error = info and info.code })
    return nil
  end
  return p
end

--- The candidate with the IP's own term added (when the templates miss it).
function M.with_ip(ctx, t, p)
  if not p.ip_term or p.record:find(p.ip_term, 1, true) or #(ctx.providers or {}) == 0 then return nil end
  local r2 = build.merge(p.record, { p.ip_term }, { dns = ctx.dns, domain = t.domain })
  if type(r2) ~= "string" then return nil end
  local q = {}
  for k, v in pairs(p) do q[k] = v end
  q.record = r2
  return q
end

return M
