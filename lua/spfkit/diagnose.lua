--- Diagnosis: from a bounce (or a domain and an IP) to what is wrong and
-- the exact DNS change that fixes it, in Japanese or English.
--
--    local report = spfkit.diagnose{ bounce = raw, dns = spfkit.zone_file("example.jp.zone"),
--                                    lang = "ja" }
--    print(report)                  -- the text form
--    report.fix.value               --> "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"
--    report:json(), report:html(), report:render("en")
--
-- One straight pipeline of stages over plain tables:
--   evidence (spfkit.diagnose.evidence) -> evaluate + findings (the case
--   modules: spf, dmarc, ptr, relay) -> proposal -> verify (what-if) ->
--   report (codes and params; words only when rendered, spfkit.report).
-- @module spfkit.diagnose

local report = require "spfkit.report"
local errors = require "spfkit.errors"
local options = require "spfkit.options"
local context = require "spfkit.diagnose.context"
local evidence = require "spfkit.diagnose.evidence"
local spf_case = require "spfkit.diagnose.spf_case"
local dmarc = require "spfkit.diagnose.dmarc"
local ptr = require "spfkit.diagnose.ptr"
local relay = require "spfkit.diagnose.relay"
local dkim_case = require "spfkit.diagnose.dkim"
local dns = require "spfkit.dns"
local engine = require "spfkit.engine"

local M = {}

local type, ipairs, tostring, pcall, error = type, ipairs, tostring, pcall, error

M.stages = { evidence = evidence.collect }

local OPTIONS = {
  bounce = "string", domain = "string", ip = "string", sender = "string", helo = "string",
  dns = true, providers = "table", lang = "string", ttl = "number", entry = "number", dkim_value = "string",
}

M.norm_domain = evidence.norm_domain
M.domain_of = evidence.domain_of

-- The DNS source: the caller's, else the system resolver.
local function attach_dns(ctx, source)
  if source == nil and engine.in_nginx() then
    -- inside nginx: cosockets, never the blocking resolver
    source = require("spfkit.openresty").default_dns()
  end
  if source == nil then
    local ok, r, err = pcall(dns.resolver, {})
    if not ok or not r then
      return nil, errors.new("no-resolver", tostring(ok and err and err.message or r))
    end
    source = r
  end
  ctx:use_dns(source)
  return true
end

-- Cases ----------------------------------------------------------------------

local function not_failure(ctx, ev)
  ctx:finding("bounce-not-failure", "info", { reason = tostring(ev.reason) }, { reason = ev.reason })
  ctx:summary("summary-not-failure", { reason = tostring(ev.reason) })
  ctx.fix, ctx.ok = { action = "none", reason = "fix-none-ok" }, true
  return "not-failure"
end

local function reverse_dns(ctx, ev)
  if not ev.ip then
    -- a 5.7.25 bounce that does not name the address: say what to look for
    ctx:finding("ptr-no-ip", "warning", {}, {})
    ctx:summary("summary-ptr-no-ip", {})
    ctx:step(ctx:find_ip_step(), {})
    ctx.fix = { action = "none", reason = "fix-none-no-ip" }
    return "ptr"
  end
  return ptr.analyse(ctx, { ip = ev.ip, domain = ev.domain })
end

-- What the SPF/DMARC/relay cases get from the evidence.
local function auth_target(ev)
  return { domain = ev.domain, ip = ev.ip, sender = ev.sender, helo = ev.helo, dkim = ev.dkim,
           from_bounce = ev.input == "bounce" or nil,
           from_domain = ev.from_domain or (ev.auth_kind == "dmarc" and ev.domain) or nil,
           mailfrom_domain = ev.mailfrom_domain, dkim_domain = ev.dkim_domain }
end

local DMARC_KINDS = { dmarc = true, alignment = true, ["auth-level"] = true }

