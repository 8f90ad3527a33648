--- Helpers shared by the bounce readers (`spfkit.bounce.readers.*`).
-- @module spfkit.bounce.readers.util
local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower = string.find, string.lower

--- Lines per recipient block.
M.MAXBLOCK = 64

--- Pattern capturing an e-mail address in free text.
M.ADDR = "([^%s<>()\"',;:]+@[%w%-%.%[%]:_]+)"

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

--- Consecutive lines from `i` while `pred(line)` holds (at most MAXBLOCK).
-- @treturn table lines
-- @treturn number index of the first line not taken
function M.block_lines(lines, i, pred)
  local buf = {}
  local n = #lines
  while i <= n and #buf < M.MAXBLOCK and pred(lines[i]) do
    buf[#buf + 1] = lines[i]
    i = i + 1
  end
  return buf, i
end

--- Whether a text holds one of the words (lower case, plain), case aside.
-- @tparam ?string s
-- @tparam table words
-- @treturn boolean
function M.has_any(s, words)
  s = lower(s or "")
  for i = 1, #words do
    if find(s, words[i], 1, true) then return true end
  end
  return false
end

--- Whether a line is non-empty and starts with white space.
function M.indented(l) return l ~= "" and find(l, "^%s") ~= nil end
--- Whether a line has a non-space character.
function M.nonblank(l) return find(l, "%S") ~= nil end

return M
