--- Diagnosis stage 1, evidence: what the input proves — who refused and
-- why, which domain, IP and sender, the DKIM signature's domain, marks of
-- forwarding or a mailing list — from a bounce, from what the caller
-- gives (domain/ip/sender/helo), or both (the caller's values win).
-- Plain data in, plain data out; no DNS.
-- @module spfkit.diagnose.evidence

local bounce = require "spfkit.bounce"
local receiver = require "spfkit.bounce.receiver"
local relay = require "spfkit.diagnose.relay"

local M = {}

local type, ipairs = type, ipairs

-- Bounce reasons (Sisimai's vocabulary) that DNS records do not fix.
M.REPUTATION = {
  blocked = true, spamdetected = true, speeding = true, toomanyconn = true, badreputation = true,
  policyviolation = true, rejected = true, securityerror = true, virus = true, virusdetected = true,
  contenterror = true, filtered = true, ratelimited = true,
}
M.NOT_FAILURE = { delivered = true, vacation = true }

--- A domain name in canonical form, or nil when it cannot be one.
function M.norm_domain(d)
  if type(d) ~= "string" then return nil end
  d = d:lower():gsub("%.$", "")
  if d == "" or #d > 253 or not d:find(".", 1, true) or d:find("[^%w%.%-_]") or d:find("%.%.") then
    return nil
  end
  return d
end
local norm_domain = M.norm_domain

--- The domain of an address (`user@example.jp`, `<user@example.jp>`).
function M.domain_of(addr)
  if type(addr) ~= "string" then return nil end
  return norm_domain(addr:match("@([^@>%s]+)>?%s*$") or addr:match("@([^@>%s]+)"))
end
local domain_of = M.domain_of

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
    status = e.status, reply_code = e.reply_code, reason = e.reason, reason_from = e.reason_from,
    diagnostic = e.diagnostic, remote_mta = e.remote_mta, remote_ip = e.remote_ip,
    reporting_mta = e.reporting_mta, command = e.command, mta = e.mta, sender = e.sender,
    receiver = M.receiver_of(e), mail_system_host = e.mail_system_host,
    auth = a and { domain = a.domain, ip = a.ip, spf = a.spf, dkim = a.dkim, dmarc = a.dmarc, kind = a.kind },
    original = e.original and { from = o.from, to = o.to, subject = o.subject, message_id = o.message_id,
                                date = o.date, return_path = o.return_path, list_id = o.list_id } or nil,
  }
end

--- Who refused: the parser's `receiver`, else the same inference
-- (`spfkit.bounce.receiver`) over the entry's remote MTA, reply and status.
function M.receiver_of(e)
  if type(e.receiver) == "string" then return e.receiver end
  return receiver.infer(e.remote_mta, e.diagnostic, e.status)
end

-- An address the receiving server names in its reply ("[203.0.113.45]",
-- "ip: [2001:db8::1]"), other than its own.
local function ip_in_reply(e)
  local d = e.diagnostic or ""
  for ip in d:gmatch("%[([%x:%.]+)%]") do
    if ip ~= e.remote_ip and (ip:find("^%d+%.%d+%.%d+%.%d+$") or ip:find(":", 1, true)) then return ip end
  end
end

-- What kind of bounce this is, for the stages after.
-- Statuses that mean "authentication failed" at the receivers that use
-- them: Gmail 5.7.26/5.7.27 (and 5.7.30 for DMARC), Microsoft 5.7.509
-- (DMARC) and 5.7.515 (authentication level), Yahoo 5.7.9 ("Message not
-- accepted for policy reasons": Yahoo's sender guide ties it to SPF/DKIM/DMARC).
local AUTH_STATUS = { ["5.7.26"] = true, ["5.7.27"] = true, ["5.7.30"] = true, ["5.7.509"] = true,
                      ["5.7.515"] = true }
local AUTH_STATUS_AT = { yahoo = { ["5.7.9"] = true } }

local function kind_of(e)
  local a = e.auth or {}
  if M.NOT_FAILURE[e.reason] or e.action == "delivered" then return "not-failure" end
  if e.reason == "requireptr" or a.kind == "ptr" or e.status == "5.7.25" then return "ptr" end
  if e.reason == "authfailure" or a.kind or AUTH_STATUS[e.status] then return "auth" end
  local at = AUTH_STATUS_AT[M.receiver_of(e) or ""]
  if at and at[e.status] then return "auth" end
  if M.REPUTATION[e.reason] then return "reputation" end
  return "not-auth"
end

-- Evidence from one bounce entry, with the caller's overrides.
local function from_entry(e, opts)
  local a, o = e.auth or {}, e.original or {}
  local ev = { input = "bounce", kind = kind_of(e), reason = e.reason, status = e.status,
               bounce = bounce_view(e), relay = relay.detect(e), auth_kind = a.kind, dkim = a.dkim,
               from_domain = domain_of(o.from), dkim_domain = o.dkim_signature, helo = opts.helo,
               mailfrom_domain = domain_of(e.sender) or domain_of(o.return_path), sender = e.sender }
  ev.ip, ev.ip_from = opts.ip, opts.ip and "caller" or nil
  if not ev.ip and a.ip then ev.ip, ev.ip_from = a.ip, "bounce" end
  if not ev.ip and ip_in_reply(e) then ev.ip, ev.ip_from = ip_in_reply(e), "reply" end
  ev.receiver, ev.received = M.receiver_of(e), e.received
  local given = norm_domain(opts.domain)
  ev.domain = given or a.domain or ev.mailfrom_domain or ev.from_domain
  if ev.kind == "ptr" then ev.domain = given or ev.from_domain or ev.mailfrom_domain end
  if ev.kind == "not-auth" or ev.kind == "reputation" or ev.kind == "not-failure" then
    ev.domain = given or ev.from_domain or ev.mailfrom_domain
  end
  return ev
end

-- Evidence from a raw bounce; `ev.error` when it cannot be read.
local function from_bounce(opts)
  local entries, err = bounce.parse(opts.bounce)
  if not entries then
    return { input = "bounce", error = { code = "input-not-mail", params = { detail = err and err.code or "" } } }
  end
  if #entries == 0 then return { input = "bounce", error = { code = "input-not-bounce", params = {} } } end
  local e = pick(entries, opts.entry)
  if not e then
    return { input = "bounce", error = { code = "input-no-entry", params = { count = #entries } } }
  end
  local ev = from_entry(e, opts)
  ev.entries = #entries
  return ev
end

-- Evidence from the caller's domain/ip/sender alone.
local function from_options(opts)
  local domain = norm_domain(opts.domain) or (opts.domain == nil and domain_of(opts.sender)) or nil
  if not domain then
    local code = opts.domain and "input-bad-domain" or "input-no-domain"
    return { input = "domain", error = { code = code, params = { domain = tostring(opts.domain) } } }
  end
  return { input = "domain", kind = "spf", domain = domain, ip = opts.ip, ip_from = opts.ip and "caller" or nil,
           sender = opts.sender, helo = opts.helo }
end

-- The sender the SPF check runs with: the bounce's, when it is of the domain.
local function sender_for(ev)
  if ev.domain and not (ev.sender and domain_of(ev.sender) == ev.domain) then
    return "postmaster@" .. ev.domain
  end
  return ev.sender
end

--- Collect the evidence of a diagnosis.
-- @tparam table opts the diagnosis options (`bounce`, `domain`, `ip`,
--   `sender`, `helo`, `entry`)
-- @treturn table evidence `{ input, kind, domain, ip, ip_from, sender,
--   helo, from_domain, mailfrom_domain, dkim_domain, dkim, auth_kind,
--   reason, status, relay, bounce, entries }`, or `{ error = {code, params} }`
function M.collect(opts)
  local ev = opts.bounce and from_bounce(opts) or from_options(opts)
  if ev.error then return ev end
  ev.sender = sender_for(ev)
  return ev
end

return M
