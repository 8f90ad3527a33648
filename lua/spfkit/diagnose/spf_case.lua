--- The SPF case as one line of stages: evaluate (what is published, one
-- check) -> findings (judge) -> proposal (one candidate record) -> verify
-- (what-if). Used by the diagnosis, the DMARC case (when SPF can carry
-- DMARC) and mailing lists (the list domain's own record).
-- @module spfkit.diagnose.spf_case

local spf = require "spfkit.diagnose.spf"
local proposal = require "spfkit.diagnose.proposal"
local verify = require "spfkit.diagnose.verify"
local provider = require "spfkit.diagnose.provider"
local providers = require "spfkit.providers"

local M = {}

local ipairs = ipairs

-- Can the inferred provider's template be filled (its {host} known)?
local function usable(p)
  local entry = provider.entry(p.id)
  if not entry or entry.panel_only then return false end
  for _, need in ipairs(providers.required(p.id) or {}) do
    if need == "host" and not p.host then return false end
  end
  return true
end

--- Who sent the mail: the caller's providers, else inferred from the
-- bounce (its hosts, the IP's PTR) or from the current record; a
-- template inferred from the bounce is used for the proposal.
function M.choose_provider(ctx, pub)
  if ctx.provider ~= nil then return ctx.provider end
  local given = ctx.opts.providers
  if given and given[1] then
    ctx.provider = { id = given[1].id, from = "caller", host = given[1].host }
    return ctx.provider
  end
  local p = provider.infer(ctx, ctx.evidence or {}, pub and pub.spf)
  ctx.provider = p or false
  if p and p.from ~= "record" and usable(p) then ctx.providers = { { id = p.id, host = p.host } } end
  if p then ctx:finding("provider-inferred", "info", { provider = p.id, from = p.from, clue = p.clue }, p) end
  return p
end

--- Run the SPF stages for `t = { domain, ip, sender, helo, dkim, from_bounce }`.
-- Sets `ctx.spf`, `ctx.fix`, `ctx.whatif`, findings, steps and summary.
-- @treturn string the case (`spf-none`, `spf-fail`, `spf-permerror`,
--   `spf-too-many-lookups`, `spf-pass`, `spf-temperror`, `domain-nxdomain`,
--   `spf-no-ip`, `error`)
function M.run(ctx, t)
  local facts = spf.evaluate(ctx, t)
  local case, plan = spf.judge(ctx, t, facts)
  if not plan then return case end
  M.choose_provider(ctx, facts.pub)
  local candidate = proposal.propose(ctx, t, facts.pub, plan, function(rec) return verify.passes(ctx, t, rec) end)
  if candidate and verify.verify(ctx, t, facts.pub, candidate) then
    ctx:summary("summary-spf-" .. ctx.fix.action, { domain = t.domain, ip = t.ip, result = facts.check.result })
  elseif not ctx.summary_code then
    ctx:summary("summary-spf-no-proposal", { domain = t.domain, ip = t.ip, result = facts.check.result })
  end
  return case
end

return M
