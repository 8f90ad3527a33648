--- Readers for the classic Unix MTAs: Postfix, Exim, Sendmail, qmail.
-- Each takes the notification lines and returns records `{recipient=,
-- diagnostic=, remote_mta=, remote_ip=, command=, action=, texts=,
-- reason_hint=}` (diagnostic raw, cleaned later), empty when not its format.
-- @module spfkit.bounce.readers.unix
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, sub, gsub, lower, match = string.find, string.sub, string.gsub, string.lower, string.match
local concat = table.concat
local fold, trim = text.fold, text.trim
local MAXBLOCK, ADDR = util.MAXBLOCK, util.ADDR
local block_lines, nonblank = util.block_lines, util.nonblank

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
      -- (a line of spaces inside the reply is kept: an MTA stripped its "550-" there)
      buf, i = block_lines(lines, i + 1, function(x)
        return (nonblank(x) and not find(x, "^<[^>%s]+>")) or find(x, "^[ \t]+$") ~= nil
      end)
      local block = fold(rest .. " " .. concat(buf, " "))
      local expanded = match(block, "^%(expanded from <?([^>)%s]+)>?%)")
      block = gsub(block, "^%(expanded from [^)]*%)%s*", "")
      block = gsub(block, "^:%s*", "")
      local r = { recipient = lower(addr), original_recipient = expanded and lower(expanded) }
      local h, ip, said = match(block, "^host (%S-)%[([^%]]*)%] said:%s*(.*)$")
      if h then
        local txt, cmd = match(said, "^(.*)%(in reply to (.-) command%)")
        r.diagnostic = txt and trim(txt) or said
        r.command = util.command(cmd)
      else
        for _, p in ipairs({ "^connect to (%S-)%[([^%]]*)%]", "^delivery via (%S-)%[([^%]]*)%]",
                             "^host (%S-)%[([^%]]*)%]", "^lost connection with (%S-)%[([^%]]*)%]",
                             "^conversation with (%S-)%[([^%]]*)%]" }) do
          h, ip = match(block, p)
          if h then break end
        end
        local txt = h and match(block, "^[^%]]*%]:?%d*:%s*(.*)$") or block
        local t2, cmd = match(txt, "^(.*)%(in reply to (.-) command%)")
        if t2 then txt, r.command = trim(t2), util.command(cmd) end
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
  { "after%s+RCPT%s+command%s*:", "RCPT" },
  { "after%s+DATA%s+command%s*:", "DATA" },
  { "after%s+MAIL%s+command%s*:", "MAIL" },
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
  -- "remote mail server" (Exim), "remote mailer", "remote server" (GMX)
  local s = find(block, "SMTP error from remote ", 1, true) or find(block, "LMTP error", 1, true)
  local diag
  if s then
    local tail = sub(block, s)
    for _, p in ipairs(EXIM_AFTER) do
      local _, e = find(tail, p[1])
      if e then
        diag = sub(tail, e + 1)
        r.command = p[2] or util.command(match(tail, "after%s+([^:]+):"))
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
    -- a pipe or file delivery ("save to /var/mail/x", "pipe to |cmd") names
    -- the address it came from on the next line: "generated by <addr>"
    local gen = not a and ind >= 1 and ind <= 3 and match(lines[i + 1] or "", "^%s+generated by%s+<?" .. ADDR)
    if gen then a, i = gen, i + 1 end
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
-- Sendmail's own per-recipient lines in the transcript ("554
-- <rcpt>... 550 Host unknown"): recipients when no section listed them
-- (V5 sendmail has none). Each takes the last remote reply (`<<<`) and
-- command (`>>>`) of the transcript since the previous such line (`ctx[k]`),
-- else the reply its own line quotes, else the line.
local RCPT_LINE = "^%s*([245]%d%d) <" .. ADDR .. ">%.%.%.%s*(.*)$"

