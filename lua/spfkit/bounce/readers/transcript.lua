--- Readers for `>>> / <<<` transcripts (Courier, EZweb), DragonFly and
-- OpenSMTPD. Same record shape as `spfkit.bounce.readers.unix`.
-- @module spfkit.bounce.readers.transcript
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, sub, lower, match = string.find, string.sub, string.lower, string.match
local concat = table.concat
local trim = text.trim
local ADDR = util.ADDR
local block_lines, nonblank = util.block_lines, util.nonblank

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
        elseif sub(b, 1, 4) == ">>> " then r.command = util.command(sub(b, 5)); resp = {}
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
        r.remote_mta, r.remote_ip, r.command = lower(h), text.ip(ip), util.command(what)
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
    -- ("... for the following\n list of recipients:" is wrapped too)
    if find(l, "list of recipients", 1, true) then on = true
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

return M
