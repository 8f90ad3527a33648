--- Diagnosis stage "verify": prove a candidate record with a what-if
-- check (the IP must pass with it); a candidate that does not pass is
-- dropped with a finding. A proved one becomes the report's fix, with the
-- steps a customer follows.
-- @module spfkit.diagnose.verify

local whatif = require "spfkit.whatif"
local txt = require "spfkit.txt"
local psl = require "spfkit.psl"
local proposal = require "spfkit.diagnose.proposal"
local provider = require "spfkit.diagnose.provider"

local M = {}

local ipairs, concat = ipairs, table.concat

-- How long caches may keep an answer we cannot see the TTL of (one
-- value for the diagnosis, named in the evaluate stage).
M.DEFAULT_WAIT = require("spfkit.diagnose.spf").DEFAULT_WAIT

local function run(ctx, t, record)
  return whatif.whatif{ ip = t.ip, sender = t.sender, helo = t.helo, record = record, dns = ctx.dns }
end

--- Whether a record makes the IP pass (a what-if, over the memoized DNS).
function M.passes(ctx, t, record)
  local w = run(ctx, t, record)
  return w ~= nil and w.result == "pass"
end

-- What-if over the candidate; the IP's term added when templates miss it.
local function prove(ctx, t, p)
  local w, werr = run(ctx, t, p.record)
  if w and w.result ~= "pass" then
    local q = proposal.with_ip(ctx, t, p)
    local w2 = q and run(ctx, t, q.record)
    if w2 and w2.result == "pass" then
      ctx:finding("diag-provider-no-ip", "warning", { ip = t.ip }, { ip = t.ip })
      return w2, nil, q
    end
  end
  return w, werr, p
end

local function rejected(ctx, t, p, w)
  ctx:finding("spf-fix-not-verified", "error", { ip = t.ip, record = p.record, result = w.result },
              { record = p.record, result = w.result, problem = w.problem })
  ctx.fix = { action = "none", reason = "fix-none-unverified" }
  ctx:summary("summary-spf-unverified", { domain = t.domain, ip = t.ip, result = w.result })
  ctx:step("step-ask-support", { domain = t.domain })
end

-- Where the record goes: the zone is the registered domain (Public
-- Suffix List), the host is the domain relative to it ("@" at the apex).
function M.placement(domain)
  local zone = psl.org_domain(domain) or domain
  if zone == domain then return zone, "@" end
  return zone, domain:sub(1, #domain - #zone - 1)
end

local function fix_of(ctx, t, pub, p)
  local ttl = ctx.ttl or (pub.ttl and pub.ttl >= 300 and pub.ttl <= 86400 and pub.ttl) or txt.DEFAULT_TTL
  local tx = assert(txt.txt(p.record, { domain = t.domain, ttl = ttl }))
  local before = p.before or (#pub.spf > 1 and concat(pub.spf, " | ") or pub.spf[1])
  local zone, host = M.placement(t.domain)
  return { action = p.action, type = "TXT", name = host, host = host, zone = zone, fqdn = tx.fqdn,
           value = tx.value, presentation = tx.presentation, strings = tx.strings, ttl = tx.ttl,
           zone_line = tx.zone_line, before = before }
end

-- How to type the value: the provider's panel wants the quotes typed
-- (its notice shows them), or most panels add them themselves.
local function quote_step(ctx, fix)
  local entry = ctx.provider and provider.entry(ctx.provider.id)
  if entry and entry.value_quotes then
    ctx:step("step-quotes-typed", { provider = entry.id, value = fix.presentation }, nil)
  else
    ctx:step("step-quotes-panel", { value = fix.value, zone_line = fix.zone_line or fix.presentation })
  end
end

-- The step that tells where to open the DNS settings.
local function open_step(ctx, t, fix)
  if fix.zone ~= t.domain then
    ctx:step("step-open-dns-zone", { domain = t.domain, zone = fix.zone, host = fix.host })
  else
    ctx:step("step-open-dns", { domain = t.domain })
  end
end

-- The steps a customer can follow.
local function steps(ctx, t, pub, fix, flattened)
  open_step(ctx, t, fix)
  if fix.action == "add" then
    ctx:step("step-add-txt", { domain = t.domain, host = fix.host, fqdn = fix.fqdn, value = fix.presentation,
                               ttl = fix.ttl })
  elseif #pub.spf > 1 then
    ctx:step("step-replace-multiple", { domain = t.domain, count = #pub.spf, value = fix.presentation })
  else
    ctx:step("step-edit-txt", { domain = t.domain, before = fix.before or "", value = fix.presentation })
  end
  quote_step(ctx, fix)
  for _, d in ipairs(ctx.deletions or {}) do ctx:step(d.code, d.params) end
  if #pub.other > 0 then ctx:step("step-keep-other-txt", { count = #pub.other }) end
  if pub.spf_rr then ctx:step("step-delete-spf-type", { domain = t.domain }) end
  if flattened then ctx:step("step-flatten-maintain", {}) end
  ctx:step("step-wait", { seconds = pub.ttl or pub.neg_ttl or M.DEFAULT_WAIT })
  ctx:step("step-verify-dns", { domain = t.domain, ip = t.ip })
  ctx:step(ctx:verify_step(), { domain = t.domain })
end

--- Prove a candidate; on success set `ctx.fix`, `ctx.whatif` and the steps.
-- @treturn boolean whether the candidate passed
function M.verify(ctx, t, pub, p)
  local w, werr
  w, werr, p = prove(ctx, t, p)
  if not w then
    ctx:finding("diag-merge-failed", "error", { detail = werr }, { error = werr and werr.code })
    return false
  end
  ctx.whatif = { result = w.result, before = w.before.result, changed = w.changed, record = p.record,
                 code = w.summary.code, text = w.summary.message }
  if w.result ~= "pass" then rejected(ctx, t, p, w) return false end
  if p.flattened then
    ctx:finding("spf-flatten", "warning", { lookups = p.lookups, limit = p.limit,
                count = #(p.flattened.flattened or {}) },
                { flattened = p.flattened.flattened or {}, lookups = p.flattened.lookups })
  end
  ctx.fix = fix_of(ctx, t, pub, p)
  steps(ctx, t, pub, ctx.fix, p.flattened)
  return true
end

return M
