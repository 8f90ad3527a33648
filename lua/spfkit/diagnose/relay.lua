--- Diagnosis, forwarding and mailing lists (the Sakura notice, seed 002):
-- when the bounce shows the message was forwarded or sent through a list,
-- the receiver checked the original domain's SPF against the forwarding
-- server's address — no record of the original domain can pass there.
-- What helps is DKIM (survives forwarding), ARC and SRS on the forwarder,
-- or the list domain's own record.
-- @module spfkit.diagnose.relay

local spf_case = require "spfkit.diagnose.spf_case"

local M = {}

local function lower(s) return type(s) == "string" and s:lower() or nil end

--- Evidence of forwarding or a mailing list in a bounce entry.
-- @tparam table e a `spfkit.bounce.parse` entry
-- @treturn ?table `{ kind = "forwarded"|"mailing-list", evidence = {...} }`
function M.detect(e)
  local o = e.original or {}
  local rcpt = lower(e.recipient)
  if o.list_id or o.list_post or o.ml_name or o.mailman or o.precedence == "list" then
    return { kind = "mailing-list", list = o.list_id or o.ml_name or o.list_post,
             evidence = { list_id = o.list_id, list_post = o.list_post, ml_name = o.ml_name,
                          mailman = o.mailman, precedence = o.precedence } }
  end
  local ev = {}
  if e.original_recipient and lower(e.original_recipient) ~= rcpt then
    ev.original_recipient = e.original_recipient
  end
  if o.forwarded_to then ev.forwarded_to = o.forwarded_to end
  if o.resent_from then ev.resent_from = o.resent_from end
  if o.delivered_to and rcpt and lower(o.delivered_to) ~= rcpt then ev.delivered_to = o.delivered_to end
  local s = lower(e.sender or o.return_path or "")
  if s:find("^srs[01][=+%-]") then ev.srs = e.sender or o.return_path end
  if next(ev) then
    return { kind = "forwarded", via = ev.original_recipient or ev.delivered_to, evidence = ev }
  end
  return nil
end

--- Explain a relayed bounce. `t` as for the SPF part.
function M.analyse(ctx, t, relay)
  if relay.kind == "mailing-list" then
    -- the receiver checked t.domain: with a list that rewrites the
    -- envelope, that is the list's own domain and its record is the fix
    ctx:finding("relay-mailing-list", "warning", { list = tostring(relay.list), domain = t.domain },
                relay.evidence)
    spf_case.run(ctx, t)
    ctx:step("step-list-dkim", { domain = t.domain })
    return "mailing-list"
  end
  -- forwarded: evaluate for the record (information), but do not propose
  -- adding the forwarder's address to someone else's domain
  ctx:finding("relay-forwarded", "warning", { domain = t.domain, ip = tostring(t.ip),
              via = tostring(relay.via or "?"), recipient = tostring(ctx.evidence and ctx.evidence.bounce
              and ctx.evidence.bounce.recipient) },
              relay.evidence)
  if t.ip then
    local r = ctx.check{ ip = t.ip, sender = t.sender, helo = t.helo }
    if r then
      ctx.spf = { domain = t.domain, result = r.result, record = r.record, lookups = r.lookups,
                  void_lookups = r.void_lookups, problem = r.problem, problem_code = r.problem_code }
    end
  end
  ctx.fix = { action = "none", owner = "forwarder", reason = "fix-none-forwarded" }
  ctx:summary("summary-forwarded", { domain = t.domain, via = tostring(relay.via or "?") })
  ctx:step("step-forward-fetch", {})
  ctx:step("step-forward-srs", {})
  ctx:step("step-forward-dkim", { domain = t.domain })
  return "forwarded"
end

return M
