--- The SPF case as one line of stages: evaluate (what is published, one
-- check) -> findings (judge) -> proposal (one candidate record) -> verify
-- (what-if). Used by the diagnosis, the DMARC case (when SPF can carry
-- DMARC) and mailing lists (the list domain's own record).
-- @module spfkit.diagnose.spf_case

local spf = require "spfkit.diagnose.spf"
local proposal = require "spfkit.diagnose.proposal"
local verify = require "spfkit.diagnose.verify"

local M = {}

--- Run the SPF stages for `t = { domain, ip, sender, helo, dkim, from_bounce }`.
-- Sets `ctx.spf`, `ctx.fix`, `ctx.whatif`, findings, steps and summary.
-- @treturn string the case (`spf-none`, `spf-fail`, `spf-permerror`,
--   `spf-too-many-lookups`, `spf-pass`, `spf-temperror`, `domain-nxdomain`,
--   `spf-no-ip`, `error`)
function M.run(ctx, t)
  local facts = spf.evaluate(ctx, t)
  local case, plan = spf.judge(ctx, t, facts)
  if not plan then return case end
  local candidate = proposal.propose(ctx, t, facts.pub, plan)
  if candidate and verify.verify(ctx, t, facts.pub, candidate) then
    ctx:summary("summary-spf-" .. ctx.fix.action, { domain = t.domain, ip = t.ip, result = facts.check.result })
  elseif not ctx.summary_code then
    ctx:summary("summary-spf-no-proposal", { domain = t.domain, ip = t.ip, result = facts.check.result })
  end
  return case
end

return M
