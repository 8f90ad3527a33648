--- Diagnosis: from a bounce (or a domain and an IP) to what is wrong and
-- the exact DNS change that fixes it, in Japanese or English.
--
--    local report = spfkit.diagnose{ bounce = raw, dns = spfkit.zone_file("example.jp.zone"),
--                                    lang = "ja" }
--    print(report)                  -- the text form
--    report.fix.value               --> "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"
--    report:json(), report:html()
--
-- The reasoning follows the hosting notices: an SPF bounce (5.7.26/5.7.27)
-- is re-evaluated now and answered with one TXT record, proved by a
-- what-if check; DMARC wording reads `_dmarc`; 5.7.25 checks reverse DNS;
-- forwarding and mailing lists are recognised; reputation and delivery
-- bounces are said plainly not to be DNS problems. Parts live in
-- `spfkit.diagnose.spf`, `.dmarc`, `.ptr` and `.relay`; the report object
-- and its renderers in `spfkit.report`.
-- @module spfkit.diagnose

local i18n = require "spfkit.i18n"
local report = require "spfkit.report"
local options = require "spfkit.options"

local M = {}

local type, ipairs, tostring, pcall, error = type, ipairs, tostring, pcall, error

local OPTIONS = {
  bounce = "string", domain = "string", ip = "string", sender = "string", helo = "string",
  dns = true, providers = "table", lang = "string", ttl = "number", entry = "number",
}

