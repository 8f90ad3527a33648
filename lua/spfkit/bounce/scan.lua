--- Readers for the human-readable part of bounces, one per MTA family.
-- Each reader takes the notification text as an array of lines and returns
-- a list of records `{recipient=, diagnostic=, remote_mta=, remote_ip=,
-- command=, action=, texts=, reason_hint=}` (diagnostic is raw, cleaned
-- later), or an empty list when the text is not in its format.
-- @module spfkit.bounce.scan
local text = require "spfkit.bounce.text"

local M = {}

local find, sub, gsub, lower, match, upper = string.find, string.sub, string.gsub, string.lower,
  string.match, string.upper
local concat = table.concat
local fold, trim = text.fold, text.trim

local MAXBLOCK = 64   -- lines per recipient block

local ADDR = "([^%s<>()\"',;:]+@[%w%-%.%[%]:_]+)"

--- Name an SMTP command from a phrase ("end of DATA", "RCPT TO", ...).
-- @tparam ?string s
-- @treturn ?string RCPT, MAIL, DATA, EHLO, HELO, CONN, STARTTLS, AUTH
function M.command(s)
  if not s then return nil end
  local l = lower(s)
  if find(l, "rcpt", 1, true) then return "RCPT" end
  if find(l, "mail from", 1, true) or find(l, "^mail") then return "MAIL" end
  if find(l, "data", 1, true) then return "DATA" end
  if find(l, "ehlo", 1, true) then return "EHLO" end
  if find(l, "helo", 1, true) then return "HELO" end
  if find(l, "starttls", 1, true) then return "STARTTLS" end
  if find(l, "auth", 1, true) then return "AUTH" end
  if find(l, "connect", 1, true) or find(l, "greeting", 1, true) or find(l, "initial", 1, true)
     or find(l, "banner", 1, true) then
    return "CONN"
  end
  return nil
end