-- A bounce without the sending IP (Yahoo's and Microsoft's texts carry
-- none): the server that wrote the bounce usually sent the mail, so its
-- address (A/AAAA of its name) is the best evidence; the report says so.
local function ip_from_reporting_mta(ctx, ev)
  local b = ev.bounce or {}
  local host = evidence.norm_domain(b.mail_system_host) or evidence.norm_domain(b.reporting_mta)
  if ev.ip or not host then return end
  for _, qtype in ipairs({ "A", "AAAA" }) do
    local ans = ctx.query(host, qtype)
    for _, r in ipairs(ans and ans.records or {}) do
      if r.type == qtype and type(r.data) == "string" then
        ev.ip, ev.ip_from, ctx.ip = r.data, "reporting-mta", r.data
        ctx:finding("ip-from-reporting-mta", "warning", { ip = r.data, host = host }, { host = host })
        return
      end
    end
  end
end

local function authentication(ctx, ev)
  if not ev.domain then
    -- an authentication bounce without any domain of the sender in it
    ctx:finding("auth-no-domain", "warning", {}, {})
    ctx:summary("summary-auth-no-domain", {})
    ctx:step("step-find-domain", {})
    ctx.fix = { action = "none", reason = "fix-none-input" }
    return "auth-unknown"
  end
  if not ev.relay then ip_from_reporting_mta(ctx, ev) end
  local t = auth_target(ev)
  if ev.relay then return relay.analyse(ctx, t, ev.relay) end
  local case
  if DMARC_KINDS[ev.auth_kind] then
    t.from_domain = ev.domain
    t.domain = (ev.auth_kind == "dmarc" and ev.mailfrom_domain) or ev.domain
    case = dmarc.analyse(ctx, t)
  else
    case = spf_case.run(ctx, t)
    dmarc.note(ctx, t)
  end
  if ev.input == "bounce" then
    spf_case.choose_provider(ctx, nil)
    dkim_case.analyse(ctx, t)
  end
  return case
end

local function reputation(ctx, ev)
  ctx:finding("bounce-reputation", "error", { reason = ev.reason, status = tostring(ev.status) },
              { reason = ev.reason, status = ev.status })
  ctx:summary("summary-reputation", { status = tostring(ev.status) })
  ctx:step("step-reputation-check", {})
  ctx:step("step-reputation-wait", {})
  ctx.fix = { action = "none", reason = "fix-none-not-dns" }
  return "reputation"
end

local function not_auth(ctx, ev)
  local recipient = tostring(ev.bounce and ev.bounce.recipient)
  local p = { reason = tostring(ev.reason), status = tostring(ev.status), recipient = recipient }
  ctx:finding("bounce-not-auth", "error", p, { reason = ev.reason, status = ev.status })
  ctx:summary("summary-not-auth", p)
  local advice = "advice-" .. tostring(ev.reason)
  ctx:step(require("spfkit.i18n").has(advice) and advice or "advice-other", { recipient = recipient })
  ctx.fix = { action = "none", reason = "fix-none-not-dns" }
  return "not-auth"
end

local CASES = {
  ["not-failure"] = not_failure, ptr = reverse_dns, auth = authentication, spf = authentication,
  reputation = reputation, ["not-auth"] = not_auth,
}

-- Run the stages; returns the case.
local function run(ctx, opts)
  local ev = evidence.collect(opts)
  ctx.evidence = ev
  if ev.error then ctx:fail(ev.error.code, ev.error.params) return "error" end
  ctx.domain, ctx.ip, ctx.sender, ctx.reason = ev.domain, ev.ip, ev.sender, ev.reason
  ctx.receiver = ev.receiver
  local ok, derr = attach_dns(ctx, opts.dns)
  if not ok then ctx:fail("input-no-dns", { detail = derr.message }) return "error" end
  return CASES[ev.kind](ctx, ev)
end

