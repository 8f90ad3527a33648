--- Readers for Microsoft Exchange (2003, 2007+) and Office 365. Same record
-- shape as `spfkit.bounce.readers.unix`.
-- @module spfkit.bounce.readers.microsoft
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower, match, upper = string.find, string.lower, string.match, string.upper
local concat = table.concat
local fold, trim = text.fold, text.trim
local MAXBLOCK, ADDR = util.MAXBLOCK, util.ADDR
local block_lines, indented = util.block_lines, util.indented

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

-- Exchange 2003's own diagnostic codes ("MSEXCH:IMS:... (000C05A6) Unknown
-- Recipient"), as listed by Sisimai lib/Sisimai/Lhost/Exchange2003.pm
local EX2003 = {
  ["000C05A6"] = "userunknown",   -- Unknown Recipient
  ["00010256"] = "systemerror",   -- Too many recipients
  ["000D06B5"] = "systemerror",   -- No proxy for recipient
  ["00120270"] = "networkerror",  -- Too Many Hops
  ["00050311"] = "contenterror", ["000502CC"] = "contenterror", -- Conversion to Internet format failed
  ["000B0981"] = "securityerror", -- 502 Server does not support AUTH
  ["000C0595"] = "filtered",      -- Ambiguous Recipient
}

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

return M