-- Bounce reasons (Sisimai's vocabulary) that DNS records do not fix.
local REPUTATION = {
  blocked = true, spamdetected = true, speeding = true, toomanyconn = true, badreputation = true,
  policyviolation = true, rejected = true, securityerror = true, virus = true, contenterror = true,
  filtered = true,
}
local NOT_FAILURE = { delivered = true, vacation = true, feedback = false }

-- Context ------------------------------------------------------------------

local Ctx = {}
Ctx.__index = Ctx

function Ctx:t(code, params) return i18n.text(code, self.lang, params) end

-- The message of an error table (`nil, err` of the toolkit) in our language.
function Ctx:msg(err)
  if type(err) ~= "table" then return tostring(err) end
  if self.lang == "ja" and err.message_ja then return err.message_ja end
  if err.code and i18n.has(err.code) then return i18n.text(err.code, self.lang, err) end
  return tostring(err.message or err.code)
end

--- Add a finding; `message` (a `{en, ja}` table) overrides the catalog.
function Ctx:finding(code, severity, params, evidence, message)
  local text
  if type(message) == "table" then text = message[self.lang] or message.en
  else text = self:t(code, params or {}) end
  local f = { code = code, severity = severity, message = text, evidence = evidence or {} }
  self.findings[#self.findings + 1] = f
  return f
end

function Ctx:step(code, params)
  self.steps[#self.steps + 1] = { number = #self.steps + 1, code = code, text = self:t(code, params or {}) }
end

function Ctx:summary(code, params)
  if not self.summary_code then
    self.summary_code, self.summary_text = code, self:t(code, params or {})
  end
end

-- Input that cannot be diagnosed: an error report.
function Ctx:fail(code, params)
  self.error = { code = code, message = self:t(code, params or {}) }
  self.status = "error"
  self:summary(code, params)
end

local function norm_domain(d)
  if type(d) ~= "string" then return nil end
  d = d:lower():gsub("%.$", "")
  if d == "" or #d > 253 or not d:find(".", 1, true) or d:find("[^%w%.%-_]") or d:find("%.%.") then
    return nil
  end
  return d
end
M.norm_domain = norm_domain

local function domain_of(addr)
  if type(addr) ~= "string" then return nil end
  return norm_domain(addr:match("@([^@>%s]+)>?%s*$") or addr:match("@([^@>%s]+)"))
end
M.domain_of = domain_of

-- DNS: the caller's source (zone, resolver, cache, or any :query object),
-- or the system resolver; every failure becomes `nil, err`.
local function make_dns(ctx, dns)
  if dns == nil then
    local ok, r, err = pcall(function() return require("spfkit").resolver{} end)
    if not ok or not r then
      return nil, { code = "no-resolver", message = tostring(ok and err and err.message or r) }
    end
    dns = r
  end
  ctx.source = dns
  -- one answer per question for the whole diagnosis: the check, lint,
  -- merge and what-if ask many of the same questions
  local memo = {}
  ctx.query = function(name, qtype)
    local key = tostring(name):lower() .. "\0" .. tostring(qtype)
    local hit = memo[key]
    if hit then return hit[1], hit[2] end
    local ok, ans, err = pcall(dns.query, dns, name, qtype)
    if not ok then ans, err = nil, { code = "ERROR", message = tostring(ans) }
    elseif type(ans) ~= "table" then
      ans, err = nil, type(err) == "table" and err or { code = err and tostring(err) or "ERROR" }
    else ans.records = ans.records or {} end
    memo[key] = { ans, err }
    return ans, err
  end
  -- lint, merge and what-if take any object with :query
  ctx.dns = { query = function(_, name, qtype) return ctx.query(name, qtype) end }
  ctx.check = function(o)
    o.query = ctx.query
    return require("spfkit").check(o)
  end
  return true
end

-- Which bounce entry the report is about: the first authentication
-- failure, else the first failure, else the first entry.
local function pick(entries, index)
  if index then return entries[index] end
  for _, e in ipairs(entries) do if e.reason == "authfailure" or e.reason == "requireptr" then return e end end
  for _, e in ipairs(entries) do if e.action == "failed" or e.action == "delayed" then return e end end
  return entries[1]
end

-- The parts of a bounce entry a report carries (plain data).
local function bounce_view(e)
  local o = e.original or {}
  local a = e.auth
  return {
    recipient = e.recipient, original_recipient = e.original_recipient, action = e.action,
    status = e.status, reply_code = e.reply_code, reason = e.reason, diagnostic = e.diagnostic,
    remote_mta = e.remote_mta, remote_ip = e.remote_ip, reporting_mta = e.reporting_mta,
    command = e.command, mta = e.mta, sender = e.sender,
    auth = a and { domain = a.domain, ip = a.ip, spf = a.spf, dkim = a.dkim, dmarc = a.dmarc, kind = a.kind },
    original = e.original and { from = o.from, to = o.to, subject = o.subject, message_id = o.message_id,
                                date = o.date, return_path = o.return_path, list_id = o.list_id } or nil,
  }
end

-- Cases --------------------------------------------------------------------

local function spf_case(ctx, t)
  return require("spfkit.diagnose.spf").analyse(ctx, t)
end

local function dmarc_case(ctx, t)
  return require("spfkit.diagnose.dmarc").analyse(ctx, t)
end

local function ptr_case(ctx, t)
  return require("spfkit.diagnose.ptr").analyse(ctx, t)
end

-- A bounce reason (Sisimai's vocabulary) in words.
local function reason_name(ctx, reason)
  local code = "reason-" .. tostring(reason)
  if i18n.has(code) then return ctx:t(code) end
  return tostring(reason)
end

local function bounce_case(ctx, e)
  local a = e.auth or {}
  local o = e.original or {}
  local from_domain = domain_of(o.from)
  local mailfrom_domain = domain_of(e.sender) or domain_of(o.return_path)
  local sender = e.sender
  ctx.reason = e.reason

  -- not a failure at all
  if NOT_FAILURE[e.reason] or e.action == "delivered" then
    local p = { reason = tostring(e.reason), reason_name = reason_name(ctx, e.reason) }
    ctx:finding("bounce-not-failure", "info", p, { reason = e.reason })
    ctx:summary("summary-not-failure", p)
    ctx.fix, ctx.ok = { action = "none" }, true
    return "not-failure"
  end

  -- forwarding and mailing lists
  local relay = require("spfkit.diagnose.relay").detect(e)
  if relay then ctx.relay = relay end

  -- reverse DNS (5.7.25)
  if e.reason == "requireptr" or a.kind == "ptr" or e.status == "5.7.25" then
    local ip = a.ip or ctx.opts.ip
    if not ip then
      ctx:fail("input-no-ip", {})
      return "error"
    end
    ctx.ip = ip
    ctx.domain = ctx.domain or from_domain or mailfrom_domain
    return ptr_case(ctx, { ip = ip, domain = ctx.domain })
  end

  if e.reason == "authfailure" or a.kind then
    local domain = a.domain or norm_domain(ctx.opts.domain) or mailfrom_domain or from_domain
    local ip = a.ip or ctx.opts.ip
    ctx.domain, ctx.ip = domain, ip
    if not domain then
      ctx:fail("input-no-domain", {})
      return "error"
    end
    if not (sender and domain_of(sender) == domain) then sender = "postmaster@" .. domain end
    ctx.sender = sender
    local t = { domain = domain, ip = ip, sender = sender, helo = ctx.opts.helo, dkim = a.dkim,
                from_bounce = true, from_domain = from_domain or (a.kind == "dmarc" and domain) or nil,
                mailfrom_domain = mailfrom_domain, dkim_domain = o.dkim_signature }
    if relay then
      return require("spfkit.diagnose.relay").analyse(ctx, t, relay)
    end
    if a.kind == "dmarc" or a.kind == "alignment" or a.kind == "auth-level" then
      t.from_domain = domain
      t.domain = (a.kind == "dmarc" and mailfrom_domain) or domain
      return dmarc_case(ctx, t)
    end
    local case = spf_case(ctx, t)
    require("spfkit.diagnose.dmarc").note(ctx, t)
    return case
  end

  ctx.domain = from_domain or mailfrom_domain
  if REPUTATION[e.reason] then
    ctx:finding("bounce-reputation", "error", { reason = e.reason, reason_name = reason_name(ctx, e.reason),
                status = tostring(e.status) },
                { reason = e.reason, status = e.status })
    ctx:summary("summary-reputation", { status = tostring(e.status) })
    ctx:step("step-reputation-check", {})
    ctx:step("step-reputation-wait", {})
    ctx.fix = { action = "none" }
    return "reputation"
  end

  local p = { reason = tostring(e.reason), reason_name = reason_name(ctx, e.reason), status = tostring(e.status),
              recipient = tostring(e.recipient) }
  ctx:finding("bounce-not-auth", "error", p, { reason = e.reason, status = e.status })
  ctx:summary("summary-not-auth", p)
  local advice = "advice-" .. tostring(e.reason)
  ctx:step(i18n.has(advice) and advice or "advice-other", { recipient = tostring(e.recipient) })
  ctx.fix = { action = "none" }
  return "not-auth"
end

local function run(ctx, opts)
  if opts.bounce then
    local entries, err = require("spfkit.bounce").parse(opts.bounce)
    if not entries then
      ctx:fail("input-not-mail", { detail = err and err.code or "" })
      return "error"
    end
    if #entries == 0 then
      ctx:fail("input-not-bounce", {})
      return "error"
    end
    local e = pick(entries, opts.entry)
    if not e then
      ctx:fail("input-no-entry", { count = #entries })
      return "error"
    end
    ctx.bounce = bounce_view(e)
    ctx.entries = #entries
    local ok, derr = make_dns(ctx, opts.dns)
    if not ok then ctx:fail("input-no-dns", { detail = derr.message }) return "error" end
    return bounce_case(ctx, e)
  end
  local domain = opts.domain and norm_domain(opts.domain)
  if not domain then
    if opts.sender then domain = domain_of(opts.sender) end
  end
  if not domain then
    ctx:fail(opts.domain and "input-bad-domain" or "input-no-domain", { domain = tostring(opts.domain) })
    return "error"
  end
  ctx.domain, ctx.ip = domain, opts.ip
  local ok, derr = make_dns(ctx, opts.dns)
  if not ok then ctx:fail("input-no-dns", { detail = derr.message }) return "error" end
  local sender = opts.sender
  if not (sender and domain_of(sender) == domain) then sender = "postmaster@" .. domain end
  ctx.sender = sender
  local t = { domain = domain, ip = opts.ip, sender = sender, helo = opts.helo }
  local case = spf_case(ctx, t)
  require("spfkit.diagnose.dmarc").note(ctx, t)
  return case
end

--- Diagnose a bounce or a domain/IP pair.
-- @tparam table opts `{ bounce = raw message | domain =, ip =, sender =,
--   helo =, dns = zone|resolver|cache|object with :query (default: the
--   system resolver), providers = { {id =, ip =, host =} }, lang = "en"|"ja",
--   ttl = (TTL of the proposed record), entry = (which bounce entry) }`
-- @treturn table the report (see README "Diagnosis"); never raises on bad
--   input: unusable input gives a report with `status = "error"`
-- @raise on a non-table argument, unknown options or wrong option types
function M.diagnose(opts)
  options.check("spfkit.diagnose", opts, OPTIONS)
  local lang = opts.lang or "en"
  if lang ~= "en" and lang ~= "ja" then
    error("spfkit.diagnose: lang must be \"en\" or \"ja\", got \"" .. lang .. "\"", 2)
  end
  if opts.dns ~= nil and type(opts.dns) ~= "table" and type(opts.dns) ~= "userdata" then
    error("spfkit.diagnose: dns must be a DNS source with :query(name, qtype)", 2)
  end
  for i, p in ipairs(opts.providers or {}) do
    if type(p) ~= "table" or type(p.id) ~= "string" then
      error("spfkit.diagnose: providers[" .. i .. "] must be a table with a string id", 2)
    end
  end
  if opts.bounce == nil and opts.domain == nil and opts.sender == nil then
    error("spfkit.diagnose: give bounce= or domain= (with ip=)", 2)
  end

  local ctx = setmetatable({ lang = lang, opts = opts, findings = {}, steps = {},
                             providers = opts.providers, ttl = opts.ttl }, Ctx)
  local ok, case = pcall(run, ctx, opts)
  if not ok then
    ctx.findings, ctx.steps, ctx.summary_code = {}, {}, nil
    ctx:fail("internal", { detail = tostring(case) })
    case = "error"
  end

  local findings = report.by_severity(ctx.findings)

  local status = ctx.status
  if not status then
    local fix = ctx.fix
    if (fix and fix.action ~= "none") then status = "problem"
    elseif ctx.ok then status = "ok"
      for _, f in ipairs(findings) do if f.severity == "error" then status = "problem" break end end
    else status = "problem" end
  end
  return report.new{
    lang = lang, status = status, case = case, reason = ctx.reason,
    domain = ctx.domain, ip = ctx.ip, sender = ctx.sender,
    summary = ctx.summary_text or "", findings = findings, steps = ctx.steps,
    fix = ctx.fix or { action = "none" }, whatif = ctx.whatif, spf = ctx.spf, dmarc = ctx.dmarc,
    ptr = ctx.ptr, relay = ctx.relay, bounce = ctx.bounce, error = ctx.error,
  }
end

return M
