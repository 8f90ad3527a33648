--- Bounce (DSN / non-delivery report) parsing.
-- `spfkit.bounce.parse(raw)` reads a bounce as it arrives in a mailbox and
-- returns one entry per recipient it reports: who, what happened, the
-- remote server's words, a reason class (Sisimai's vocabulary) and what the
-- receiver said about SPF/DKIM/DMARC.
--
-- Pure Lua (5.1/LuaJIT and 5.4). Charset conversion uses
-- `spfkit.core.iconv` when the C core is built (see `spfkit.bounce.charset`).
-- @module spfkit.bounce
local mime = require "spfkit.mime"
local text = require "spfkit.bounce.text"
local dsn = require "spfkit.bounce.dsn"
local scan = require "spfkit.bounce.scan"
local reason = require "spfkit.bounce.reason"
local auth = require "spfkit.bounce.auth"

local M = {}

local find, sub, gsub, lower, match = string.find, string.sub, string.gsub, string.lower, string.match
local concat = table.concat

--- Largest notification text that is searched (bytes).
M.MAX_NOTICE = 512 * 1024

-- Lines that start the returned message inside a plain-text notice.
local MARKERS = {
  "\n--- Below this line is a copy of the message.",
  "\n--- Enclosed are the original headers of the message.",
  "\n------ This is a copy of the message, including all the headers.",
  "\n------ This is a copy of the message's headers.",
  "\n----- Original message -----",
  "\n   ----- Original message -----",
  "\nOriginal message headers:",
  "\nMessage headers follow.",
  "\n    Below is a copy of the original message:",
  "\n------ Original message ------",
  "\nContent-Type: message/rfc822",
}

local function err(code, message)
  return { code = code, message = message }
end

-- Cut a plain-text notice where the returned message starts.
local function cut_notice(t)
  local best, mlen
  for i = 1, #MARKERS do
    local p = find(t, MARKERS[i], 1, true)
    if p and (not best or p < best) then best, mlen = p, #MARKERS[i] end
  end
  if not best then return t, nil end
  local rest = sub(t, best + mlen)
  rest = gsub(rest, "^[^\n]*\n", "", 1)
  return sub(t, 1, best), rest
end

-- Header fields of the returned message, from a text that starts with them.
local function header_block(t)
  if not t then return nil end
  t = gsub(t, "^%s*\n", "", 1)
  local h = mime.split(t)
  if not match(h, "^[!-9;-~]+:") then return nil end
  local hs = mime.headers(h)
  if not (hs.map.from or hs.map.to or hs.map.subject or hs.map["message-id"]) then return nil end
  return hs.map
end

local function original_from(map)
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

local function unquote(t)
  local out = {}
  local lines = text.lines(t)
  for i = 1, #lines do
    local l = lines[i]
    if sub(l, 1, 2) == "> " then l = sub(l, 3) elseif sub(l, 1, 1) == ">" then l = sub(l, 2) end
    out[i] = l
  end
  return concat(out, "\n")
end

local function count_quoted(t)
  local n = 0
  for _ in string.gmatch(t, "\n>") do
    n = n + 1
    if n >= 5 then break end
  end
  return n
end

-- Read the notification text with the MTA readers.
local function read_notice(notice, hmap, have_dsn)
  local lines = text.lines(notice)
  local mta, reader = scan.identify(notice, hmap)
  local recs, extra = {}, nil
  if reader then recs, extra = scan[reader](lines) end
  if #recs == 0 and not (have_dsn and mta) then
    for i = 1, #scan.FALLBACK do
      local r, x = scan[scan.FALLBACK[i]](lines)
      if r and #r > 0 then
        recs, extra = r, x
        if not mta then mta = scan.FALLBACK[i] == "transcript" and "courier" or scan.FALLBACK[i] end
        break
      end
    end
  end
  return mta, recs, extra, lines
end

