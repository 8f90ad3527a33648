--- Diagnosis, SPF part: evaluate the bounce's IP against the domain now,
-- and propose the one TXT record that makes it pass (add, merge, replace
-- or flatten), proved with a what-if check before it is shown.
--
-- Works on a diagnosis context (see `spfkit.diagnose`): `ctx.query`,
-- `ctx.check`, `ctx.dns`, `ctx:finding`, `ctx:step`, `ctx:summary`.
-- @module spfkit.diagnose.spf

local lint = require "spfkit.lint"
local txt = require "spfkit.txt"
local build = require "spfkit.build"
local providers = require "spfkit.providers"
local report = require "spfkit.report"

local M = {}

local type, ipairs, pairs, concat, tostring = type, ipairs, pairs, table.concat, tostring

-- How long caches may keep an answer we cannot see the TTL of.
M.DEFAULT_WAIT = 3600

-- Lint codes that mean "this term breaks the record" (the term is dropped
-- from a proposal when it cannot be repaired).
local BREAKING = { syntax = true, ["include-no-record"] = true, ["include-loop"] = true }

local floor = math.floor

local function human_seconds(ctx, s)
  s = floor(s)
  local h, m = floor(s / 3600), floor((s % 3600) / 60)
  if s >= 3600 and s % 60 == 0 then
    if m == 0 then return ctx:t("unit-hours", { n = h }) end
    return ctx:t("unit-hours-minutes", { h = h, m = m })
  end
  if s >= 60 and s % 60 == 0 then return ctx:t("unit-minutes", { n = floor(s / 60) }) end
  return ctx:t("unit-seconds", { n = s })
end
M.human_seconds = human_seconds