-- Why there is no DNS change, when there is none.
local NO_FIX_REASON = {
  ["spf-pass"] = "fix-none-ok", ["spf-temperror"] = "fix-none-dns-error", ["domain-nxdomain"] = "fix-none-domain",
  ["spf-no-ip"] = "fix-none-no-ip", error = "fix-none-input", ptr = "fix-none-ip-owner",
}

local function status_of(ctx, findings)
  if ctx.status then return ctx.status end
  if ctx.fix.action ~= "none" then return "problem" end
  if not ctx.ok then return "problem" end
  for _, f in ipairs(findings) do if f.severity == "error" then return "problem" end end
  return "ok"
end

-- Every report has a summary and a fix, or the reason there is none.
local function complete(ctx, case)
  ctx.fix = ctx.fix or { action = "none" }
  if ctx.fix.action == "none" and not ctx.fix.reason then
    ctx.fix.reason = NO_FIX_REASON[case] or "fix-none-other"
  end
  if not ctx.summary_code then
    ctx:summary("summary-generic", { domain = tostring(ctx.domain or ctx.ip or "?") })
  end
end

local function check_options(opts)
  options.check("spfkit.diagnose", opts, OPTIONS)
  local lang = opts.lang or "en"
  if lang ~= "en" and lang ~= "ja" then
    error("spfkit.diagnose: lang must be \"en\" or \"ja\", got \"" .. lang .. "\"", 3)
  end
  if opts.dns ~= nil and type(opts.dns) ~= "table" and type(opts.dns) ~= "userdata" then
    error("spfkit.diagnose: dns must be a DNS source with :query(name, qtype)", 3)
  end
  for i, p in ipairs(opts.providers or {}) do
    if type(p) ~= "table" or type(p.id) ~= "string" then
      error("spfkit.diagnose: providers[" .. i .. "] must be a table with a string id", 3)
    end
  end
  if opts.bounce == nil and opts.domain == nil and opts.sender == nil then
    error("spfkit.diagnose: give bounce= or domain= (with ip=)", 3)
  end
  return lang
end

local function to_report(ctx, lang, case)
  local findings = report.by_severity(ctx.findings)
  local ev = ctx.evidence or {}
  return report.new{
    lang = lang, status = status_of(ctx, findings), case = case, reason = ctx.reason,
    domain = ctx.domain, ip = ctx.ip, ip_from = ev.ip_from, sender = ctx.sender,
    summary_code = ctx.summary_code, summary_params = ctx.summary_params,
    findings = findings, steps = ctx.steps, fix = ctx.fix, whatif = ctx.whatif, spf = ctx.spf,
    dmarc = ctx.dmarc, ptr = ctx.ptr, relay = ev.relay, bounce = ev.bounce, error = ctx.error,
    provider = ctx.provider or nil, receiver = ev.receiver, dkim = ctx.dkim,
  }
end

--- Diagnose a bounce or a domain/IP pair.
-- @tparam table opts `{ bounce = raw message | domain =, ip =, sender =,
--   helo =, dns = zone|resolver|cache|object with :query (default: the
--   system resolver), providers = { {id =, ip =, host =} }, lang = "en"|"ja",
--   ttl = (TTL of the proposed record), entry = (which bounce entry),
--   dkim_value = (the DKIM record the provider's panel shows, for the exact
--   DKIM fix) }`;
--   with a bounce, `ip=`/`domain=` override what the bounce says
-- @treturn table the report (see README "Diagnosis"); never raises on bad
--   input: unusable input gives a report with `status = "error"`
-- @raise on a non-table argument, unknown options or wrong option types
function M.diagnose(opts)
  local lang = check_options(opts)
  local ctx = context.new(opts)
  local ok, case = pcall(run, ctx, opts)
  if not ok then
    ctx.findings, ctx.steps, ctx.summary_code, ctx.fix = {}, {}, nil, nil
    ctx:fail("internal", { detail = tostring(case) })
    case = "error"
  end
  complete(ctx, case)
  return to_report(ctx, lang, case)
end

return M