local function merge_into(d, h)
  for _, k in ipairs({ "remote_mta", "remote_ip", "command", "action", "original_recipient" }) do
    if d[k] == nil then d[k] = h[k] end
  end
  if h.reason_hint and not d.reason_hint then d.reason_hint = h.reason_hint end
  if h.texts then
    d.texts = d.texts or {}
    for i = 1, #h.texts do d.texts[#d.texts + 1] = h.texts[i] end
  end
  if h.diagnostic then
    local hd, dd = h.diagnostic, d.diagnostic or ""
    if #hd > #dd and #hd < 2 * #dd + 200 then hd = text.fold(hd); dd = text.fold(dd) end
    if #hd > #dd or h.global then
      -- keep the replaced text: its codes still count when the new one has none
      if dd ~= "" then d.diag_alt = dd end
      d.diagnostic = h.diagnostic
    end
  end
end

local function is_autoreply(hmap)
  local as = lower(hmap["auto-submitted"] or "")
  local subj = lower(hmap.subject or "")
  if hmap["x-autoreply"] or hmap["x-autorespond"] or hmap["x-autoresponder"] then return true end
  local prec = lower(hmap.precedence or "")
  if prec == "auto_reply" then return true end
  if find(as, "auto-replied", 1, true) and not find(as, "failure", 1, true) then
    if find(subj, "out of office", 1, true) or find(subj, "auto", 1, true) or find(subj, "vacation", 1, true)
       or find(subj, "away", 1, true) or find(subj, "自動", 1, true) or find(subj, "不在", 1, true) then
      return true
    end
  end
  if find(subj, "^auto:") or find(subj, "^automatic reply", 1) or find(subj, "out of office", 1, true)
     or find(subj, "自動応答", 1, true) or find(subj, "自動返信", 1, true) or find(subj, "不在", 1, true) then
    return true
  end
  return false
end

local function finish(r, ctx)
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
  local tst = diag and text.find_status(diag)
  if not tst and r.diag_alt then tst = text.find_status(r.diag_alt) end
  if (not st or text.generic_status(st)) and tst then st = tst end
  local in_mail = st
  e.reply_code = text.reply_code(diag) or (r.diag_alt and text.reply_code(r.diag_alt))
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
  e.reason, e.reason_from = reason.classify({
    reason_hint = r.reason_hint, status = st, status_in_mail = in_mail, action = e.action,
    command = r.command, diagnostic = diag, diagnostic_type = r.diagnostic_type, texts = r.texts,
  })
  if e.reason == "delivered" and e.action ~= "delivered" and sub(st or "", 1, 1) == "2" then
    e.action = "delivered"
  end
  e.mta = ctx.mta
  e.reporting_mta = ctx.reporting_mta
  e.sender = ctx.sender
  e.original = ctx.original
  return e
end