local function local_recipients(localmsgs, ctx, recs, byaddr)
  for k = 1, #localmsgs do
    local code, a, rest = match(localmsgs[k], RCPT_LINE)
    a = a and lower(a)
    if a and not byaddr[a] then
      local r = { recipient = a, action = tonumber(code) >= 500 and "failed" or "delayed" }
      local c = ctx[k] or {}
      r.diagnostic = c.resp or (text.reply_code(rest) and rest) or localmsgs[k]
      if c.resp then r.texts = { rest } end
      r.command = c.cmd and util.command(match(c.cmd, "^(%S+%s*%S*)"))
      recs[#recs + 1] = r
      byaddr[a] = r
    end
  end
end

-- The recipients a session's failure applies to: those at the host the
-- session talked to, else every recipient.
local function session_targets(recs, host)
  local mine, all = {}, {}
  for q = 1, #recs do
    local r = recs[q]
    all[#all + 1] = r
    local domain = match(r.recipient, "@([^@]+)$")
    if host and domain and (host == domain or sub(host, -#domain - 1) == "." .. domain) then mine[#mine + 1] = r end
  end
  return #mine > 0 and mine or all
end

function M.sendmail(lines)
  local recs, byaddr = {}, {}
  local sessions, localmsgs, localctx, pending = {}, {}, {}, {}
  local section, action, cur_rec, cur_sess, cur_item
  for i = 1, #lines do
    local l = lines[i]
    local hdr = match(l, "^%s*%-%-%-%-%-%s*(.-)%s*%-%-%-%-%-%s*$")
    if hdr then
      hdr = lower(hdr)
      if find(hdr, "permanent fatal", 1, true) then section, action = "rcpt", "failed"
      elseif find(hdr, "transient", 1, true) or find(hdr, "non-fatal", 1, true) then section, action = "rcpt", "delayed"
      -- "Transcript of session follows", older releases "of the session"
      elseif find(hdr, "transcript of", 1, true) and find(hdr, "session", 1, true) then section = "transcript"
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
      local host = match(l, "^%.%.%.%s+while talking to%s+(.-):?%s*$") or match(l, "^While talking to%s+(.-):?%s*$")
      if host then
        cur_sess = { host = host, items = {} }
        sessions[#sessions + 1] = cur_sess
        cur_item = nil
      elseif sub(l, 1, 4) == ">>> " then
        if not cur_sess then cur_sess = { items = {} }; sessions[#sessions + 1] = cur_sess end
        pending.cmd = sub(l, 5)
        cur_item = { cmd = sub(l, 5), resp = {} }
        cur_sess.items[#cur_sess.items + 1] = cur_item
      elseif sub(l, 1, 4) == "<<< " then
        if not cur_sess then cur_sess = { items = {} }; sessions[#sessions + 1] = cur_sess end
        if not cur_item or cur_item.closed then
          cur_item = { resp = {} }
          cur_sess.items[#cur_sess.items + 1] = cur_item
        end
        if #cur_item.resp < MAXBLOCK then cur_item.resp[#cur_item.resp + 1] = sub(l, 5) end
        pending.resp = sub(l, 5)
      else
        if cur_item then cur_item.closed = true end
        if nonblank(l) and #localmsgs < MAXBLOCK then
          localmsgs[#localmsgs + 1] = l
          if match(l, RCPT_LINE) then localctx[#localmsgs], pending = pending, {} end
        end
      end
    end
  end
  local_recipients(localmsgs, localctx, recs, byaddr)
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
          targets = session_targets(recs, host)
        end
        for q = 1, #targets do
          local r = targets[q]
          -- the first failure, unless a later host refused for good what
          -- an earlier one only deferred (the next MX gave the final word)
          if r and (not r.diagnostic or (r.deferred and code >= 500 and it.cmd)) then
            r.diagnostic, r.deferred = diag, code < 500 or nil
            r.command = util.command(match(cmdline, "^(%S+%s*%S*)"))
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
    -- else Sendmail's own words for it ("<rcpt>... Deferred: Connection refused by ...")
    for k = 1, #localmsgs do
      if r.diagnostic then break end
      local a, rest = match(localmsgs[k], "^%s*<?" .. ADDR .. ">?%.%.%.%s*(%S.*)$")
      if a and lower(a) == r.recipient then r.diagnostic = rest end
    end
    if not r.diagnostic then r.diagnostic = r.reason_text end
    r.reason_text, r.deferred = nil, nil
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
      local diag, other, giveup = {}, {}, {}
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
          giveup[#giveup + 1] = b
        elseif said then diag[#diag + 1] = b
        elseif not (ip or cip) then other[#other + 1] = b end
      end
      -- qmail's own "giving up" words only when it gives no other reason
      r.diagnostic = #diag > 0 and concat(diag, "\n") or #other > 0 and concat(other, "\n") or concat(giveup, "\n")
      r.remote_ip = text.ip(r.remote_ip)
      recs[#recs + 1] = r
    else
      i = i + 1
    end
  end
  return recs
end

return M