local function block_lines(lines, i, pred)
  local buf = {}
  local n = #lines
  while i <= n and #buf < MAXBLOCK and pred(lines[i]) do
    buf[#buf + 1] = lines[i]
    i = i + 1
  end
  return buf, i
end

local function indented(l) return l ~= "" and find(l, "^%s") ~= nil end
local function nonblank(l) return find(l, "%S") ~= nil end

-- Postfix ---------------------------------------------------------------

--- Postfix: `<rcpt>: host H[IP] said: TEXT (in reply to X command)`.
function M.postfix(lines)
  local recs = {}
  local i, n = 1, #lines
  while i <= n do
    local addr, rest = match(lines[i], "^<([^>%s]+)>%s*(.*)$")
    if addr and (sub(rest, 1, 1) == ":" or find(rest, "^%(expanded from")) then
      local buf
      -- continuation lines are indented by Postfix, but not once pasted
      buf, i = block_lines(lines, i + 1, function(x) return nonblank(x) and not find(x, "^<[^>%s]+>") end)
      local block = fold(rest .. " " .. concat(buf, " "))
      local expanded = match(block, "^%(expanded from <?([^>)%s]+)>?%)")
      block = gsub(block, "^%(expanded from [^)]*%)%s*", "")
      block = gsub(block, "^:%s*", "")
      local r = { recipient = lower(addr), original_recipient = expanded and lower(expanded) }
      local h, ip, said = match(block, "^host (%S-)%[([^%]]*)%] said:%s*(.*)$")
      if h then
        local txt, cmd = match(said, "^(.*)%(in reply to (.-) command%)")
        r.diagnostic = txt and trim(txt) or said
        r.command = M.command(cmd)
      else
        for _, p in ipairs({ "^connect to (%S-)%[([^%]]*)%]", "^delivery via (%S-)%[([^%]]*)%]",
                             "^host (%S-)%[([^%]]*)%]", "^lost connection with (%S-)%[([^%]]*)%]",
                             "^conversation with (%S-)%[([^%]]*)%]" }) do
          h, ip = match(block, p)
          if h then break end
        end
        local txt = h and match(block, "^[^%]]*%]:?%d*:%s*(.*)$") or block
        local t2, cmd = match(txt, "^(.*)%(in reply to (.-) command%)")
        if t2 then txt, r.command = trim(t2), M.command(cmd) end
        if h and find(block, "^host ") then
          local t3 = match(block, "^host %S+ refused to talk to me:%s*(.*)$")
          if t3 then txt, r.command = t3, "CONN" end
        end
        if h and find(block, "^connect to ") then r.command = "CONN" end
        r.diagnostic = txt
      end
      r.remote_mta, r.remote_ip = h and lower(h) or nil, text.ip(ip)
      recs[#recs + 1] = r
    else
      i = i + 1
    end
  end
  return recs
end

-- Exim ------------------------------------------------------------------

local EXIM_AFTER = {
  { "after%s+RCPT%s+TO:%s*<[^>]*>%s*:", "RCPT" },
  { "after%s+RCPT%s+TO:[^:]*:", "RCPT" },
  { "after%s+MAIL%s+FROM:%s*<[^>]*>[^:]*:", "MAIL" },
  { "after%s+pipelined%s+end%s+of%s+data%s*:", "DATA" },
  { "after%s+end%s+of%s+data%s*:", "DATA" },
  { "after%s+pipelined%s+DATA%s*:", "DATA" },
  { "after%s+DATA%s*:", "DATA" },
  { "after%s+sending%s+data%s+block%s*:", "DATA" },
  { "after%s+initial%s+connection%s*:", "CONN" },
  { "after%s+EHLO[^:]*:", "EHLO" },
  { "after%s+HELO[^:]*:", "HELO" },
  { "after%s+STARTTLS%s*:", "STARTTLS" },
  { "after%s+AUTH[^:]*:", "AUTH" },
  { "after%s+[^:]+:", false },
}

local function exim_block(block)
  local r = {}
  local h, ip = match(block, "host%s+(%S+)%s+%[([%x:%.]+)%]")
  r.remote_mta, r.remote_ip = h and lower(h) or nil, text.ip(ip)
  local s = find(block, "SMTP error from remote m", 1, true) or find(block, "LMTP error", 1, true)
  local diag
  if s then
    local tail = sub(block, s)
    for _, p in ipairs(EXIM_AFTER) do
      local _, e = find(tail, p[1])
      if e then
        diag = sub(tail, e + 1)
        r.command = p[2] or M.command(match(tail, "after%s+([^:]+):"))
        break
      end
    end
    diag = diag or tail
  else
    diag = gsub(block, "^%s*Delay reason:%s*", "")
    r.texts = nil
  end
  diag = gsub(diag, "^%s*host%s+%S+%s+%[[%x:%.]+%]:?%s*", "")
  diag = gsub(diag, "%(generated from [^)]*%)%s*", "")
  if not s and h then diag = gsub(diag, "^%s*host%s+%S+%s+%[[%x:%.]+%]%s*", "") end
  r.diagnostic = trim(diag)
  return r
end

--- Exim: `The following address(es) failed:` then indented blocks.
function M.exim(lines)
  local recs, sender = {}, nil
  local i, n = 1, #lines
  local action
  while i <= n do
    local l = lines[i]
    local ll = lower(l)
    if find(ll, "^a message sent by") then
      local j = i + 1
      while j <= n and j < i + 4 and not nonblank(lines[j]) do j = j + 1 end
      sender = j <= n and text.address(lines[j]) or nil
    end
    if sub(ll, -1) == ":" and (find(ll, "address(es) failed", 1, true) or find(ll, "not yet been delivered", 1, true)
        or find(ll, "address(es) deferred", 1, true) or find(ll, "could not be delivered to", 1, true)) then
      local later = find(ll, "not yet", 1, true) or find(ll, "deferred", 1, true)
      action = (find(ll, "failed", 1, true) or not later) and "failed" or "delayed"
      i = i + 1
      break
    end
    i = i + 1
  end
  if not action then return recs, sender end
  local cur
  while i <= n do
    local l = lines[i]
    if find(l, "^%-%-%-%-") then break end
    local ind = #match(l, "^(%s*)")
    local a = ind >= 1 and ind <= 3 and match(l, "^%s+<?" .. ADDR .. ">?:?%s*$")
    if a then
      cur = { recipient = lower(a), action = action, buf = {} }
      recs[#recs + 1] = cur
    elseif cur and nonblank(l) and ind >= 1 then
      if #cur.buf < MAXBLOCK then cur.buf[#cur.buf + 1] = l end
    elseif nonblank(l) and ind == 0 then
      if #recs > 0 then break end
    end
    i = i + 1
  end
  for k = 1, #recs do
    local r = recs[k]
    local b = exim_block(fold(concat(r.buf, " ")))
    for key, v in pairs(b) do r[key] = v end
    r.buf = nil
  end
  return recs, sender
end

-- Sendmail --------------------------------------------------------------

--- Sendmail: fatal-error list plus the SMTP transcript.
function M.sendmail(lines)
  local recs, byaddr = {}, {}
  local sessions, localmsgs = {}, {}
  local section, action, cur_rec, cur_sess, cur_item
  for i = 1, #lines do
    local l = lines[i]
    local hdr = match(l, "^%s*%-%-%-%-%-%s*(.-)%s*%-%-%-%-%-%s*$")
    if hdr then
      hdr = lower(hdr)
      if find(hdr, "permanent fatal", 1, true) then section, action = "rcpt", "failed"
      elseif find(hdr, "transient", 1, true) or find(hdr, "non-fatal", 1, true) then section, action = "rcpt", "delayed"
      elseif find(hdr, "transcript of session", 1, true) then section = "transcript"
      else section = nil end
    elseif section == "rcpt" then
      local a = match(l, "^<?" .. ADDR .. ">?%s*$") or match(l, "^<?" .. ADDR .. ">?%s+%(")
      if a then
        cur_rec = { recipient = lower(a), action = action }
        recs[#recs + 1] = cur_rec
        byaddr[cur_rec.recipient] = cur_rec
      elseif cur_rec then
        local why = match(l, "^%s+%(reason:%s*(.*)%)%s*$")
        if why then cur_rec.reason_text = why end
      end
    elseif section == "transcript" then
      local host = match(l, "^%.%.%.%s+while talking to%s+(.-):?%s*$")
      if host then
        cur_sess = { host = host, items = {} }
        sessions[#sessions + 1] = cur_sess
        cur_item = nil
      elseif sub(l, 1, 4) == ">>> " then
        if not cur_sess then cur_sess = { items = {} }; sessions[#sessions + 1] = cur_sess end
        cur_item = { cmd = sub(l, 5), resp = {} }
        cur_sess.items[#cur_sess.items + 1] = cur_item
      elseif sub(l, 1, 4) == "<<< " then
        if not cur_sess then cur_sess = { items = {} }; sessions[#sessions + 1] = cur_sess end
        if not cur_item or cur_item.closed then
          cur_item = { resp = {} }
          cur_sess.items[#cur_sess.items + 1] = cur_item
        end
        if #cur_item.resp < MAXBLOCK then cur_item.resp[#cur_item.resp + 1] = sub(l, 5) end
      else
        if cur_item then cur_item.closed = true end
        if nonblank(l) and #localmsgs < MAXBLOCK then localmsgs[#localmsgs + 1] = l end
      end
    end
  end
  for s = 1, #sessions do
    local sess = sessions[s]
    local host, ip
    if sess.host then
      host = match(sess.host, "^(%S+)")
      host = host and lower(gsub(host, "%.$", ""))
      ip = match(sess.host, "%[([%x:%.]+)%]")
    end
    for k = 1, #sess.items do
      local it = sess.items[k]
      local code = #it.resp > 0 and text.reply_code(it.resp[1])
      if code and code >= 400 then
        local diag = concat(it.resp, "\n")
        local cmdline = it.cmd or ""
        local targets = {}
        local a = match(cmdline, "^[Rr][Cc][Pp][Tt]%s+[Tt][Oo]:%s*<?([^>%s]+)")
        if a then
          targets[1] = byaddr[lower(a)]
          if not targets[1] and #recs == 0 then
            targets[1] = { recipient = lower(a), action = code >= 500 and "failed" or "delayed" }
            recs[1] = targets[1]
            byaddr[targets[1].recipient] = targets[1]
          end
        else
          for q = 1, #recs do targets[#targets + 1] = recs[q] end
        end
        for q = 1, #targets do
          local r = targets[q]
          if r and not r.diagnostic then
            r.diagnostic = diag
            r.command = M.command(match(cmdline, "^(%S+%s*%S*)"))
            if it.cmd == nil then r.command = "CONN" end
            r.remote_mta, r.remote_ip = host, text.ip(ip)
          end
        end
      end
    end
  end
  for q = 1, #recs do
    local r = recs[q]
    if not r.diagnostic then
      for k = 1, #localmsgs do
        if find(lower(localmsgs[k]), r.recipient, 1, true) and text.reply_code(localmsgs[k]) then
          r.diagnostic = localmsgs[k]
          break
        end
      end
    end
    if not r.diagnostic then r.diagnostic = r.reason_text end
    r.reason_text = nil
  end
  return recs
end

-- qmail -----------------------------------------------------------------

--- qmail: `<rcpt>:` blocks after "This is the qmail-send program".
function M.qmail(lines)
  local recs = {}
  local i, n = 1, #lines
  while i <= n do
    local l = lines[i]
    if find(l, "^%-%-%- ") then break end
    local a = match(l, "^<([^>%s]+)>:%s*$")
    if a then
      local buf
      buf, i = block_lines(lines, i + 1, nonblank)
      local r = { recipient = lower(a), action = "failed" }
      local diag, other = {}, {}
      local said = false
      for k = 1, #buf do
        local b = buf[k]
        local ip
        ip = match(b, "^([%x:%.]+) does not like recipient%.")
        if ip then r.remote_ip, r.command = ip, "RCPT" end
        ip = match(b, "^([%x:%.]+) does not like sender%.")
        if ip then r.remote_ip, r.command = ip, "MAIL" end
        ip = match(b, "^([%x:%.]+) failed after I sent the message%.")
        if ip then r.remote_ip, r.command = ip, "DATA" end
        local cip, what = match(b, "^Connected to ([%x:%.]+) but (.-)%.")
        if cip then
          r.remote_ip = cip
          r.command = find(what, "sender", 1, true) and "MAIL" or find(what, "greeting", 1, true) and "CONN"
            or find(what, "name", 1, true) and "HELO" or nil
        end
        local rs = match(b, "^Remote host said:%s*(.*)$")
        if rs then said = true; diag[#diag + 1] = rs
        elseif find(b, "^Giving up on ") or find(b, "^I'm not going to try again") then
          said = false
        elseif said then diag[#diag + 1] = b
        elseif not (ip or cip) then other[#other + 1] = b end
      end
      r.diagnostic = #diag > 0 and concat(diag, "\n") or concat(other, "\n")
      r.remote_ip = text.ip(r.remote_ip)
      recs[#recs + 1] = r
    else
      i = i + 1
    end
  end
  return recs
end

-- Courier, EZweb and other ">>> / <<<" transcripts ----------------------

--- `<rcpt>:` or `Recipient: <rcpt>` followed by `>>> CMD` / `<<< reply`.
function M.transcript(lines)
  local recs = {}
  local i, n = 1, #lines
  while i <= n do
    local l = lines[i]
    local a = match(l, "^<([^>%s]+)>:%s*$") or match(l, "^%s*Recipient:%s*<([^>%s]+)>")
    if a then
      local buf
      buf, i = block_lines(lines, i + 1, function(x) return nonblank(x) and not find(x, "^%-%-%-") end)
      local r = { recipient = lower(a) }
      local resp, other = {}, {}
      for k = 1, #buf do
        local b = trim(buf[k])
        local h, ip = match(b, "^(%S+)%s+%[([%x:%.]+)%]:?$")
        if h then r.remote_mta, r.remote_ip = lower(h), text.ip(ip)
        elseif sub(b, 1, 4) == ">>> " then r.command = M.command(sub(b, 5)); resp = {}
        elseif sub(b, 1, 4) == "<<< " then resp[#resp + 1] = sub(b, 5)
        else other[#other + 1] = b end
      end
      r.diagnostic = #resp > 0 and concat(resp, "\n") or concat(other, "\n")
      if #resp > 0 or #other > 0 then recs[#recs + 1] = r end
    else
      i = i + 1
    end
  end
  return recs
end

-- DragonFly Mail Agent ----------------------------------------------------

--- DragonFly: `There was an error delivering your mail to <rcpt>.`
function M.dragonfly(lines)
  local recs = {}
  local n = #lines
  for i = 1, n do
    local a = match(lines[i], "error delivering your mail to <([^>%s]+)>")
    if a then
      local r = { recipient = lower(a), action = "failed" }
      local j = i + 1
      while j <= n and not nonblank(lines[j]) do j = j + 1 end
      local h, ip, what = match(lines[j] or "", "^(%S+)%s+%[([%x:%.]+)%]%s+did not like our%s+(.-):%s*$")
      local buf
      if h then
        r.remote_mta, r.remote_ip, r.command = lower(h), text.ip(ip), M.command(what)
        buf = block_lines(lines, j + 1, nonblank)
      else
        buf = block_lines(lines, j, nonblank)
      end
      r.diagnostic = concat(buf, "\n")
      recs[#recs + 1] = r
    end
  end
  return recs
end

-- OpenSMTPD -------------------------------------------------------------

--- OpenSMTPD: `rcpt: reply` lines after "the following list of recipients".
function M.opensmtpd(lines)
  local recs = {}
  local on = false
  for i = 1, #lines do
    local l = lines[i]
    if find(l, "following list of recipients", 1, true) then on = true
    elseif on then
      if find(l, "Below is a copy", 1, true) then break end
      local a, t = match(l, "^%s*" .. ADDR .. ":%s+(.+)$")
      if a then
        local r = { recipient = lower(a), diagnostic = t }
        local inner = match(t, "^%d%d%d[%s%-][%d%.]*%s*<[^>]+>:%s*(.*)$")
        if inner then r.texts = { inner } end
        recs[#recs + 1] = r
      end
    end
  end
  return recs
end

-- Gmail -------------------------------------------------------------------

--- Gmail, old text format and the newer HTML-era wording.
function M.gmail(lines)
  local recs = {}
  local n = #lines
  local action
  local i = 1
  local addrs = {}
  while i <= n do
    local l = lower(lines[i])
    if find(l, "^delivery to the following recipients?") or find(l, "^delivery to these recipients") then
      action = (find(l, "delayed", 1, true) or find(l, "temporar", 1, true)) and "delayed" or "failed"
      i = i + 1
      while i <= n and (not nonblank(lines[i]) or indented(lines[i])) do
        local a = match(lines[i], "^%s+" .. ADDR .. "%s*$")
        if a then addrs[#addrs + 1] = lower(a) end
        if #addrs > 0 and not nonblank(lines[i]) then break end
        i = i + 1
      end
    else
      local a = match(lines[i], "wasn't delivered to " .. ADDR) or match(lines[i], "couldn't be delivered to " .. ADDR)
        or match(lines[i], "problem delivering your message to " .. ADDR)
      if a and #addrs == 0 then
        addrs[1] = lower(gsub(a, "%.$", ""))
        action = find(l, "temporary", 1, true) and "delayed" or "failed"
      end
      i = i + 1
    end
  end
  if #addrs == 0 then return recs end
  -- technical details / remote response
  local diag, tech
  for k = 1, n do
    local l = lines[k]
    if find(l, "^Technical details of") then
      local buf = block_lines(lines, k + 1, function(x) return not find(x, "^%-%-%-%-%-") end)
      tech = fold(concat(buf, " "))
      diag = match(tech, "[Tt]he error that the other server returned was:%s*(.*)$") or tech
      break
    elseif find(l, "^The response from the remote server was:") or find(l, "^The response was:") then
      local buf = block_lines(lines, k + 1, nonblank)
      diag = concat(buf, "\n")
      break
    end
  end
  local h, ip = nil, nil
  if tech then h, ip = match(tech, " by ([%w%-%.]+)%.? %[([%x:%.]+)%]") end
  for k = 1, #addrs do
    recs[#recs + 1] = { recipient = addrs[k], action = action, diagnostic = diag,
                        remote_mta = h and lower(h) or nil, remote_ip = text.ip(ip) }
  end
  return recs
end

-- Microsoft Exchange / Office 365 ------------------------------------------

--- Exchange 2007+ and Office 365: "Diagnostic information for administrators".
function M.exchange(lines)
  local recs = {}
  local n = #lines
  local start
  for i = 1, n do
    if find(lines[i], "^Diagnostic information for administrators") then start = i + 1; break end
  end
  if start then
    local i = start
    while i <= n do
      local l = trim(lines[i])
      if find(l, "^Original message headers") then break end
      local a = match(l, "^<?" .. ADDR .. ">?$")
      if a then
        local r = { recipient = lower(a) }
        local j = i + 1
        local parts = {}
        while j <= n and j < i + MAXBLOCK do
          local b = trim(lines[j])
          if b == "" and #parts > 0 then break end
          if match(b, "^<?" .. ADDR .. ">?$") then break end
          if b ~= "" then parts[#parts + 1] = b end
          j = j + 1
        end
        local joined = concat(parts, " ")
        local rs = match(joined, "Remote Server returned '(.*)'") or match(joined, "Remote Server returned '(.*)$")
        local hash = match(joined, "#(%d%d%d[^#]*)##") or match(joined, "#(%d%d%d.*)$")
        r.diagnostic = rs or hash or joined
        local h = parts[1] and match(parts[1], "^([%w%-]+%.[%w%-%.]+)$")
        if h and (rs or hash) then r.remote_mta = lower(h) end
        recs[#recs + 1] = r
        i = j
      else
        i = i + 1
      end
    end
  end
  if #recs == 0 then
    for i = 1, n do
      local a = match(lines[i], "^Your message to " .. ADDR .. " couldn't be delivered")
      if a then recs[#recs + 1] = { recipient = lower(a) } end
      local code = match(lines[i], "^Status code:%s*(.+)$")
      if code and recs[1] then recs[1].diagnostic = code end
    end
  end
  return recs
end

local EX2003 = { ["000C05A6"] = "userunknown", ["00010256"] = "userunknown", ["000D06B5"] = "mailboxfull" }

--- Exchange 2003: "did not reach the following recipient(s):".
function M.exchange2003(lines)
  local recs = {}
  local n = #lines
  local on = false
  local i = 1
  while i <= n do
    local l = lines[i]
    if find(l, "did not reach the following recipient", 1, true) then on = true; i = i + 1
    elseif on then
      local a = match(l, "^%s*" .. ADDR .. " on ")
      if a then
        local buf
        buf, i = block_lines(lines, i + 1, indented)
        local diag = fold(concat(buf, " "))
        local r = { recipient = lower(a), action = "failed", diagnostic = diag }
        local code = match(diag, "%((%x%x%x%x%x%x%x%x)%)")
        r.reason_hint = code and EX2003[upper(code)]
        recs[#recs + 1] = r
      else
        i = i + 1
      end
    else
      i = i + 1
    end
  end
  return recs
end

-- Japanese carriers ---------------------------------------------------------

--- KDDI / au one net: "Could not be delivered to: <rcpt>".
function M.kddi(lines)
  local recs = {}
  for i = 1, #lines do
    local a = match(lines[i], "Could not be delivered to:%s*<([^>%s]+)>")
    if a then
      local buf = block_lines(lines, i + 1, nonblank)
      recs[#recs + 1] = { recipient = lower(a), action = "failed", diagnostic = fold(concat(buf, " ")) }
    end
  end
  return recs
end

-- Generic ------------------------------------------------------------------

--- Dovecot LDA / Sieve: "Your message to <x> was automatically rejected:".
-- Returns records without a recipient: their text applies to every
-- recipient of the report.
function M.rejected(lines)
  local recs = {}
  for i = 1, #lines do
    local who = match(lines[i], "^Your message to <([^>]*)> was automatically rejected:")
    if who then
      local buf = block_lines(lines, i + 1, nonblank)
      local t = fold(concat(buf, " "))
      recs[#recs + 1] = { global = true, rcpt_hint = lower(who), diagnostic = t, texts = { t } }
    end
  end
  return recs
end

--- Last resort: SMTP replies anywhere in the text.
-- @treturn ?string the first SMTP error reply found (with its continuation lines)
function M.any_reply(lines)
  for i = 1, #lines do
    local l = trim(lines[i])
    local code = text.reply_code(l)
    if code and code >= 400 then
      local buf = { l }
      local j = i + 1
      while j <= #lines and #buf < MAXBLOCK do
        local x = trim(lines[j])
        if x == "" then break end
        if not (text.reply_code(x) or indented(lines[j])) then break end
        buf[#buf + 1] = x
        j = j + 1
      end
      return concat(buf, "\n")
    end
  end
  return nil
end

--- MTA signatures: `{name, test(text, headers_map), reader}` in order.
M.SIGNATURES = {
  { "qmail", function(t) return find(t, "This is the qmail-send program", 1, true) end, "qmail" },
  { "postfix", function(t) return find(t, "This is the mail system at host", 1, true)
      or find(t, "This is the Postfix program", 1, true) end, "postfix" },
  { "exim", function(t, h) return find(t, "created automatically by mail delivery software", 1, true)
      or (h["x-failed-recipients"] and find(t, "address(es) failed", 1, true)) end, "exim" },
  { "sendmail", function(t) return find(t, "----- Transcript of session follows -----", 1, true)
      or find(t, "----- The following addresses had", 1, true) end, "sendmail" },
  { "courier", function(t) return find(t, "Courier mail server", 1, true) end, "transcript" },
  { "dragonfly", function(t) return find(t, "DragonFly Mail Agent", 1, true) end, "dragonfly" },
  { "opensmtpd", function(t) return find(t, "This is the MAILER-DAEMON, please DO NOT REPLY", 1, true) end,
    "opensmtpd" },
  { "gmail", function(t, h) return find(lower(h.from or ""), "mailer-daemon@google", 1, true)
      or find(t, "Google tried to deliver your message", 1, true) end, "gmail" },
  { "office365", function(t, h) local x = h["x-ms-exchange-message-is-ndr"] ~= nil
      local l = lower((h["message-id"] or "") .. " " .. (h["x-originatororg"] or ""))
      return x and (find(l, "outlook.com", 1, true) or find(l, "exchangelabs.com", 1, true)
        or find(l, "onmicrosoft.com", 1, true) or find(t, "Office 365", 1, true)) end, "exchange" },
  { "exchange", function(t, h) return h["x-ms-embedded-report"]
      or find(t, "did not reach the following recipient", 1, true) end, "exchange2003" },
  { "exchange", function(t, h) return h["x-ms-exchange-message-is-ndr"] ~= nil
      or find(t, "Diagnostic information for administrators", 1, true) end, "exchange" },
  { "ezweb", function(_, h) return find(lower(h.from or ""), "ezweb.ne.jp", 1, true) end, "transcript" },
  { "kddi", function(t, h) local f = lower(h.from or "")
      return find(f, "dion.ne.jp", 1, true) or find(f, "auone-net.jp", 1, true)
        or find(t, "Could not be delivered to:", 1, true) end, "kddi" },
  { "dovecot", function(t) return find(t, "was automatically rejected:", 1, true) end, "rejected" },
}

--- Readers tried, in order, when the signature's own reader finds nothing.
M.FALLBACK = { "postfix", "exim", "sendmail", "qmail", "transcript", "dragonfly", "opensmtpd", "gmail",
  "exchange", "exchange2003", "kddi", "rejected" }

--- Identify the MTA that wrote a notification.
-- @tparam string t notification text
-- @tparam table h bounce headers map
-- @treturn ?string mta name
-- @treturn ?string reader name
function M.identify(t, h)
  for i = 1, #M.SIGNATURES do
    local s = M.SIGNATURES[i]
    if s[2](t, h) then return s[1], s[3] end
  end
  return nil
end

return M
