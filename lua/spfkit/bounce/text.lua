--- Text helpers for bounce parsing: trimming, SMTP reply clean-up,
-- enhanced status codes, addresses. All linear in their input.
-- @module spfkit.bounce.text
local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local byte, find, sub, gsub, lower, match = string.byte, string.find, string.sub, string.gsub,
  string.lower, string.match
local core_ok, core = pcall(require, "spfkit.core")
if not core_ok or type(core) ~= "table" then core = {} end

local function lua_trim(s)
  local i = find(s, "%S")
  if not i then return "" end
  return match(s, "^.*%S", i) or ""
end

local function lua_fold(s)
  return lua_trim((gsub(s, "%s+", " ")))
end

--- Trim surrounding whitespace.
-- @function trim
-- @tparam string s
-- @treturn string
M.trim = core.trim or lua_trim

--- Fold all runs of whitespace (newlines included) into single spaces.
-- @function fold
-- @tparam string s
-- @treturn string
M.fold = core.fold or lua_fold

local function esc(s) return (gsub(s, "%p", "%%%0")) end

--- Is `code` a plausible enhanced status code (RFC 3463)?
-- @tparam string code
-- @treturn boolean
function M.valid_status(code)
  local c, s, d = match(code or "", "^(%d)%.(%d%d?%d?)%.(%d%d?%d?)$")
  if not c then return false end
  return (c == "2" or c == "4" or c == "5") and tonumber(s) <= 7 and tonumber(d) <= 999
end

local function lua_find_status(s, init)
  local pos = init or 1
  while true do
    local i, j, code = find(s, "([245]%.%d%d?%d?%.%d%d?%d?)", pos)
    if not i then return nil end
    local prev = i > 1 and byte(s, i - 1) or 32
    local nxt, nxt2 = byte(s, j + 1), byte(s, j + 2)
    local prev_ok = not (prev == 46 or (prev >= 48 and prev <= 57))
    local next_ok = not nxt or not ((nxt >= 48 and nxt <= 57)
      or (nxt == 46 and nxt2 and nxt2 >= 48 and nxt2 <= 57))
    if prev_ok and next_ok and M.valid_status(code) then return code, i end
    pos = i + 1
  end
end

--- Find the first enhanced status code in free text (not part of an IP
-- address or a version number).
-- @function find_status
-- @tparam string s
-- @tparam[opt] number init start position
-- @treturn ?string code
-- @treturn ?number position
M.find_status = core.find_status or lua_find_status

