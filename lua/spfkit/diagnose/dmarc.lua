--- Diagnosis, DMARC part: read `_dmarc.<domain>` (RFC 7489 policy
-- discovery: the From domain, then its organizational domain), parse it,
-- and explain alignment between the From domain and the SPF (MAIL FROM)
-- and DKIM (d=) domains. Findings are coded `dmarc-*`.
-- @module spfkit.diagnose.dmarc

local psl = require "spfkit.psl"
local report = require "spfkit.report"
local spf_case = require "spfkit.diagnose.spf_case"
local pitfalls = require "spfkit.diagnose.pitfalls"

local M = {}

local type, ipairs, concat, tonumber = type, ipairs, table.concat, tonumber

--- Parse a DMARC record.
-- @tparam string text e.g. "v=DMARC1; p=reject; rua=mailto:d@example.jp"
-- @treturn table `{ v, p, sp, adkim, aspf, pct, rua = {...}, ruf = {...}, tags }`
-- @treturn ?table problems `{ {tag, value} }` for invalid values
function M.parse(text)
  local rec, problems = { tags = {} }, {}
  local first = true
  for part in (text .. ";"):gmatch("([^;]*);") do
    local k, v = part:match("^%s*([%w_]+)%s*=%s*(.-)%s*$")
    if k then
      k = k:lower()
      if first and k ~= "v" then problems[#problems + 1] = { tag = "v", value = k } end
      rec.tags[k] = v
      first = false
    elseif part:find("%S") then
      problems[#problems + 1] = { tag = "?", value = part }
    end
  end
  local t = rec.tags
  rec.v = t.v
  if t.v ~= "DMARC1" then problems[#problems + 1] = { tag = "v", value = t.v or "" } end
  local function enum(k, allowed, default)
    local v = t[k] and t[k]:lower()
    if v == nil then return default end
    if not allowed[v] then problems[#problems + 1] = { tag = k, value = t[k] } return default end
    return v
  end
  local POLICY = { none = true, quarantine = true, reject = true }
  local MODE = { r = true, s = true }
  rec.p = enum("p", POLICY, nil)
  if t.p == nil then problems[#problems + 1] = { tag = "p", value = "" } end
  rec.sp = enum("sp", POLICY, nil)
  rec.adkim = enum("adkim", MODE, "r")
  rec.aspf = enum("aspf", MODE, "r")
  rec.pct = 100
  if t.pct then
    local n = tonumber(t.pct)
    if n and n >= 0 and n <= 100 and n % 1 == 0 then rec.pct = n
    else problems[#problems + 1] = { tag = "pct", value = t.pct } end
  end
  local function uris(k)
    local out = report.array()
    for u in (t[k] or ""):gmatch("[^,]+") do
      u = u:match("^%s*(.-)%s*$")
      if u ~= "" then out[#out + 1] = u end
    end
    return out
  end
  rec.rua, rec.ruf = uris("rua"), uris("ruf")
  return rec, problems
end

local function is_dmarc(text) return text:match("^%s*[vV]%s*=%s*DMARC1") ~= nil end

-- The DMARC record that applies to a From domain, or nil.
local function discover(ctx, from)
  local names = { "_dmarc." .. from }
  local org = psl.org_domain(from)
  if org and org ~= from then names[2] = "_dmarc." .. org end
  for i, name in ipairs(names) do
    local ans, err = ctx.query(name, "TXT")
    if not ans or (ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN") then
      return nil, { temperror = true, name = name, rcode = ans and ans.rcode or (err and err.code) }
    end
    local found = {}
    for _, r in ipairs(ans.records) do
      if r.type == "TXT" and type(r.data) == "table" then
        local text = concat(r.data)
        if is_dmarc(text) then found[#found + 1] = text end
      end
    end
    if #found > 0 then return { name = name, records = found, inherited = i > 1, org = org } end
  end
  return nil, { org = org }
end

-- Aligned? (relaxed: same organizational domain; strict: same name)
local function aligned(a, b, mode)
  if not a or not b then return nil end
  if a == b then return true end
  if mode == "s" then return false end
  local oa, ob = psl.org_domain(a), psl.org_domain(b)
  return oa ~= nil and oa == ob
end
M.aligned = aligned

-- A DMARC record at _dmarc.<from>.<zone> (the name typed without its
-- trailing dot): say where it is and where it belongs.
local function doubled(ctx, from)
  local d = pitfalls.doubled(ctx, "_dmarc." .. from, is_dmarc)
  if not d then return false end
  ctx:finding("txt-doubled-name", "error", { domain = from, wrong = d.wrong, right = d.right, record = d.record },
              { wrong = d.wrong, right = d.right, record = d.record })
  ctx:step("step-move-doubled", { wrong = d.wrong, right = d.right, record = d.record })
  return true
end

-- Read and explain; returns the DMARC view (also ctx.dmarc) or nil.
local function read(ctx, from, quiet)
  local found, info = discover(ctx, from)
  local view = { domain = from, org_domain = psl.org_domain(from) }
  ctx.dmarc = view
  if not found then
    if info and info.temperror then
      ctx:finding("dmarc-temperror", quiet and "warning" or "error", { name = info.name, rcode = tostring(info.rcode) },
                  { name = info.name })
    elseif not (not quiet and doubled(ctx, from)) then
      ctx:finding("dmarc-no-record", quiet and "info" or "warning", { domain = from }, {})
    end
    return nil
  end
  view.name, view.inherited = found.name, found.inherited
  view.records = report.array(found.records)
  if #found.records > 1 then
    ctx:finding("dmarc-multiple-records", "error", { name = found.name, count = #found.records },
                { records = report.array(found.records) })
    return view
  end
  view.record = found.records[1]
  local rec, problems = M.parse(view.record)
  view.p, view.sp, view.adkim, view.aspf, view.pct = rec.p, rec.sp, rec.adkim, rec.aspf, rec.pct
  view.rua, view.ruf = rec.rua, rec.ruf
  for _, p in ipairs(problems) do
    ctx:finding("dmarc-syntax", "error", { name = found.name, tag = p.tag, value = p.value },
                { tag = p.tag, value = p.value, record = view.record })
  end
  local policy = (found.inherited and rec.sp) or rec.p
  view.policy = policy
  if policy then
    ctx:finding("dmarc-policy", quiet and "info" or (policy == "none" and "info" or "warning"),
                { domain = from, name = found.name, policy = policy, pct = rec.pct },
                { policy = policy, pct = rec.pct, inherited = found.inherited })
  end
  if #rec.rua > 0 then
    ctx:finding("dmarc-rua", "info", { rua = concat(rec.rua, ", ") }, { rua = rec.rua })
  end
  return view
end

--- Secondary DMARC facts for an SPF diagnosis (info findings only).
function M.note(ctx, t)
  if ctx.status == "error" or not ctx.query then return end
  local from = t.from_domain or t.domain
  if not from then return end
  read(ctx, from, true)
end

-- Alignment of the SPF (MAIL FROM) and DKIM (d=) domains with From.
local function alignment(t, view)
  local from = t.from_domain
  local al = { from = from, spf_domain = t.mailfrom_domain or from, dkim_domain = t.dkim_domain,
               mode_spf = view and view.aspf or "r", mode_dkim = view and view.adkim or "r" }
  al.spf = aligned(from, al.spf_domain, al.mode_spf)
  al.dkim = aligned(from, al.dkim_domain, al.mode_dkim)
  if view then
    view.spf_domain, view.dkim_domain, view.spf_aligned, view.dkim_aligned = al.spf_domain, al.dkim_domain,
      al.spf, al.dkim
  end
  return al
end

local function alignment_findings(ctx, al)
  local p = { from = al.from, spf_domain = al.spf_domain, mode = al.mode_spf }
  if al.spf then ctx:finding("dmarc-spf-aligned", "info", p, { from = al.from, spf_domain = al.spf_domain })
  else ctx:finding("dmarc-spf-not-aligned", "error", p, p) end
  if not al.dkim_domain then
    ctx:finding("dmarc-dkim-unknown", "warning", { from = al.from }, {})
  elseif al.dkim then
    ctx:finding("dmarc-dkim-aligned", "info", { from = al.from, dkim_domain = al.dkim_domain },
                { dkim_domain = al.dkim_domain })
  else
    ctx:finding("dmarc-dkim-not-aligned", "error", { from = al.from, dkim_domain = al.dkim_domain,
                mode = al.mode_dkim }, { dkim_domain = al.dkim_domain, mode = al.mode_dkim })
  end
end

-- SPF can carry DMARC: make it pass for the sending IP.
local function through_spf(ctx, t, al)
  local sub = { domain = al.spf_domain, ip = t.ip, sender = t.sender, helo = t.helo, dkim = t.dkim,
                from_bounce = true }
  if not (t.sender and t.sender:lower():match("@(.+)$") == al.spf_domain) then
    sub.sender = "postmaster@" .. al.spf_domain
  end
  local case_of_spf = spf_case.run(ctx, sub)
  ctx.summary_code = nil
  if ctx.fix and ctx.fix.action ~= "none" then
    ctx:summary("summary-dmarc-spf-fix", { domain = al.from, ip = t.ip })
  elseif case_of_spf == "spf-pass" then
    ctx:summary("summary-dmarc-spf-pass", { domain = al.from, ip = t.ip })
  else
    ctx:summary("summary-dmarc-dkim", { domain = al.from })
  end
  ctx.domain = al.from
end

-- DKIM (or an aligned envelope sender) is the way: the steps.
local function through_dkim(ctx, t, al)
  ctx.fix = { action = "none", reason = al.spf and "fix-none-no-ip" or "fix-none-dkim" }
  if al.spf and not t.ip then
    ctx:finding("spf-no-ip", "warning", { domain = al.spf_domain }, {})
    ctx:summary("summary-dmarc-no-ip", { domain = al.from })
    ctx:step(ctx:find_ip_step(), {})
  else
    ctx:summary("summary-dmarc-dkim", { domain = al.from })
  end
  ctx:step("step-dkim-setup", { domain = al.from })
  if not al.spf then ctx:step("step-align-mailfrom", { domain = al.from, spf_domain = al.spf_domain }) end
  ctx:step("step-verify-gmail-dmarc", { domain = al.from })
end

--- The DMARC case: the receiver rejected because of the From domain's
-- DMARC policy (or alignment).
-- @tparam table t `{ from_domain, mailfrom_domain, dkim_domain, ip, sender, helo, dkim }`
function M.analyse(ctx, t)
  ctx.domain = t.from_domain
  local al = alignment(t, read(ctx, t.from_domain, false))
  alignment_findings(ctx, al)
  if al.spf and t.ip then through_spf(ctx, t, al) else through_dkim(ctx, t, al) end
  return "dmarc"
end

return M
