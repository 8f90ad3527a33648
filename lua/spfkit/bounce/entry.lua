--- Entries of `spfkit.bounce.parse`: a reader's record finished into the
-- public shape, the returned message's facts, the Received: trail and ARF
-- feedback entries.
-- @module spfkit.bounce.entry
local mime = require "spfkit.mime"
local text = require "spfkit.bounce.text"
local reason = require "spfkit.bounce.reason"
local auth = require "spfkit.bounce.auth"
local receiver = require "spfkit.bounce.receiver"
local generic = require "spfkit.bounce.readers.generic"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local byte, find, sub, lower, match = string.byte, string.find, string.sub, string.lower, string.match

--- Facts about the returned message from its header fields.
-- @tparam ?table map header map of the returned message
-- @treturn ?table `{from, to, subject, message_id, date, return_path,
--   list_id, list_post, ml_name, mailman, precedence, delivered_to,
--   forwarded_to, resent_from, arc, dkim_signature}`
function M.original(map)
  if not map then return nil end
  local o = {
    from = map.from and mime.decode_words(map.from),
    to = map.to and mime.decode_words(map.to),
    subject = map.subject and mime.decode_words(map.subject),
    message_id = map["message-id"] and (match(map["message-id"], "<([^>]+)>") or text.trim(map["message-id"])),
    date = map.date,
    return_path = map["return-path"] and text.address(map["return-path"]),
    -- evidence of mailing lists and forwarding (spfkit.diagnose)
    list_id = map["list-id"] and text.trim(mime.decode_words(map["list-id"])),
    list_post = map["list-post"] and text.trim(map["list-post"]),
    ml_name = map["x-ml-name"] and text.trim(mime.decode_words(map["x-ml-name"])),
    mailman = map["x-mailman-version"] and text.trim(map["x-mailman-version"]),
    precedence = map.precedence and lower(text.trim(map.precedence)),
    delivered_to = map["delivered-to"] and text.address(map["delivered-to"]),
    forwarded_to = map["x-forwarded-to"] and text.address(map["x-forwarded-to"]),
    resent_from = map["resent-from"] and text.address(map["resent-from"]),
    arc = map["arc-seal"] and true or nil,
    dkim_signature = map["dkim-signature"] and match(";" .. map["dkim-signature"], "[%s;]d%s*=%s*([%w%.%-_]+)") or nil,
  }
  if next(o) == nil then return nil end
  return o
end

local function is_alnum(c)
  return (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122)
end

-- The receiving host: "%f[%w]by%s+([%w%-%.]+)", from plain searches for "by".
local function by_host(v)
  local p = find(v, "by", 1, true)
  while p do
    if p == 1 or not is_alnum(byte(v, p - 1)) then
      local h = match(v, "^by%s+([%w%-%.]+)", p)
      if h then return h end
    end
    p = find(v, "by", p + 1, true)
  end
  return nil
end

-- One Received: field: the sending host (its reverse-DNS name when the
-- receiver wrote one, else the name it gave) and IP, and the receiving host.
local function received_hop(v)
  local from, paren = match(v, "^%s*from%s+([^%s%(]+)%s*(%b())")
  if not from then from = match(v, "^%s*from%s+(%S+)") end
  paren = paren and sub(paren, 2, -2)
  -- one scan for a bracketed address ("[192.0.2.1]", "[IPv6:2001:db8::1]")
  local ip, valid -- (valid: text.ip(ip), made once)
  local p = find(v, "[", 1, true) -- (plain searches: a pattern tries every byte)
  while p do
    local c, e = match(v, "^%[([IPv6:]*[%x:%.]+)%]()", p)
    if c then
      if sub(c, 1, 5) == "IPv6:" then c = sub(c, 6) end
      valid = text.ip(c)
      if valid then ip = c; break end
    end
    p = find(v, "[", e or p + 1, true)
  end
  if not ip and paren then
    ip = match(paren, "%(?([%d%.]+%d)%)?") or match(paren, "([%x]*:[%x:%.]+)")
    valid = text.ip(ip)
  end
  local rdns = paren and match(paren, "^([%w%-]+%.[%w%-%.]+)%s")
  local host = rdns or from
  if host then host = text.domain(host) end
  local by = by_host(v)
  if not (host or ip or by) then return nil end
  return { host = host, ip = valid, by = by and text.domain(by) or nil }