--- The SMTP reply a text quotes from the refusing server when the text
-- opens with a summary of its own: a status ("5.1.0 - Unknown address
-- error 550-'5.2.2 ... Mailbox Full'", Amazon SES) or the local MTA's reply
-- ("554 4.4.7 Message expired: ... <421 4.4.2 Connection timed out>",
-- Amazon WorkMail). The quoted reply opens after `'`, `"`, `<`, `(` or `[`
-- (or directly after the summary status) and carries a status of its own.
-- @tparam string s
-- @treturn ?string the quoted reply's status
-- @treturn ?number its reply code
function M.quoted_reply(s)
  local code, st
  if find(s, "^%s*[245]%.%d") then
    code, st = match(s, "%f[%d]([245]%d%d)[%s%-]+['\"]?([245]%.%d%d?%d?%.%d%d?%d?)%f[^%d%.]")
  elseif find(s, "^%s*[245]%d%d[%s%-]+[245]%.%d") then
    code, st = match(s, "[<'\"%(%[]%s*([245]%d%d)[%s%-]+([245]%.%d%d?%d?%.%d%d?%d?)%f[^%d%.]")
  end
  if not (st and M.valid_status(st) and sub(st, 1, 1) == sub(code, 1, 1)) then return nil end
  return st, tonumber(code)
end

--- Whether a status code is a generic one (`X.0.0`).
-- @tparam ?string code
-- @treturn boolean
function M.generic_status(code)
  return code == nil or match(code, "^%d%.0%.0$") ~= nil
end

--- Clean an SMTP reply into one line: continuation prefixes such as
-- `550-5.7.26` removed (the first code pair is kept at the front), wrapped
-- lines joined, whitespace folded.
-- @tparam string s reply text, possibly several lines
-- @treturn string
function M.clean_reply(s)
  s = M.fold(s)
  s = gsub(s, "^#", "")
  local code, st, rest = match(s, "^([245]%d%d)[%- ](%d%.%d%d?%d?%.%d%d?%d?)%s+(.*)$")
  if code then
    -- drop repeated "550-5.7.26" / "550 5.7.26" prefixes and "550 550"
    -- stutter, also a "550-5.7.26" glued to the previous line's last word
    -- (all of them contain the code: most replies never repeat it)
    if find(rest, code, 1, true) then
      rest = gsub(rest, code .. "%-" .. esc(st), " ")
      rest = gsub(rest, "([^%s%d])" .. code .. " " .. esc(st) .. "%f[^%w.]", "%1 ")
      rest = gsub(rest, "%f[%w]" .. code .. "[%- ]" .. esc(st) .. "%f[^%w.]", "")
      rest = gsub(rest, "^" .. code .. "%s+", "")
    end
    return M.fold(code .. " " .. st .. " " .. rest)
  end
  code, rest = match(s, "^([245]%d%d)[%- ]%s*(.*)$")
  if code then
    if find(rest, code, 1, true) then
      rest = gsub(rest, "([^%s%d])" .. code .. "%-", "%1 ")
      rest = gsub(rest, "%f[%w]" .. code .. "%-", "")
      rest = gsub(rest, "^" .. code .. "%s+", "")
    end
    return M.fold(code .. " " .. rest)
  end
  return s
end

--- The SMTP reply code at the start of a reply.
-- @tparam ?string s
-- @treturn ?number
function M.reply_code(s)
  if not s then return nil end
  local c = match(s, "^%s*#?([245]%d%d)[%s%-]") or match(s, "^%s*#?([245]%d%d)$") or match(s, "^%s*([245]%d%d):%s")
  return c and tonumber(c) or nil
end

local function lua_address(v)
  v = gsub(v, "^%s*[%w%-]+%s*;%s*", "", 1)   -- address type ("rfc822;")
  -- (both need an "@": a plain search first)
  local a = find(v, "@", 1, true)
    and (match(v, "<%s*([^<>%s]+@[^<>%s]+)%s*>") or match(v, "([^<>%s\"'(),;:]+@[%w%-%.%[%]:]+)"))
  if not a then
    a = match(v, "<([^<>%s]+)>") or match(v, "^%s*([^<>%s]+)%s*$")
  end
  if not a then return nil end
  -- (each rewrite is tried only when its first or last byte is there)
  if sub(a, 1, 7) == "mailto:" then a = sub(a, 8) end
  local c = byte(a, 1)
  if c == 64 then a = gsub(a, "^@[^:@]+:", "") end          -- source route "@relay:user@domain"
  if c == 34 then a = gsub(a, '^"([^"@]*)"@', "%1@") end    -- quoted local part
  if byte(a, -1) == 46 then a = sub(a, 1, find(a, "%.+$") - 1) end
  if a == "" then return nil end
  return lower(a)
end

local core_address = core.address

--- Extract an e-mail address from a field value (`rfc822; <a@b>`, `Name <a@b>`).
-- @tparam ?string v
-- @treturn ?string lower-case address
function M.address(v)
  if not v then return nil end
  if core_address then return core_address(v) end
  return lua_address(v)
end

--- Lines of a text as an array (capped).
-- @tparam string s
-- @tparam[opt] number max
-- @treturn table
function M.lines(s, max)
  max = max or 20000
  if core.lines then return core.lines(s, max) end
  local t, n, pos = {}, 0, 1
  local len = #s
  while pos <= len and n < max do
    local e = find(s, "\n", pos, true)
    n = n + 1
    if e then t[n] = sub(s, pos, e - 1); pos = e + 1
    else t[n] = sub(s, pos); pos = len + 1 end
  end
  return t
end

local function lua_ip(s)
  local a, b, c, d = match(s, "^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if a then
    if tonumber(a) > 255 or tonumber(b) > 255 or tonumber(c) > 255 or tonumber(d) > 255 then return nil end
    return s
  end
  s = lower(s)
  if sub(s, 1, 5) == "ipv6:" then s = sub(s, 6) end
  if #s >= 2 and #s <= 45 and match(s, "^[%x:%.]+$") and find(s, ":", 1, true)
     and match(s, "%x") and not find(s, ":::", 1, true) then
    return s
  end
  return nil
end

local function lua_domain(d)
  d = lower(d)
  local c = byte(d, 1)
  if c == 91 or c == 60 or c == 40 then d = gsub(d, "^[%[<%(]+", "") end
  c = byte(d, -1)
  if c == 93 or c == 62 or c == 41 or c == 46 or c == 44 or c == 59 or c == 58 then
    d = gsub(d, "[%]>%)%.,;:]+$", "")
  end
  if not match(d, "^[%w%-_%.]+$") or not find(d, ".", 1, true) then return nil end
  return d
end

-- The HTML entities a bounce notice uses (others are left as they are).
local ENTITIES = { ["#39"] = "'", quot = "\"", lt = "<", gt = ">", nbsp = " ", amp = "&" }

local function lua_html_text(h)
  h = gsub(h, "<[Bb][Rr]%s*/?>", "\n")
  h = gsub(h, "</?[Pp]>", "\n")
  h = gsub(h, "</?[Dd][Ii][Vv][^>]*>", "\n")
  h = gsub(h, "<[^<>]*>", "")
  if not find(h, "&", 1, true) then return h end
  -- one pass (the output is not rescanned, as "&amp;" came last before)
  return (gsub(h, "&(#?%w+);", ENTITIES))
end

--- The text of an HTML notice: `<br>`, `<p>`, `</p>` and `<div>` tags
-- made newlines, other tags removed, common entities decoded (the C core
-- does the same passes; this Lua version is the fallback).
-- @tparam string h HTML
-- @treturn string
M.html_text = core.html_text or lua_html_text

local core_ip, core_domain = core.ip, core.domain

--- A valid IPv4 or IPv6 address, or nil.
-- @tparam ?string s
-- @treturn ?string
function M.ip(s)
  if not s then return nil end
  if core_ip then return core_ip(s) end
  return lua_ip(s)
end

--- Lower-case a domain and strip brackets and the trailing dot.
-- @tparam ?string d
-- @treturn ?string
function M.domain(d)
  if not d then return nil end
  if core_domain then return core_domain(d) end
  return lua_domain(d)
end

--- Escape Lua pattern magic characters.
M.esc = esc

return M
