--- DKIM selectors: which ones to try, and trying them (discovery).
--
-- From a DKIM-Signature (its s= and d=) when there is one; else the
-- selectors of the provider (lua/spfkit/providers/dkim.lua), then the
-- common ones below, each with where it is documented.
-- @module spfkit.dkim.selectors

local tags = require "spfkit.dkim.tags"
local lookup = require "spfkit.dkim.lookup"
local providers = require "spfkit.providers.dkim"

local M = {}

local ipairs, type, lower = ipairs, type, string.lower

--- Selectors tried when nothing names one, in this order.
M.COMMON = {
  -- cPanel (mixhost, many shared hosts) and Plesk publish default._domainkey:
  -- https://docs.cpanel.net/cpanel/email/email-deliverability/
  -- https://docs.plesk.com/en-US/obsidian/administrator-guide/mail/antispam-tools/
  --   dkim-domainkeys-identified-mail.59453/
  "default",
  -- Google Workspace: "the selector prefix ... (google by default)":
  -- https://support.google.com/a/answer/177063
  "google",
  -- Microsoft 365: two CNAMEs, selector1 and selector2:
  -- https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure
  "selector1", "selector2",
  -- Mailchimp domain authentication: k2/k3 CNAMEs (older accounts k1):
  -- https://mailchimp.com/help/set-up-email-domain-authentication/
  "k1", "k2", "k3",
  -- Mailchimp Transactional (Mandrill): mandrill._domainkey:
  -- https://mailchimp.com/developer/transactional/docs/authentication-delivery/
  "mandrill",
  -- SendGrid automated security: s1/s2 CNAMEs:
  -- https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication
  "s1", "s2",
}

--- Most selectors tried by one discovery.
M.MAX = 32

-- s= and d= of one DKIM-Signature value, even when other tags are wrong.
local function from_signature(value)
  local map = tags.parse(value)
  if not map or not map.s then
    local s = (";" .. value):match("[;%s]s%s*=%s*([%w%.%-_]+)")
    local d = (";" .. value):match("[;%s]d%s*=%s*([%w%.%-_]+)")
    return s, d and lower(d)
  end
  return tags.strip(map.s), map.d and lower(tags.strip(map.d))
end

local function add(out, seen, selector, domain, source)
  local k = lower(selector) .. "\0" .. (domain or "")
  if seen[k] or #out >= M.MAX then return end
  seen[k] = true
  out[#out + 1] = { selector = selector, domain = domain, source = source }
end

--- The selectors to try, in order.
-- @tparam table opts `{ signature = <DKIM-Signature value or list of them>,
--   provider = <provider id> }`
-- @treturn table `{ {selector, domain = <d= when from a signature>,
--   source = "signature"|"provider"|"common"} }`
function M.list(opts)
  local out, seen = {}, {}
  local sigs = opts.signature
  if type(sigs) == "string" then sigs = { sigs } end
  for _, v in ipairs(sigs or {}) do
    local s, d = from_signature(v)
    if s and s ~= "" then add(out, seen, s, d, "signature") end
  end
  local from_sig = #out > 0
  local p = opts.provider and providers[opts.provider]
  for _, s in ipairs(p and p.selectors or {}) do add(out, seen, s, nil, "provider") end
  if not from_sig or opts.common then
    for _, s in ipairs(M.COMMON) do add(out, seen, s, nil, "common") end
  end
  return out
end

--- Try selectors for a domain: one round of TXT questions (together
-- through ask_many), then each judged.
-- @treturn table `{ domain, tried = {selectors}, found = {check results
--   that are not "missing"}, results = {every check result}, selector =
--   <first with status "ok"> }`
function M.discover(ask, ask_many, domain, list)
  local qs = {}
  for i, s in ipairs(list) do qs[i] = { lookup.name(s, domain), "TXT" } end
  ask_many(qs)
  local out = { domain = lower(domain), tried = {}, found = {}, results = {} }
  for i, s in ipairs(list) do
    local res = lookup.check(ask, { domain = domain, selector = s, probe = false })
    out.tried[i], out.results[i] = s, res
    if res.status ~= "missing" then out.found[#out.found + 1] = res end
    if res.status == "ok" and not out.selector then out.selector = s end
  end
  return out
end

return M
