--- Diagnosis, SPF part: evaluate the IP against the domain now (stage
-- "evaluate": what is published, one check), then judge it (stage
-- "findings": codes and params, the case, and the plan for a proposal).
-- The proposal and its what-if proof are `spfkit.diagnose.proposal` and
-- `spfkit.diagnose.verify`.
-- @module spfkit.diagnose.spf

local psl = require "spfkit.psl"
local ptr = require "spfkit.diagnose.ptr"
local provider = require "spfkit.diagnose.provider"
local lint = require "spfkit.lint"
local report = require "spfkit.report"
local pitfalls = require "spfkit.diagnose.pitfalls"

local M = {}

local type, ipairs, concat = type, ipairs, table.concat

-- How long caches may keep an answer we cannot see the TTL of.
M.DEFAULT_WAIT = 3600

-- TXT strings of an answer's TXT records.
local function txt_texts(ans, rtype)
  local out = {}
  for _, r in ipairs(ans and ans.records or {}) do
    if r.type == rtype and type(r.data) == "table" then
      out[#out + 1] = { text = concat(r.data), ttl = r.ttl, strings = r.data }
    end
  end
  return out
end

--- What is published at a domain now: `{ rcode, spf = {texts}, other =
-- {texts}, strings = {all TXT texts}, ttl, neg_ttl, spf_rr }`, or `nil, err`.
function M.published(ctx, domain)
  local ans, err = ctx.query(domain, "TXT")
  if not ans then return nil, err end
  local out = { rcode = ans.rcode, spf = {}, other = report.array(), strings = {}, neg_ttl = ans.neg_ttl,
                txt = {} }
  if ans.rcode ~= "NOERROR" then return out end
  for _, r in ipairs(txt_texts(ans, "TXT")) do
    out.strings[#out.strings + 1] = r.text
    out.txt[#out.txt + 1] = r
    if lint.is_spf(r.text) then
      out.spf[#out.spf + 1] = r.text
      if type(r.ttl) == "number" and (not out.ttl or r.ttl < out.ttl) then out.ttl = r.ttl end
    else
      out.other[#out.other + 1] = r.text
    end
  end
  local rr = txt_texts(ctx.query(domain, "SPF"), "SPF")[1]
  out.spf_rr = rr and rr.text
  return out
end

-- The result fields a report keeps.
local function spf_view(domain, pub, r)
  local spf = { domain = domain, records = report.array(pub and pub.spf or {}),
                other_txt = pub and pub.other or report.array(), ttl = pub and pub.ttl }
  if r then
    spf.result, spf.record, spf.lookups, spf.void_lookups = r.result, r.record, r.lookups, r.void_lookups
    spf.problem, spf.problem_code, spf.problem_position = r.problem, r.problem_code, r.problem_position
    spf.mechanism = r.matched_term or r.mechanism
    spf.received_spf = r.received_spf
  end
  return spf
end

-- The first questions of a diagnosis are independent: ask them in one
-- round (when the source can answer several at once) instead of one
-- after another. Later rounds follow the include tree level by level.
local function first_round(ctx, t)
  if not ctx.query_many then return end
  local qs = { { t.domain, "TXT" }, { t.domain, "SPF" } }
  for _, d in ipairs({ t.from_domain or t.domain, psl.org_domain(t.from_domain or t.domain) }) do
    qs[#qs + 1] = { "_dmarc." .. d, "TXT" }
  end
  -- the IP's PTR names the provider when the bounce's host names do not
  local rname = t.ip and ptr.reverse(t.ip)
  if rname and not ctx.providers and not provider.from_bounce(ctx.evidence or {}) then
    qs[#qs + 1] = { rname, "PTR" }
  end
  ctx.query_many(qs)
end

-- The lint of a domain's published record (its include tree walked once,
-- level by level), kept for the whole diagnosis.
local function lint_of(ctx, domain)
  ctx.lints = ctx.lints or {}
  local r = ctx.lints[domain]
  if r == nil then
    r = lint.lint{ domain = domain, dns = ctx.dns } or false
    ctx.lints[domain] = r
  end
  return r or { findings = {}, lookups = 0 }
end

--- Stage "evaluate": `{ pub, check, err }` for `t = {domain, ip, sender, helo}`:
-- what is published, its include tree (lint), then one check of the IP.
function M.evaluate(ctx, t)
  first_round(ctx, t)
  local pub, qerr = M.published(ctx, t.domain)
  local facts = { pub = pub, qerr = qerr }
  if pub and pub.rcode == "NOERROR" and t.ip then
    if #pub.spf > 0 then lint_of(ctx, t.domain) end
    facts.check, facts.check_err = ctx.check{ ip = t.ip, sender = t.sender, helo = t.helo }
  end
  ctx.spf = spf_view(t.domain, pub, facts.check)
  return facts
end

-- Lint findings of what is published (their words come with them).
local function add_lint(ctx, domain, skip)
  local r = lint_of(ctx, domain)
  for _, f in ipairs(r.findings) do
    if not (skip and skip[f.code]) then
      local p = f.params or { term = f.term, domain = f.domain, position = f.position }
      ctx:finding(f.code, f.severity, p, { term = f.term, position = f.position, domain = f.domain,
                  fix = f.fix }, not f.params and f.message or nil)
    end
  end
  return r
end
M.add_lint = add_lint

-- Cases where no record can be proposed.
local function dns_trouble(ctx, t, facts)
  local pub, domain = facts.pub, t.domain
  if not pub or (pub.rcode ~= "NOERROR" and pub.rcode ~= "NXDOMAIN") then
    local why = pub and pub.rcode or (facts.qerr and facts.qerr.code) or "error"
    ctx:finding("spf-temperror", "error", { domain = domain, rcode = why }, { rcode = why })
    ctx:summary("summary-spf-temperror", { domain = domain })
    ctx:step("step-check-nameservers", { domain = domain })
    return "spf-temperror"
  end
  if pub.rcode == "NXDOMAIN" then
    ctx:finding("domain-nxdomain", "error", { domain = domain }, { rcode = "NXDOMAIN" })
    ctx:summary("summary-domain-nxdomain", { domain = domain })
    ctx:step("step-check-domain", { domain = domain })
    return "domain-nxdomain"
  end
end

-- No address to evaluate: audit what is published.
local function no_ip(ctx, t, facts)
  local lr = add_lint(ctx, t.domain)
  ctx.spf.lookups = lr.lookups
  ctx:finding("spf-no-ip", "warning", { domain = t.domain }, {})
  ctx:summary(#facts.pub.spf == 0 and "summary-spf-no-record-no-ip" or "summary-spf-no-ip", { domain = t.domain })
  ctx:step(ctx:find_ip_step(), {})
  return "spf-no-ip"
end

local function passes(ctx, t, facts)
  local r, domain = facts.check, t.domain
  local wait = facts.pub.ttl or M.DEFAULT_WAIT
  ctx:finding("spf-pass-now", "info", { domain = domain, ip = t.ip, term = ctx.spf.mechanism or "?",
              seconds = wait }, { result = r.result, record = r.record })
  if t.dkim == "fail" or t.from_bounce then
    ctx:finding("spf-pass-check-dkim", "info", { domain = domain }, { dkim = t.dkim })
  end
  add_lint(ctx, domain)
  ctx:summary(t.from_bounce and "summary-spf-pass" or "summary-spf-pass-now", { domain = domain, ip = t.ip })
  ctx:step(ctx:verify_step(), { domain = domain })
  ctx.ok = true
  return "spf-pass"
end

local function temperror(ctx, t, facts)
  local r = facts.check
  ctx:finding("spf-temperror", "error", { domain = t.domain, rcode = r.problem_code or "temperror" },
              { problem = r.problem })
  ctx:summary("summary-spf-temperror", { domain = t.domain })
  ctx:step("step-check-nameservers", { domain = t.domain })
  return "spf-temperror"
end

-- No record: add one (or move the SPF-type record's value to TXT).
local function none(ctx, t, facts)
  local pub = facts.pub
  if pub.spf_rr then
    ctx:finding("spf-rr-type-only", "error", { domain = t.domain, record = pub.spf_rr }, { record = pub.spf_rr })
  else
    ctx:finding("spf-no-record", "error", { domain = t.domain, ip = t.ip }, { result = "none" })
  end
  add_lint(ctx, t.domain, { ["no-record"] = true, ["spf-rr-type"] = true })
  return "spf-none", { action = "add", base = pub.spf_rr }
end

local function permerror(ctx, t, facts)
  local r, code = facts.check, facts.check.problem_code
  local case = (code == "too-many-lookups" or code == "too-many-mx") and "spf-too-many-lookups" or "spf-permerror"
  ctx:finding("spf-permerror", "error", { domain = t.domain, problem = r.problem or code or "?",
              problem_code = code or "permerror" },
              { problem_code = code, position = r.problem_position, record = r.record })
  add_lint(ctx, t.domain)
  return case, { action = "replace", clean = case == "spf-permerror" }
end

local function not_authorized(ctx, t, facts)
  local r = facts.check
  ctx:finding("spf-not-authorized", "error", { domain = t.domain, ip = t.ip, result = r.result,
              record = r.record or "" }, { result = r.result, record = r.record })
  add_lint(ctx, t.domain)
  return "spf-fail", { action = "merge" }
end

local BY_RESULT = { pass = passes, temperror = temperror, none = none, permerror = permerror }

-- The customer's record written wrongly: one of the notices' pitfalls.
local function mistyped(ctx, t, facts)
  for _, rec in ipairs(facts.pub.txt or {}) do
    local u = pitfalls.unquoted(rec)
    if u then
      ctx:finding("txt-unquoted", "error", { domain = t.domain, record = u.joined, repaired = u.repaired }, u)
      return "txt-unquoted", { action = "replace", base = { u.repaired }, before = u.joined }
    end
    local o = pitfalls.inside_other(rec)
    if o then
      ctx:finding("txt-spf-inside-other", "error", { domain = t.domain, record = o.joined, other = o.other,
                  spf = o.spf }, o)
      ctx.deletions = { { code = "step-split-record", params = { other = o.other, spf = o.spf } } }
      return "txt-spf-inside-other", { action = "add", base = { o.spf } }
    end
  end
end

-- An include:/redirect= typo of a provider's include.
local function typo(ctx, t, facts)
  local typos = pitfalls.include_typos(ctx, facts.pub.spf)
  if #typos == 0 then return nil end
  for _, x in ipairs(typos) do
    ctx:finding("include-typo", "error", { domain = t.domain, term = x.term, suggestion = x.suggestion }, x)
  end
  local fixed = {}
  for _, rec in ipairs(facts.pub.spf) do
    for _, x in ipairs(typos) do if x.record == rec then rec = x.fixed end end
    fixed[#fixed + 1] = rec
  end
  return "include-typo", { action = #fixed > 1 and "replace" or "merge", base = fixed }
end

-- No record at the name, but one at <name>.<zone> (the missing trailing dot).
local function doubled(ctx, t, facts)
  if #facts.pub.spf > 0 then return nil end
  local d = pitfalls.doubled(ctx, t.domain)
  if not d then return nil end
  ctx:finding("txt-doubled-name", "error", { domain = t.domain, wrong = d.wrong, right = d.right,
              record = d.record }, d)
  ctx.deletions = { { code = "step-delete-doubled", params = { wrong = d.wrong, record = d.record } } }
  return "txt-doubled-name", { action = "add", base = { d.record } }
end

-- A pitfall that explains a failing result replaces the generic case.
local function pitfall(ctx, t, facts)
  if facts.check.result == "pass" then return nil end
  local case, plan = mistyped(ctx, t, facts)
  if not case then case, plan = typo(ctx, t, facts) end
  if not case and facts.check.result == "none" then case, plan = doubled(ctx, t, facts) end
  return case, plan
end

--- Stage "findings": judge the facts. Returns the case and, when a record
-- should be proposed, a plan `{ action, base, clean }`.
function M.judge(ctx, t, facts)
  local case = dns_trouble(ctx, t, facts)
  if case then return case end
  if not t.ip then return no_ip(ctx, t, facts) end
  if not facts.check then
    ctx:fail("input-bad-ip", { ip = t.ip, detail = facts.check_err and facts.check_err.message or "" })
    return "error"
  end
  local plan
  case, plan = pitfall(ctx, t, facts)
  if case then
    add_lint(ctx, t.domain, { ["version-typo"] = true, ["no-record"] = true, ["include-no-record"] = true })
    return case, plan
  end
  case, plan = (BY_RESULT[facts.check.result] or not_authorized)(ctx, t, facts)
  if plan then
    plan.base = plan.base or (plan.action ~= "add" and facts.pub.strings or nil)
    if #facts.pub.spf > 1 then plan.action = "replace" end
  end
  return case, plan
end

return M