end

--- The Received: trail: hops of the bounce's own header, then the returned
-- message's (marked `original = true`), each in header order.
-- @tparam ?table hs header list of the bounce (`spfkit.mime.headers`)
-- @tparam ?table ohs header list of the returned message
-- @treturn ?table list of `{host=, ip=, by=, original=}`
function M.received(hs, ohs)
  local out = {}
  for pass, h in ipairs({ hs or false, ohs or false }) do
    if h then
      local vals = mime.values(h, "received", 50)
      for i = 1, #vals do
        local hop = received_hop(vals[i])
        if hop then
          hop.original = pass == 2 or nil
          out[#out + 1] = hop
        end
      end
    end
  end
  if #out == 0 then return nil end
  return out
end

--- Turn a reader's record into a public entry (status, reply code,
-- action, reason, auth, receiver, context fields).
-- @tparam table r record (see `spfkit.bounce.scan`)
-- @tparam table ctx message context (`mta`, `reporting_mta`, `sender`,
--   `original`, `mail_system_host`, `received`)
-- @treturn table entry
function M.finish(r, ctx)
  local e = {}
  e.recipient = r.recipient
  -- the address the message was sent to before an alias/forward expanded it
  local orcpt = r.original_recipient and lower(r.original_recipient)
  if orcpt and orcpt ~= r.recipient then e.original_recipient = orcpt end
  local diag = r.diagnostic and text.clean_reply(r.diagnostic) or nil
  if diag == "" then diag = nil end
  e.diagnostic = diag
  e.command = r.command
  e.remote_mta = r.remote_mta
  e.remote_ip = r.remote_ip
  -- status: the DSN's unless generic, then a more specific one from the text
  local st = r.status
  local qst, qcode
  if diag then qst, qcode = text.quoted_reply(diag) end
  local tst = qst or (diag and text.find_status(diag))
  if not tst and r.diag_alt then tst = text.find_status(r.diag_alt) end
  -- (or the server's own, more specific code of the same class)
  local same_class = st and tst and sub(st, 1, 1) == sub(tst, 1, 1) and not text.generic_status(tst)
  if tst and (not st or text.generic_status(st) or same_class) then st = tst end
  local in_mail = st
  e.reply_code = qcode or text.reply_code(diag) or (r.diag_alt and text.reply_code(r.diag_alt)) or r.reply_code
    or (diag and generic.reply_in(diag))
  if st and e.reply_code and sub(st, 1, 1) ~= sub(tostring(e.reply_code), 1, 1) and not r.status then
    st = nil; in_mail = nil
  end
  e.action = r.action
  if not e.action then
    local c = st and sub(st, 1, 1) or (e.reply_code and sub(tostring(e.reply_code), 1, 1))
    e.action = c == "2" and "delivered" or c == "4" and "delayed" or c == "5" and "failed" or nil
  end
  if not st then
    local c = e.reply_code and sub(tostring(e.reply_code), 1, 1)
      or (e.action == "failed" and "5") or (e.action == "delayed" and "4") or (e.action == "delivered" and "2")
    if c == "2" or c == "4" or c == "5" then st = c .. ".0.0" end
  end
  e.status = st
  e.auth = auth.extract(diag) or (r.diag_alt and auth.extract(r.diag_alt)) or nil
  e.receiver = receiver.infer(e.remote_mta, diag or r.diag_alt, st)
  e.reason, e.reason_from = reason.classify({
    reason_hint = r.reason_hint, status = st, status_in_mail = in_mail, action = e.action,
    command = r.command, diagnostic = diag, diagnostic_type = r.diagnostic_type, texts = r.texts,
    receiver = e.receiver, notice = r.notice and sub(r.notice, 1, 4000),
    reporter = receiver.infer(ctx.reporting_mta or ctx.author_host), diagnostic_is_notice = r.diagnostic_is_notice,
    header_reason = ctx.header_reason, header_from = ctx.header_from, fields = r.fields,
  })
  if e.reason == "delivered" and e.action ~= "delivered" and sub(st or "", 1, 1) == "2" then
    e.action = "delivered"
  end
  e.mta = ctx.mta
  e.reporting_mta = ctx.reporting_mta
  e.sender = ctx.sender
  e.original = ctx.original
  e.mail_system_host = ctx.mail_system_host
  e.received = ctx.received
  return e
end

--- The entry of an ARF (RFC 5965) feedback report.
-- @tparam ?table fb the message/feedback-report entity (nil for a
--   complaint report that has none, see `complaints`)
-- @tparam table ctx message context
-- @tparam ?string notice the human-readable part
-- @tparam[opt] string rcpt the recipient (default: the report's first
--   Original-Rcpt-To, else the returned message's To)
-- @treturn table entry
function M.arf(fb, ctx, notice, rcpt)
  local f = fb and mime.headers(mime.text(fb) .. "\n").map or {}
  local o = ctx.original or {}
  rcpt = rcpt or text.address(f["original-rcpt-to"]) or text.address(o.to)
  local e = {
    recipient = rcpt, action = nil, reason = "feedback", reason_from = "hint", mta = "arf",
    feedback_type = f["feedback-type"] and lower(f["feedback-type"]),
    remote_ip = text.ip(f["source-ip"]), reporting_mta = ctx.reporting_mta,
    sender = text.address(f["original-mail-from"]) or ctx.sender, original = ctx.original,
  }
  if e.feedback_type == "auth-failure" or f["auth-failure"] or f["reported-domain"] then
    local a = { kind = "arf" }
    a.ip = notice and text.ip(match(notice, "[Rr]eceived from IP%s+([%x:%.]+)")) or e.remote_ip
    a.domain = text.domain(f["reported-domain"] and match(f["reported-domain"], "^[^;%s]+"))
    local ar = lower(f["authentication-results"] or "")
    a.spf = match(ar, "spf=(%a+)")
    a.dkim = match(ar, "dkim=(%a+)")
    a.dmarc = match(ar, "dmarc=(%a+)")
    e.auth = a
  end
  e.diagnostic = notice and text.fold(sub(notice, 1, 2000)) or nil
  if e.diagnostic == "" then e.diagnostic = nil end
  e.received = ctx.received
  return e
end

--- The entries of a feedback report: one per Original-Rcpt-To field (RFC
-- 5965 3.2 allows several), else one.
-- @tparam table fb the message/feedback-report entity
-- @tparam table ctx message context
-- @tparam ?string notice the human-readable part
-- @treturn table list of entries
function M.arf_all(fb, ctx, notice)
  local rcpts = mime.values(mime.headers(mime.text(fb) .. "\n"), "original-rcpt-to", 1000)
  local out, seen = {}, {}
  for i = 1, #rcpts do
    local a = text.address(rcpts[i])
    if a and not seen[a] then
      seen[a] = true
      out[#out + 1] = M.arf(fb, ctx, notice, a)
    end
  end
  if #out == 0 then out[1] = M.arf(fb, ctx, notice) end
  return out
end

--- Subjects of complaint reports sent without a message/feedback-report
-- part: Hotmail/Outlook.com JMRP and Amazon SES complaint notices
-- ("complaint about message from 192.0.2.1"; Sisimai lib/Sisimai/ARF.pm).
M.COMPLAINT_SUBJECTS = { "^%s*complaint about message from " }

--- The entry of such a complaint report, or nil when `subject` is not one
-- or no returned message is attached.
-- @tparam ?string subject the report's Subject
-- @tparam ?table orig header list of the returned message
-- @tparam table ctx message context
-- @tparam ?string notice the human-readable part
-- @treturn ?table list of one entry
function M.complaint(subject, orig, ctx, notice)
  if not (subject and orig) then return nil end
  local l = lower(subject)
  for i = 1, #M.COMPLAINT_SUBJECTS do
    if match(l, M.COMPLAINT_SUBJECTS[i]) then
      -- Hotmail names the complainant in X-HmXmrOriginalRecipient
      local rcpt = text.address(orig.map["x-hmxmroriginalrecipient"]) or text.address(orig.map.to)
      local e = M.arf(nil, ctx, notice, rcpt)
      e.feedback_type = "abuse"
      e.remote_ip = e.remote_ip or text.ip(match(l, "from%s+([%x:%.]+%x)"))
      return { e }
    end
  end
  return nil
end

return M
