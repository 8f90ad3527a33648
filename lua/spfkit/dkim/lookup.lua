--- DKIM key lookup: `<selector>._domainkey.<domain>` TXT, CNAMEs followed,
-- then judged (spfkit.dkim.check). When no valid key is at the right name,
-- the usual misplacements are asked: the doubled name (the panel appended
-- the zone to a name that already had it), the name without `_domainkey`,
-- and the key on the SPF type.
-- @module spfkit.dkim.lookup

local psl = require "spfkit.psl"
local concat = table.concat
local record = require "spfkit.dkim.record"
local dkdns = require "spfkit.dkim.dns"

local M = {}

local ipairs, lower = ipairs, string.lower
local finding = record.finding

local function norm(d) return lower((d:gsub("%.$", ""))) end

--- The key record name.
-- @tparam string selector
-- @tparam string domain
-- @treturn string
function M.name(selector, domain)
  return norm(selector) .. "._domainkey." .. norm(domain)
end

local function min_ttl(recs)
  local ttl
  for _, r in ipairs(recs) do
    if type(r.ttl) == "number" and (ttl == nil or r.ttl < ttl) then ttl = r.ttl end
  end
  return ttl
end

-- The DKIM-looking TXT texts of a name (no CNAME reported), for probes.
local function dkim_texts(ask, name, qtype)
  local got
  if not qtype then got = dkdns.txt(ask, name)
  else
    local ans = ask(name, qtype)
    got = { state = ans and "ok", records = {} }
    for _, r in ipairs(ans and ans.records or {}) do
      if r.type == qtype and type(r.data) == "table" then got.records[#got.records + 1] = r end
    end
  end
  local out = {}
  if got.state ~= "ok" then return out end
  for _, r in ipairs(got.records) do
    local text = concat(r.data)
    if record.looks_like(text) then out[#out + 1] = text end
  end
  return out
end

-- Where the key may have gone instead; adds findings and res.misplaced.
local function probe(ask, res, nodata)
  local name = res.name
  local tries = {
    -- the panel of the zone (the registered domain) appends its name
    { code = "dkim-doubled-name", at = name .. "." .. (psl.org_domain(norm(res.domain)) or norm(res.domain)) },
    { code = "dkim-no-domainkey-label", at = norm(res.selector) .. "." .. norm(res.domain) },
  }
  if nodata then tries[#tries + 1] = { code = "dkim-wrong-type", at = name, qtype = "SPF" } end
  for _, t in ipairs(tries) do
    local texts = dkim_texts(ask, t.at, t.qtype)
    if #texts > 0 then
      local rec = record.load(texts[1])
      res.misplaced = { name = t.at, type = t.qtype or "TXT", text = texts[1],
                        key = rec and rec.key or nil }
      finding(res.findings, t.code, "error", { name = name, found = t.at, type = t.qtype or "TXT" })
      return
    end
  end
end

-- No TXT at the name: say how, then probe.
local function absent(ask, res, got, opts)
  res.status = "missing"
  if got.state == "dangling" then
    finding(res.findings, "dkim-cname-dangling", "error", { name = res.name, target = got.target })
  elseif got.state == "loop" then
    finding(res.findings, "dkim-cname-loop", "error", { name = res.name, target = got.target })
  else
    finding(res.findings, "dkim-no-key", "error",
            { name = res.name, nxdomain = got.state == "nxdomain", selector = res.selector })
  end
  if opts.probe ~= false then probe(ask, res, got.state == "nodata") end
end

-- One TXT text: parse it, judge it, set the status.
local function judge(res, text)
  local rec, key = record.load(text)
  if not rec then
    local err = key
    res.status = "broken"
    finding(res.findings, "dkim-record-syntax", "error", { name = res.name, position = err.position,
      detail = err.message, quotes = err.quotes or false })
    return nil
  end
  res.record, res.key = rec, rec.key
  for _, f in ipairs(rec.findings) do res.findings[#res.findings + 1] = f end
  if rec.revoked then res.status = "revoked"
  elseif record.usable(rec) then res.status = "ok"
  else res.status = "broken" end
  return key
end

-- Several TXT records: the DKIM ones count (3.6.2.2 leaves the choice open).
local function pick(res, recs)
  local texts = {}
  for _, r in ipairs(recs) do texts[#texts + 1] = concat(r.data) end
  local dk = {}
  for _, t in ipairs(texts) do if record.looks_like(t) then dk[#dk + 1] = t end end
  if #dk > 1 then
    res.texts = dk
    finding(res.findings, "dkim-multiple-records", "error", { name = res.name, count = #dk })
  end
  return dk[1] or texts[1], #dk > 1
end

--- Look up and judge one key (the work of spfkit.dkim.check).
-- @tparam function ask from spfkit.dkim.dns.make
-- @tparam table opts `{ domain, selector, probe = true }`
-- @treturn table the result (see spfkit.dkim.check)
-- @treturn ?userdata the loaded key when usable
function M.check(ask, opts)
  local res = { domain = norm(opts.domain), selector = opts.selector, findings = {}, cname_chain = {} }
  res.name = M.name(opts.selector, opts.domain)
  local got = dkdns.txt(ask, res.name)
  res.cname_chain = got.chain or {}
  if got.state == "temperror" then
    res.status = "temperror"
    finding(res.findings, "dkim-temperror", "warning", { name = res.name, rcode = tostring(got.rcode) })
    return res
  end
  if got.state ~= "ok" then absent(ask, res, got, opts) return res end
  res.ttl = min_ttl(got.records)
  local text, multiple = pick(res, got.records)
  local key = judge(res, text)
  if multiple then res.status = "broken" end
  if res.status == "broken" and opts.probe ~= false then probe(ask, res, false) end
  return res, res.status == "ok" and key or nil
end

return M