-- ARF (RFC 5965) feedback report.
local function arf_entry(fb, ctx, notice)
  local f = mime.headers(mime.text(fb) .. "\n").map
  local o = ctx.original or {}
  local rcpt = text.address(f["original-rcpt-to"]) or text.address(o.to)
  local e = {
    recipient = rcpt, action = nil, reason = "feedback", mta = "arf",
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
  return e
end

local function parse_message(s, level)
  level = level or 0
  local top = mime.parse(s)
  local hmap = top.headers.map
  local plains, htmls, dsns, feedback, orig_map = {}, {}, {}, nil, nil
  local attached = {}
  mime.walk(top, function(e, inside)
    if inside then return end
    local ct = e.ctype
    if ct == "text/plain" and not e.parts and e ~= top or (ct == "text/plain" and e == top) then
      local disp = lower(e.headers.map["content-disposition"] or "")
      if not find(disp, "attachment", 1, true) or e == top then plains[#plains + 1] = e end
    elseif ct == "text/html" then htmls[#htmls + 1] = e
    elseif ct == "message/delivery-status" or ct == "message/global-delivery-status" then dsns[#dsns + 1] = e
    elseif ct == "message/feedback-report" then feedback = feedback or e
    elseif (ct == "message/rfc822" or ct == "message/global") and e.message then
      attached[#attached + 1] = e
      orig_map = orig_map or e.message.headers.map
    elseif (ct == "text/rfc822-headers" or ct == "message/rfc822-headers" or ct == "message/global-headers")
        and not orig_map then
      orig_map = header_block(mime.text(e))
    end
  end)
  if #plains == 0 and #htmls == 0 and sub(top.ctype, 1, 5) == "text/" then plains[1] = top end

  local texts = {}
  for i = 1, #plains do texts[#texts + 1] = mime.text(plains[i]) end
  if #texts == 0 then
    for i = 1, #htmls do
      local h = sub(mime.text(htmls[i]), 1, M.MAX_NOTICE)
      h = gsub(h, "<[Bb][Rr]%s*/?>", "\n")
      h = gsub(h, "</?[Pp]>", "\n")
      h = gsub(h, "<[^<>]*>", "")
      h = gsub(h, "&#39;", "'")
      h = gsub(h, "&quot;", "\"")
      h = gsub(h, "&lt;", "<")
      h = gsub(h, "&gt;", ">")
      h = gsub(h, "&amp;", "&")
      texts[#texts + 1] = h
    end
  end
  local notice = concat(texts, "\n\n")
  if #notice > M.MAX_NOTICE then notice = sub(notice, 1, M.MAX_NOTICE) end
  local tail
  notice, tail = cut_notice("\n" .. notice)
  notice = sub(notice, 2)
  if not orig_map then orig_map = header_block(tail) end

  local ctx = { original = original_from(orig_map) }
  local msgf, drecs = {}, {}
  for i = 1, #dsns do
    local m, r = dsn.parse(mime.text(dsns[i]))
    for k, v in pairs(m) do if msgf[k] == nil then msgf[k] = v end end
    for k = 1, #r do drecs[#drecs + 1] = r[k] end
  end

  local mta, hrecs, sender = read_notice(notice, hmap, #drecs > 0)
  if #hrecs == 0 and #drecs == 0 and count_quoted(notice) >= 5 then
    -- a bounce forwarded inline ("> " quoted)
    local uq = unquote(notice)
    mta, hrecs, sender = read_notice(uq, hmap)
    if dsn.looks_like(uq) then
      local m, r = dsn.parse(uq)
      for k, v in pairs(m) do if msgf[k] == nil then msgf[k] = v end end
      for k = 1, #r do drecs[#drecs + 1] = r[k] end
    end
    if not ctx.original then
      local _, t2 = cut_notice("\n" .. uq)
      ctx.original = original_from(header_block(t2))
    end
  elseif #drecs == 0 and dsn.looks_like(notice) then
    local m, r = dsn.parse(notice)
    for k, v in pairs(m) do if msgf[k] == nil then msgf[k] = v end end
    for k = 1, #r do drecs[#drecs + 1] = r[k] end
  end

  ctx.reporting_mta = dsn.host_ip(msgf["reporting-mta"])
  if not ctx.reporting_mta then
    ctx.reporting_mta = match(notice, "This is the mail system at host ([%w%-%.]+[%w])")
      or match(notice, "This is the qmail%-send program at ([%w%-%.]+[%w])")
      or match(notice, "DragonFly Mail Agent [^\n]- at ([%w%-%.]+[%w])")
      or match(notice, "notification from ([%w%-%.]+[%w]),")
    ctx.reporting_mta = ctx.reporting_mta and lower(ctx.reporting_mta)
  end
  ctx.sender = text.address(msgf["x-postfix-sender"]) or text.address(msgf["x-original-envelope-from"])
    or (type(sender) == "string" and sender) or nil
  if not ctx.sender and ctx.original then
    ctx.sender = ctx.original.return_path or text.address(ctx.original.from)
  end
  if not mta and #drecs > 0 then mta = "rfc3464" end
  ctx.mta = mta

  -- feedback reports and auto-replies
  if feedback then
    ctx.mta = "arf"
    return { arf_entry(feedback, ctx, notice) }
  end

  -- merge the machine part with the human part
  local globals = {}
  local recs
  if #drecs > 0 then
    recs = drecs
    local index = {}
    for i = 1, #drecs do
      local d = drecs[i]
      if d.recipient then index[d.recipient] = index[d.recipient] or d end
      for k = 1, 2 do local a = d.alt[k]; if a and not index[a] then index[a] = d end end
    end
    local unmatched = {}
    for i = 1, #hrecs do
      local h = hrecs[i]
      if h.global then globals[#globals + 1] = h
      else
        local d = h.recipient and index[h.recipient]
        if d then merge_into(d, h) else unmatched[#unmatched + 1] = h end
      end
    end
    if #unmatched == 1 and #drecs == 1 and #hrecs == 1 then merge_into(drecs[1], unmatched[1]) end
  else
    recs = {}
    for i = 1, #hrecs do
      if hrecs[i].global then globals[#globals + 1] = hrecs[i] else recs[#recs + 1] = hrecs[i] end
    end
    if #recs == 0 and (#globals > 0 or hmap["x-failed-recipients"]) then
      local diag = globals[1] and globals[1].diagnostic or scan.any_reply(text.lines(notice))
      for a in string.gmatch(hmap["x-failed-recipients"] or "", "[^%s,]+") do
        local addr = text.address(a)
        if addr then recs[#recs + 1] = { recipient = addr, diagnostic = diag, action = "failed" } end
      end
      if #recs > 0 and not mta then ctx.mta = "unknown" end
    end
  end
  for i = 1, #globals do
    for k = 1, #recs do merge_into(recs[k], globals[i]) end
  end

  if #recs == 0 then
    -- a bounce forwarded as an attachment (to a help desk, say)
    if level < 2 then
      for i = 1, #attached do
        local sub_list = parse_message(mime.decoded(attached[i]), level + 1)
        if #sub_list > 0 then return sub_list end
      end
    end
    if is_autoreply(hmap) then
      local from = text.address(hmap.from)
      return { {
        recipient = from, reason = "vacation", mta = "rfc3834", action = nil,
        diagnostic = text.fold(sub(notice, 1, 300)),
        sender = text.address(hmap.to), original = nil,
      } }
    end
    return {}
  end

  local out = {}
  for i = 1, #recs do out[#out + 1] = finish(recs[i], ctx) end
  return out
end

-- Split an mbox ("From " separated) into messages.
local function split_mbox(s)
  if sub(s, 1, 5) ~= "From " then return { s } end
  local msgs = {}
  local pos = 1
  while pos <= #s do
    local eol = find(s, "\n", pos, true)
    if not eol then break end
    local nxt = find(s, "\n\nFrom ", eol, true)
    msgs[#msgs + 1] = sub(s, eol + 1, nxt and nxt or #s)
    if not nxt then break end
    pos = nxt + 2
  end
  return msgs
end

local function parse_all(raw)
  if raw == "" then return nil, err("empty", "empty input") end
  local s = mime.normalize(raw)
  s = gsub(s, "^\n+", "")
  local msgs = split_mbox(s)
  if not msgs[1] or not match(msgs[1], "^[!-9;-~]+:") then
    return nil, err("not_mail", "input is not a mail message (no header block)")
  end
  local out = {}
  for i = 1, #msgs do
    if match(msgs[i], "^[!-9;-~]+:") then
      local list = parse_message(msgs[i])
      for k = 1, #list do out[#out + 1] = list[k] end
    end
  end
  return out
end

--- Parse a bounce message.
-- Accepts the raw message (LF, CRLF or CR line endings; an mbox with
-- several messages is read message by message).
-- @tparam string raw the message as received
-- @treturn ?table list of entries, one per recipient reported (empty when
--   the message is mail but not a bounce); each entry has `recipient`,
--   `action`, `status`, `reply_code`, `remote_mta`, `remote_ip`, `command`,
--   `diagnostic`, `reason`, `auth`, `mta`, `reporting_mta`, `sender`,
--   `original` (fields are nil when unknown)
-- @treturn ?table error `{code=, message=}` when `raw` is not a mail
--   message: code `"empty"` or `"not_mail"` (or `"internal"` should the
--   parser meet a bug; it never raises)
-- @raise when `raw` is not a string
function M.parse(raw)
  if type(raw) ~= "string" then
    error("spfkit.bounce.parse: expected a string, got " .. type(raw), 2)
  end
  local ok, res, e = pcall(parse_all, raw)
  if not ok then return nil, err("internal", "bounce parser error: " .. tostring(res)) end
  return res, e
end

return M
