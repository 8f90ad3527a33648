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
local entry = require "spfkit.bounce.entry"
local generic = require "spfkit.bounce.readers.generic"
local reason = require "spfkit.bounce.reason"
local forward = require "spfkit.bounce.forward"
local errors = require "spfkit.errors"
local core_ok, core = pcall(require, "spfkit.core")
if not core_ok or type(core) ~= "table" then core = {} end

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local byte, find, sub, gsub, lower, match = string.byte, string.find, string.sub, string.gsub, string.lower,
  string.match
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
  return errors.new(code, message)
end

-- The first marker in t: its position and length (the C core does the
-- same searches in one pass).
local function lua_first_marker(t)
  local best, mlen
  for i = 1, #MARKERS do
    local p = find(t, MARKERS[i], 1, true)
    if p and (not best or p < best) then best, mlen = p, #MARKERS[i] end
  end
  return best, mlen
end

local first_marker = lua_first_marker
if core.find_first then
  first_marker = function(t)
    local p, i = core.find_first(t, MARKERS)
    return p, p and #MARKERS[i]
  end
end

-- Cut a plain-text notice where the returned message starts.
local function cut_notice(t)
  local best, mlen = first_marker(t)
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
  return hs
end

-- The returned message's header inside a plain-text notice that has no
-- marker line: the first run of header fields (see readers.generic).
local function inline_header(notice)
  local lines = text.lines(notice, 2000)
  local i = generic.notice_end(lines)
  if i > #lines then return nil end
  if not match(lines[i], "^[%w%-]+:") then i = i + 1 end -- a marker line
  return header_block(concat(lines, "\n", i, math.min(#lines, i + 200)))
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
  local n, pos = 0, 1
  while n < 5 do
    local p = find(t, "\n>", pos, true)
    if not p then break end
    n, pos = n + 1, p + 2
  end
  return n
end

--- Words of a bounce's From: local part and Subject: (lower case, plain).
M.BOUNCE_FROM = { "mailer-daemon", "postmaster", "mail delivery", "mail.delivery", "maildelivery", "mmsc",
  "ndr", "bounce", "daemon", "mail administrator", "post_master" }
M.BOUNCE_SUBJECT = { "undeliver", "delivery fail", "delivery status", "failure", "returned mail",
  "could not be delivered", "not delivered", "delivery problem", "non remis", "unzustellbar",
  "nicht zustellbar", "error", "rejected", "returned", "配信", "エラー", "不達", "未達", "失敗",
  "échec", "no entregado", "non recapitato", "недостав", "not member", "delayed" }

local has_any = require("spfkit.bounce.readers.util").has_any

-- Does a message look like a bounce (so that the generic reader's
-- addresses can be taken for failed recipients)?
-- Whether a From: value (or an address) is a bounce address: its local
-- part or display name holds one of BOUNCE_FROM.
local function bounce_sender(from)
  return has_any(match(from or "", "^[^@]*"), M.BOUNCE_FROM)
end

local function looks_bounce(hmap, lines)
  if bounce_sender(hmap.from) or has_any(hmap.subject, M.BOUNCE_SUBJECT)
     or (hmap["return-path"] and match(hmap["return-path"], "^%s*<%s*>")) then
    return true
  end
  -- a notice that quotes an SMTP error reply at the start of a line
  for i = 1, lines and math.min(#lines, 200) or 0 do
    local code = text.reply_code(lines[i])
    if code and code >= 400 then return true end
  end
  return false
end

-- Read the notification text with the MTA readers, then the generic one.
local function read_notice(notice, hmap, have_dsn, exclude, force, no_generic)
  local lines = text.lines(notice)
  local mta, reader = scan.identify(notice, hmap)
  local recs, extra = {}, nil
  if reader then recs, extra = scan[reader](lines) end
  if #recs == 0 and not (have_dsn and mta) then
    local l = lower(notice)
    for i = 1, #scan.FALLBACK do
      local r, x
      if scan.may_read(scan.FALLBACK[i], l) then r, x = scan[scan.FALLBACK[i]](lines) end
      if r and #r > 0 then
        recs, extra = r, x
        local name = scan.FALLBACK_MTA[scan.FALLBACK[i]]
        if name == nil then name = scan.FALLBACK[i] end
        if not mta and name then mta = name end
        break
      end
    end
  end
  if #recs == 0 and not have_dsn and not no_generic and (force or looks_bounce(hmap, lines)) then
    recs = generic.generic(lines, { exclude = exclude })
    if #recs > 0 then mta = mta or "generic" end
  end
  return mta, recs, extra, lines
end

local function merge_into(d, h)
  if d.recipient == nil then d.recipient = h.recipient end
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
    -- the notice's words replace the DSN's own Diagnostic-Code when they
    -- say it at more length (a reply the DSN cut short); another reply (an
    -- earlier MX's deferral) or other words leave the DSN's
    local hc, dc = generic.reply_in(hd), generic.reply_in(dd)
    local same = dd == "" or (hc ~= nil and hc == dc) or find(lower(hd), lower(dd), 1, true) ~= nil
    if h.global or (#hd > #dd and same) then
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
  if find(as, "auto-replied", 1, true) and not find(as, "failure", 1, true) and not bounce_sender(hmap.from) then
    return true -- RFC 3834 section 5
  end
  if find(as, "auto-replied", 1, true) and not find(as, "failure", 1, true) then
    if find(subj, "out of office", 1, true) or find(subj, "auto", 1, true) or find(subj, "vacation", 1, true)
       or find(subj, "away", 1, true) or find(subj, "自動", 1, true) or find(subj, "不在", 1, true) then
      return true
    end
  end
  if find(subj, "^auto:") or find(subj, "^automatic reply", 1) or find(subj, "^auto[%- ]?repl")
     or find(subj, "^auto[%- ]?respon") or find(subj, "out of office", 1, true)
     or find(subj, "自動応答", 1, true) or find(subj, "自動返信", 1, true) or find(subj, "不在", 1, true) then
    return true
  end
  return false
end

-- The parts of a message that the readers look at.
local function collect(top)
  local c = { plains = {}, htmls = {}, dsns = {}, attached = {} }
  mime.walk(top, function(e, inside)
    if inside then return end
    local ct = e.ctype
    if ct == "text/plain" and (not e.parts or e == top) then
      local disp = lower(e.headers.map["content-disposition"] or "")
      if not find(disp, "attachment", 1, true) or e == top then c.plains[#c.plains + 1] = e end
    elseif ct == "text/html" then c.htmls[#c.htmls + 1] = e
    elseif ct == "message/delivery-status" or ct == "message/global-delivery-status" then c.dsns[#c.dsns + 1] = e
    elseif ct == "message/feedback-report" then c.feedback = c.feedback or e
    elseif (ct == "message/rfc822" or ct == "message/global") and e.message then
      c.attached[#c.attached + 1] = e
      c.orig = c.orig or e.message.headers
    elseif (ct == "text/rfc822-headers" or ct == "message/rfc822-headers" or ct == "message/global-headers")
        and not c.orig then
      c.orig = header_block(mime.text(e))
    end
  end, false, true)
  if #c.plains == 0 and #c.htmls == 0 and (sub(top.ctype, 1, 5) == "text/" or (top.parts and #top.parts == 0)) then
    -- a text message, or a multipart whose delimiters are missing
    c.plains[1] = top
  end
  return c
end

-- The notification text: the plain parts (else the HTML ones), capped.
local function notice_of(c)
  local texts = {}
  for i = 1, #c.plains do texts[#texts + 1] = mime.text(c.plains[i]) end
  if #texts == 0 then
    for i = 1, #c.htmls do texts[#texts + 1] = text.html_text(sub(mime.text(c.htmls[i]), 1, M.MAX_NOTICE)) end
  end
  local notice = concat(texts, "\n\n")
  if #notice > M.MAX_NOTICE then notice = sub(notice, 1, M.MAX_NOTICE) end
  local tail
  notice, tail = cut_notice("\n" .. notice)
  return sub(notice, 2), tail
end

local function add_dsn(msgf, drecs, s)
  local m, r = dsn.parse(s)
  for k, v in pairs(m) do if msgf[k] == nil then msgf[k] = v end end
  for k = 1, #r do drecs[#drecs + 1] = r[k] end
end

-- Addresses that are never the failed recipient: the bounce's own From,
-- To, Return-Path and the returned message's sender.
local function exclusions(hmap, original)
  local ex = {}
  for _, v in ipairs({ hmap.from, hmap.to, hmap["return-path"], hmap["reply-to"], hmap["delivered-to"],
                       hmap.sender, hmap["envelope-to"] }) do
    local list = v and generic.addresses(v) or {}
    for i = 1, #list do
      local a = list[i]
      if byte(a, -1) == 46 then a = gsub(a, "%.+$", "") end
      ex[lower(a)] = true
    end
  end
  if original then
    for _, v in ipairs({ original.from, original.return_path }) do
      local a = text.address(v)
      if a then ex[a] = true end
    end
  end
  return ex
end

-- Where a notice names the host that wrote it: {plain words that must be
-- present, pattern capturing the host}.
local WRITTEN_AT = {
  { "This is the mail system at host", "This is the mail system at host ([%w%-%.]+[%w])" },
  { "This is the qmail-send program at", "This is the qmail%-send program at ([%w%-%.]+[%w])" },
  { "DragonFly Mail Agent", "DragonFly Mail Agent [^\n]- at ([%w%-%.]+[%w])" },
  { "notification from ", "notification from ([%w%-%.]+[%w])," },
}

local function reporting_mta(msgf, notice)
  local r = dsn.host_ip(msgf["reporting-mta"])
  if r then return r end
  for i = 1, #WRITTEN_AT do
    local w = WRITTEN_AT[i]
    local at = find(notice, w[1], 1, true)
    r = at and match(notice, w[2], at)
    if r then return lower(r) end
  end
  return nil
end

local function context(top, c, msgf, notice, sender, original)
  local ctx = { original = original }
  ctx.reporting_mta = reporting_mta(msgf, notice)
  local msh = find(notice, WRITTEN_AT[1][1], 1, true) and match(notice, WRITTEN_AT[1][2])
  ctx.mail_system_host = msh and lower(msh)
  ctx.sender = text.address(msgf["x-postfix-sender"]) or text.address(msgf["x-original-envelope-from"])
    or (type(sender) == "string" and sender) or nil
  if not ctx.sender and ctx.original then
    ctx.sender = ctx.original.return_path or text.address(ctx.original.from)
  end
  ctx.received = entry.received(top.headers, c.orig)
  ctx.header_reason, ctx.header_from = reason.header_verdict(top.headers.map)
  -- the host of a bounce address in From: wrote the notice (when no
  -- Reporting-MTA says so): its provider's own words may decide the reason
  local from = text.address(top.headers.map.from)
  if from and bounce_sender(from) then ctx.author_host = match(from, "@(.+)$") end
  return ctx
end

-- Pair the DSN's per-recipient records with the notice's.
local function merge_dsn(drecs, hrecs, globals)
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
  return drecs
end

-- Records without a DSN: the notice's, or X-Failed-Recipients:, or the
-- returned message's To: when the notice names nobody.
local function text_records(hrecs, globals, hmap, notice, ctx)
  local recs = {}
  for i = 1, #hrecs do
    if hrecs[i].global then globals[#globals + 1] = hrecs[i] else recs[#recs + 1] = hrecs[i] end
  end
  if #recs > 0 then
    -- a reader that left the action open: the notice says delay or failure
    local action
    for i = 1, #recs do
      if not recs[i].action and not (recs[i].diagnostic and text.reply_code(recs[i].diagnostic)) then
        if not action then
          local lines = text.lines(notice, 200)
          action = generic.action_of(lines, #lines)
        end
        recs[i].action = action
      end
    end
    return recs
  end
  local diag = globals[1] and globals[1].diagnostic or scan.any_reply(text.lines(notice))
  local list = hmap["x-failed-recipients"]
  if not list and ctx.original and looks_bounce(hmap) and ctx.last_resort then list = ctx.original.to end
  for a in string.gmatch(list or "", "[^,]+") do
    local addr = text.address(a)
    if addr and #recs < 100 then
      -- without a reply the notice's own prose stands in for the diagnostic
      recs[#recs + 1] = { recipient = addr, diagnostic = diag or text.fold(sub(notice, 1, 400)), action = "failed",
        diagnostic_is_notice = not diag or nil }
    end
  end
  if #recs > 0 and not ctx.mta then ctx.mta = "unknown" end
  return recs
end

local parse_message

-- No recipient: a bounce forwarded as an attachment, or an auto-reply, or
-- a bounce that names its recipient only in the returned message.
local function no_records(c, hmap, notice, level, ctx, globals)
  if level < 2 then
    for i = 1, #c.attached do
      local sub_list = parse_message(c.attached[i].message, level + 1)
      if #sub_list > 0 then return sub_list end
    end
  end
  if is_autoreply(hmap) then
    return { {
      recipient = text.address(hmap.from), reason = "vacation", reason_from = "hint", mta = "rfc3834", action = nil,
      diagnostic = text.fold(sub(notice, 1, 300)), sender = text.address(hmap.to), original = nil,
    } }
  end
  ctx.last_resort = true
  local recs = text_records({}, globals, hmap, notice, ctx)
  for i = 1, #recs do recs[i] = entry.finish(recs[i], ctx) end
  return recs
end

-- What an entry takes from the returned message's own entry for the same
-- recipient when its notice said nothing that decides the reason.
local EXPLAINS = { "diagnostic", "reply_code", "command", "remote_mta", "remote_ip", "reason", "reason_from",
  "auth", "receiver" }

-- An entry the notice could not explain (reason by default) while the
-- returned message is itself a bounce (a double bounce, a gateway's notice
-- wrapping the MTA's): that bounce's words for the same recipient decide.
local function explain_from_returned(out, c, level)
  if level >= 2 or not c.attached[1] then return out end
  local open = false
  for i = 1, #out do open = open or out[i].reason_from == "default" end
  if not open then return out end
  local by = {}
  for _, e in ipairs(parse_message(c.attached[1].message, level + 1)) do
    if e.recipient and e.reason_from ~= "default" then by[e.recipient] = by[e.recipient] or e end
  end
  for i = 1, #out do
    local e, inner = out[i], by[out[i].recipient or ""]
    if e.reason_from == "default" and inner then
      for _, k in ipairs(EXPLAINS) do e[k] = inner[k] end
      if text.generic_status(e.status or "") and inner.status and sub(inner.status, 1, 1) == sub(e.status, 1, 1) then
        e.status = inner.status
      end
    end
  end
  return out
end

-- A bounce forwarded inline ("> " quoted).
local function read_quoted(notice, hmap, ctx, msgf, drecs, exclude)
  local uq = unquote(notice)
  local mta, hrecs, sender = read_notice(uq, hmap, false, exclude)
  if dsn.looks_like(uq) then add_dsn(msgf, drecs, uq) end
  if not ctx.original then
    local _, t2 = cut_notice("\n" .. uq)
    local hs = header_block(t2)
    ctx.original = entry.original(hs and hs.map)
  end
  return mta, hrecs, sender
end

-- What a forwarded bounce's block must show (see `spfkit.bounce.forward`).
local FORWARDED = { from = M.BOUNCE_FROM, subject = M.BOUNCE_SUBJECT }

-- A bounce a mail client forwarded inline: read as the bounce itself. A
-- message from a bounce address is the bounce, not a forward of one.
local function read_forwarded(notice, level, hmap)
  if level >= 2 or bounce_sender(hmap.from) then return nil end
  local fwd = forward.unwrap(notice, FORWARDED)
  local list = fwd and parse_message(mime.parse(fwd), level + 1)
  return list and #list > 0 and list or nil
end

parse_message = function(top, level)
  local hmap = top.headers.map
  local c = collect(top)
  local notice, tail = notice_of(c)
  local forwarded = read_forwarded(notice, level, hmap)
  if forwarded then return forwarded end
  if not c.orig then c.orig = header_block(tail) or inline_header(notice) end
  local msgf, drecs = {}, {}
  for i = 1, #c.dsns do add_dsn(msgf, drecs, mime.text(c.dsns[i])) end
  local original = entry.original(c.orig and c.orig.map)
  local exclude = exclusions(hmap, original)
  local quoted = count_quoted(notice) >= 5
  -- an RFC 3834 auto-reply is not read for recipients by the generic reader
  local mta, hrecs, sender = read_notice(notice, hmap, #drecs > 0 or quoted, exclude, false, is_autoreply(hmap))
  local ctx = context(top, c, msgf, notice, sender, original)
  if #hrecs == 0 and #drecs == 0 and quoted then
    mta, hrecs, sender = read_quoted(notice, hmap, ctx, msgf, drecs, exclude)
    ctx.sender = ctx.sender or (type(sender) == "string" and sender) or nil
  elseif #drecs == 0 and dsn.looks_like(notice) then
    add_dsn(msgf, drecs, notice)
  end
  ctx.reporting_mta = ctx.reporting_mta or reporting_mta(msgf, notice)
  if not mta and #drecs > 0 then mta = "rfc3464" end
  ctx.mta = mta
  if c.feedback then
    ctx.mta = "arf"
    return entry.arf_all(c.feedback, ctx, notice)
  end
  local complaint = #drecs == 0 and #hrecs == 0 and entry.complaint(hmap.subject, c.orig, ctx, notice)
  if complaint then return complaint end
  local globals = {}
  local recs = #drecs > 0 and merge_dsn(drecs, hrecs, globals) or text_records(hrecs, globals, hmap, notice, ctx)
  for i = 1, #globals do
    for k = 1, #recs do merge_into(recs[k], globals[i]) end
  end
  if #recs == 0 then return no_records(c, hmap, notice, level, ctx, globals) end
  local out = {}
  for i = 1, #recs do
    -- when nothing else decides, the notice's own prose says why (Google
    -- Groups), unless it also holds other recipients' words
    if #recs == 1 then recs[i].notice = notice end
    out[#out + 1] = entry.finish(recs[i], ctx)
  end
  return explain_from_returned(out, c, level)
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

-- Text pasted from a bounce or a support form, without a header block:
-- read as a notification text; an SMTP reply alone makes one entry.
-- Pasted text is text: control bytes (other than tab, CR, LF, form feed
-- and ESC, which ISO-2022-JP uses) in more than 1 % of its first 64 KB
-- mean binary data, not an error message.
local function looks_binary(s)
  local head = sub(s, 1, 65536)
  local _, n = string.gsub(head, "[%z\1-\8\11\14-\26\28-\31\127]", "")
  return n * 100 > #head
end

local function parse_pasted(s)
  if looks_binary(s) then return nil, err("not_mail", "input is not a mail message (no header block)") end
  local mta, recs = read_notice(s, {}, false, {}, true)
  local out = {}
  local ctx = { mta = mta or "text", mail_system_host = match(s, "This is the mail system at host ([%w%-%.]+[%w])") }
  for i = 1, #recs do
    local r = recs[i]
    if r.global then r.global = nil end
    if r.diagnostic and (text.find_status(r.diagnostic) or r.reply_code or text.reply_code(r.diagnostic)) then
      out[#out + 1] = entry.finish(r, ctx)
    end
  end
  if #out == 0 then return nil, err("not_mail", "input is not a mail message (no header block)") end
  return out
end

local function strip_leading(s)
  local i = 1
  if sub(s, 1, 3) == "\239\187\191" then i = 4 end -- UTF-8 byte order mark
  local _, e = find(s, "^[ \t]*\n+", i)
  while e do
    i = e + 1
    _, e = find(s, "^[ \t]*\n+", i)
  end
  if i == 1 then return s end
  return sub(s, i)
end

-- The first header field of a message (a pasted "<rcpt>: host ..." is not).
local HEADER_START = "^[%a][%w%-_%.]*:"

local function parse_all(raw)
  if raw == "" then return nil, err("empty", "empty input") end
  local s = strip_leading(mime.normalize(raw))
  if s == "" then return nil, err("empty", "empty input") end
  local msgs = split_mbox(s)
  if not msgs[1] or not match(msgs[1], HEADER_START) then return parse_pasted(s) end
  local out = {}
  for i = 1, #msgs do
    if match(msgs[i], HEADER_START) then
      local list = parse_message(mime.parse(msgs[i]), 0)
      for k = 1, #list do out[#out + 1] = list[k] end
    end
  end
  return out
end

--- Parse a bounce message.
-- Accepts the raw message (LF, CRLF or CR line endings, with or without a
-- UTF-8 byte order mark; an mbox with several messages is read message by
-- message), or just the text of the error as pasted from it (a receiver's
-- SMTP reply such as Gmail's `550-5.7.26` paragraph): that gives one entry
-- per reply found, with no recipient unless the text names one.
-- @tparam string raw the message as received
-- @treturn ?table list of entries, one per recipient reported (empty when
--   the message is mail but not a bounce); each entry has `recipient`,
--   `original_recipient`, `action`, `status`, `reply_code`, `remote_mta`,
--   `remote_ip`, `command`, `diagnostic`, `reason`, `reason_from`, `auth`
--   `{domain, ip, spf, dkim, dmarc, kind}`, `receiver` (`"gmail"`,
--   `"microsoft"`, `"yahoo"`, ...: see `spfkit.bounce.receiver`), `mta`,
--   `reporting_mta`, `mail_system_host`, `sender`, `received` (list of
--   `{host=, ip=, by=, original=}`) and `original` (fields are nil when
--   unknown)
-- @treturn ?table error (`spfkit.errors`) when `raw` is neither mail nor
--   a pasted error: code `"empty"` or `"not_mail"` (or `"internal"` should
--   the parser meet a bug; it never raises)
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