-- TXT and SPF-type records published at the domain now.
local function published(ctx, domain)
  local ans, err = ctx.query(domain, "TXT")
  if not ans then return nil, err end
  local out = { rcode = ans.rcode, spf = {}, other = report.array(), ttl = nil, strings = {},
                neg_ttl = ans.neg_ttl }
  if ans.rcode ~= "NOERROR" then return out end
  for _, r in ipairs(ans.records or {}) do
    if r.type == "TXT" and type(r.data) == "table" then
      local text = concat(r.data)
      out.strings[#out.strings + 1] = text
      if lint.is_spf(text) then
        out.spf[#out.spf + 1] = text
        if type(r.ttl) == "number" and (not out.ttl or r.ttl < out.ttl) then out.ttl = r.ttl end
      else
        out.other[#out.other + 1] = text
      end
    end
  end
  local spf_rr = ctx.query(domain, "SPF")
  if spf_rr and spf_rr.rcode == "NOERROR" then
    for _, r in ipairs(spf_rr.records or {}) do
      if r.type == "SPF" and type(r.data) == "table" then out.spf_rr = concat(r.data) break end
    end
  end
  return out
end

-- The terms to add: the customer's providers' templates, else the IP.
local function additions_for(ctx, ip)
  local list = {}
  local ip_term = ip and ((ip:find(":", 1, true) and "ip6:" or "ip4:") .. ip) or nil
  for _, spec in ipairs(ctx.providers or {}) do
    local s = {}
    for k, v in pairs(spec) do s[k] = v end
    local need = providers.required(s.id)
    if need then
      for _, p in ipairs(need) do if p == "ip" and s.ip == nil and ip then s.ip = ip end end
    end
    local terms, perr = build.provider_terms(s)
    if terms then
      for _, t in ipairs(terms) do list[#list + 1] = t end
    else
      ctx:finding("diag-provider-unusable", "warning", { id = tostring(s.id), detail = ctx:msg(perr) },
                  { provider = s.id, error = perr.code })
    end
  end
  if #list == 0 and ip_term then list[1] = ip_term end
  return list, ip_term
end

-- Drop the terms that break a record (syntax errors, includes of names
-- without a record, include loops), one at a time, checking again after
-- each; returns the cleaned record and the dropped terms.
local function clean_record(ctx, record, domain)
  local fixed = lint.repair(record)
  local removed = {}
  for _ = 1, 12 do
    local rec, perr = require("spfkit").parse(fixed)
    local bad
    if not rec then
      if perr.code == "not-spf" then return nil, removed end
      bad = fixed:match("^(%S+)", perr.position)
    else
      local r = lint.lint{ record = fixed, domain = domain, dns = ctx.dns }
      local function broken(node)
        if node.error and node.error ~= "dns-temperror" then return true end
        for _, c in ipairs(node.children or {}) do if broken(c) then return true end end
        return false
      end
      for _, c in ipairs(r.tree and r.tree.children or {}) do
        if c.term and broken(c) then bad = c.term break end
      end
      if not bad then
        for _, f in ipairs(r.findings) do
          if BREAKING[f.code] and f.term and (f.domain == nil or f.domain == domain) then bad = f.term break end
        end
      end
    end
    if not bad then return fixed, removed end
    local tokens, out, dropped = {}, {}, false
    for tok in fixed:gmatch("%S+") do tokens[#tokens + 1] = tok end
    for _, tok in ipairs(tokens) do
      if not dropped and tok == bad then dropped = true else out[#out + 1] = tok end
    end
    if not dropped then return nil, removed end
    removed[#removed + 1] = bad
    fixed = concat(out, " ")
  end
  return nil, removed
end

-- Add the lint findings of what is published (in the report's language).
local function add_lint(ctx, domain, skip)
  local r = lint.lint{ domain = domain, dns = ctx.dns }
  for _, f in ipairs(r.findings) do
    if not (skip and skip[f.code]) then
      ctx:finding(f.code, f.severity, nil, { term = f.term, position = f.position, domain = f.domain,
                  fix = f.fix }, f.message)
    end
  end
  return r
end

-- Propose a record, prove it with what-if, and fill ctx.fix and the steps.
local function propose(ctx, t, pub, base, action)
  local additions, ip_term = additions_for(ctx, t.ip)
  local record, info = build.merge(base, additions, { dns = ctx.dns, domain = t.domain })
  local flattened
  if not record and info and info.code == "merge-too-many-lookups" and info.flatten then
    record, flattened = info.flatten.record, info.flatten
    action = "replace"
  elseif not record then
    ctx:finding("diag-merge-failed", "error", { detail = ctx:msg(info) }, { error = info and info.code })
    return false
  end
  local function verify(rec)
    return require("spfkit").whatif{ ip = t.ip, sender = t.sender, helo = t.helo, record = rec, dns = ctx.dns }
  end
  local w, werr = verify(record)
  if w and w.result ~= "pass" and ip_term and not record:find(ip_term, 1, true) and #(ctx.providers or {}) > 0 then
    -- the providers' templates do not cover the address the receiver saw
    local r2 = build.merge(record, { ip_term }, { dns = ctx.dns, domain = t.domain })
    local w2 = r2 and verify(r2)
    if w2 and w2.result == "pass" then
      ctx:finding("diag-provider-no-ip", "warning", { ip = t.ip }, { ip = t.ip })
      record, w = r2, w2
    end
  end
  if not w then
    ctx:finding("diag-merge-failed", "error", { detail = ctx:msg(werr) }, { error = werr and werr.code })
    return false
  end
  ctx.whatif = { result = w.result, before = w.before.result, changed = w.changed,
                 record = record, message = w.summary.message[ctx.lang] }
  if w.result ~= "pass" then
    ctx:finding("spf-fix-not-verified", "error", { ip = t.ip, record = record, result = w.result },
                { record = record, result = w.result, problem = w.problem })
    ctx.fix = { action = "none" }
    ctx:summary("summary-spf-unverified", { domain = t.domain, ip = t.ip, result = w.result })
    ctx:step("step-ask-support", { domain = t.domain })
    return false
  end
  if flattened then
    ctx:finding("spf-flatten", "warning", { lookups = info.lookups, limit = info.limit or 10,
                count = #(flattened.flattened or {}) },
                { flattened = report.array(flattened.flattened or {}), lookups = flattened.lookups })
  end
  local ttl = ctx.ttl or (pub.ttl and pub.ttl >= 300 and pub.ttl <= 86400 and pub.ttl) or txt.DEFAULT_TTL
  local tx = assert(txt.txt(record, { domain = t.domain, ttl = ttl }))
  local before = pub.spf[1]
  if #pub.spf > 1 then before = concat(pub.spf, " | ") end
  ctx.fix = { action = action, type = "TXT", name = tx.name, fqdn = tx.fqdn, value = tx.value,
              presentation = tx.presentation, strings = report.array(tx.strings), ttl = tx.ttl,
              zone_line = tx.zone_line, before = before }
  -- steps a customer can follow
  ctx:step("step-open-dns", { domain = t.domain })
  if action == "add" then
    ctx:step("step-add-txt", { domain = t.domain, fqdn = tx.fqdn, value = tx.presentation, ttl = tx.ttl })
  elseif #pub.spf > 1 then
    ctx:step("step-replace-multiple", { domain = t.domain, count = #pub.spf, value = tx.presentation })
  else
    ctx:step("step-edit-txt", { domain = t.domain, before = before or "", value = tx.presentation })
  end
  if #pub.other > 0 then ctx:step("step-keep-other-txt", { count = #pub.other }) end
  if pub.spf_rr then ctx:step("step-delete-spf-type", { domain = t.domain }) end
  if flattened then ctx:step("step-flatten-maintain", {}) end
  local wait = pub.ttl or pub.neg_ttl or M.DEFAULT_WAIT
  ctx:step("step-wait", { seconds = wait, human = human_seconds(ctx, wait) })
  ctx:step("step-verify-dns", { domain = t.domain, ip = t.ip })
  ctx:step("step-verify-gmail", { domain = t.domain })
  return true
end

--- Analyse SPF for `t = { domain, ip, sender, helo, dkim }`.
-- Sets `ctx.spf`, `ctx.fix`, `ctx.whatif`, findings, steps and summary.
-- @treturn string the case (`spf-none`, `spf-fail`, `spf-permerror`,
--   `spf-too-many-lookups`, `spf-pass`, `spf-temperror`, `domain-nxdomain`,
--   `spf-no-ip`)
function M.analyse(ctx, t)
  local domain = t.domain
  local pub, qerr = published(ctx, domain)
  local spf = { domain = domain, records = report.array(pub and pub.spf or {}),
                other_txt = pub and pub.other or report.array(), ttl = pub and pub.ttl }
  ctx.spf = spf
  if not pub or (pub.rcode ~= "NOERROR" and pub.rcode ~= "NXDOMAIN") then
    local why = pub and pub.rcode or (qerr and qerr.code) or "error"
    ctx:finding("spf-temperror", "error", { domain = domain, rcode = why }, { rcode = why })
    ctx:summary("summary-spf-temperror", { domain = domain })
    ctx:step("step-check-nameservers", { domain = domain })
    ctx.fix = { action = "none" }
    return "spf-temperror"
  end
  if pub.rcode == "NXDOMAIN" then
    ctx:finding("domain-nxdomain", "error", { domain = domain }, { rcode = "NXDOMAIN" })
    ctx:summary("summary-domain-nxdomain", { domain = domain })
    ctx:step("step-check-domain", { domain = domain })
    ctx.fix = { action = "none" }
    return "domain-nxdomain"
  end

  if not t.ip then
    -- no address to evaluate: audit what is published
    local lr = add_lint(ctx, domain)
    spf.lookups = lr.lookups
    ctx:finding("spf-no-ip", "warning", { domain = domain }, {})
    ctx.fix = { action = "none" }
    if #pub.spf == 0 then
      ctx:summary("summary-spf-no-record-no-ip", { domain = domain })
    else
      ctx:summary("summary-spf-no-ip", { domain = domain })
    end
    ctx:step("step-find-ip", {})
    return "spf-no-ip"
  end

  local r, err = ctx.check{ ip = t.ip, sender = t.sender, helo = t.helo }
  if not r then
    ctx:fail("input-bad-ip", { ip = t.ip, detail = err and err.message or "" })
    return "error"
  end
  spf.result, spf.record, spf.lookups, spf.void_lookups = r.result, r.record, r.lookups, r.void_lookups
  spf.problem, spf.problem_code, spf.problem_position = r.problem, r.problem_code, r.problem_position
  spf.mechanism = r.matched_term or r.mechanism
  spf.received_spf = r.received_spf
  local res = r.result

  if res == "pass" then
    local wait = pub.ttl or M.DEFAULT_WAIT
    ctx:finding("spf-pass-now", "info", { domain = domain, ip = t.ip, term = spf.mechanism or "?",
                seconds = wait, human = human_seconds(ctx, wait) }, { result = res, record = r.record })
    if t.dkim == "fail" or t.from_bounce then
      ctx:finding("spf-pass-check-dkim", "info", { domain = domain }, { dkim = t.dkim })
    end
    add_lint(ctx, domain)
    ctx.fix = { action = "none" }
    ctx:summary(t.from_bounce and "summary-spf-pass" or "summary-spf-pass-now", { domain = domain, ip = t.ip })
    ctx:step("step-verify-gmail", { domain = domain })
    ctx.ok = true
    return "spf-pass"
  elseif res == "temperror" then
    ctx:finding("spf-temperror", "error", { domain = domain, rcode = r.problem_code or "temperror" },
                { problem = r.problem })
    ctx:summary("summary-spf-temperror", { domain = domain })
    ctx:step("step-check-nameservers", { domain = domain })
    ctx.fix = { action = "none" }
    return "spf-temperror"
  end

  local case, action, base = "spf-fail", "merge", pub.strings
  if res == "none" then
    case, action, base = "spf-none", "add", nil
    if pub.spf_rr then
      ctx:finding("spf-rr-type-only", "error", { domain = domain, record = pub.spf_rr }, { record = pub.spf_rr })
      base = pub.spf_rr
    else
      ctx:finding("spf-no-record", "error", { domain = domain, ip = t.ip }, { result = res })
    end
    add_lint(ctx, domain, { ["no-record"] = true, ["spf-rr-type"] = true })
  elseif res == "permerror" then
    local code = r.problem_code
    if code == "too-many-lookups" or code == "too-many-mx" then
      case, action = "spf-too-many-lookups", "replace"
    else
      case, action = "spf-permerror", "replace"
    end
    ctx:finding("spf-permerror", "error", { domain = domain, problem = r.problem or code or "?",
                problem_code = code or "permerror" },
                { problem_code = code, position = r.problem_position, record = r.record })
    add_lint(ctx, domain)
    if case == "spf-permerror" and code ~= "multiple-records" then
      local cleaned, removed = {}, {}
      for i, rec in ipairs(pub.spf) do
        local c, rm = clean_record(ctx, rec, domain)
        cleaned[i] = c
        for _, x in ipairs(rm) do removed[#removed + 1] = x end
      end
      if #removed > 0 then
        ctx:finding("spf-terms-removed", "warning", { terms = concat(removed, " ") },
                    { terms = report.array(removed) })
      end
      base = {}
      for _, c in ipairs(cleaned) do if c then base[#base + 1] = c end end
      for _, o in ipairs(pub.other) do base[#base + 1] = o end
    end
  else
    ctx:finding("spf-not-authorized", "error", { domain = domain, ip = t.ip, result = res,
                record = r.record or "" }, { result = res, record = r.record })
    add_lint(ctx, domain)
  end
  if #pub.spf > 1 then action = "replace" end

  if propose(ctx, t, pub, base, action) then
    local f = ctx.fix
    ctx:summary("summary-spf-" .. f.action, { domain = domain, ip = t.ip, result = res })
  end
  return case
end

return M
