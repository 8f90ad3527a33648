--- Generic readers: the reader for any human-readable bounce (used when
-- the standard path and the MTA readers find nothing), Dovecot/Sieve
-- rejections and the last-resort SMTP reply search.
-- @module spfkit.bounce.readers.generic
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local command_in = require("spfkit.bounce.reason").command_in

local find, sub, gsub, lower, match = string.find, string.sub, string.gsub, string.lower,
  string.match
local concat = table.concat
local reverse = string.reverse
local fold, trim = text.fold, text.trim
local MAXBLOCK = util.MAXBLOCK
local block_lines, indented, nonblank, has_any = util.block_lines, util.indented, util.nonblank, util.has_any

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

-- Any human-readable bounce ---------------------------------------------------

--- Words (lower case, plain) of lines that name the sender or give a contact
-- address: addresses on such lines are never the failed recipient.
M.NOT_RCPT_WORDS = { "mail from", "from:", "sender", "reply-to", "envelope-from", "return-path",
  "contact", "please", "message-id", "references", "in-reply-to", "msgid", "write to", "send mail",
  "送信者", "差出人", "absender", "expéditeur", "remitente", "mittente", "отправител" }

--- Phrases of a short line that starts the returned message (lower case).
M.RETURNED_MARKS = { "original message", "returned message", "original headers", "header of the original",
  "message follows", "copy of the message", "copy of the original", "headers of the original",
  "included is a copy", "message header follows", "元のメッセージ", "元メッセージ", "原文",
  "ursprüngliche nachricht", "message d'origine", "message original", "mensaje original" }

--- Header names that start a block of the returned message's header: 2
-- = two header lines in a row are enough, 3 = it takes three (the
-- notice itself may list From/To/Subject/Date of the message).
M.HEADER_NAMES = { received = 2, ["return-path"] = 2, ["message-id"] = 2, ["mime-version"] = 2,
  ["dkim-signature"] = 2, ["delivered-to"] = 2, ["content-type"] = 3, date = 3, from = 3, to = 3,
  subject = 3, ["reply-to"] = 3 }

local function header_name(l)
  local n = match(l, "^([%a][%w%-]*):")
  return n and lower(n)
end

local function header_run(lines, i)
  local n = header_name(lines[i])
  local need = n and (M.HEADER_NAMES[n] or (sub(n, 1, 2) == "x-" and 2))
  if not need then return false end
  for k = i + 1, i + need - 1 do
    local nxt = lines[k] or ""
    if not (header_name(nxt) or find(nxt, "^[ \t]+%S")) then return false end
  end
  return true
end

-- `marks`: the RETURNED_MARKS that occur anywhere in the text.
local function returned_mark(l, marks)
  if #l > 72 or find(l, "received at", 1, true) then return false end
  local ll = lower(l)
  for k = 1, #marks do
    if find(ll, marks[k], 1, true) then return true end
  end
  return false
end

-- The marks present in the lines (one search per mark over the whole text
-- rather than one per line).
local function marks_in(lines)
  local all = lower(concat(lines, "\n"))
  local marks = {}
  for k = 1, #M.RETURNED_MARKS do
    if find(all, M.RETURNED_MARKS[k], 1, true) then marks[#marks + 1] = M.RETURNED_MARKS[k] end
  end
  return marks
end

--- Index of the line where the returned message starts (or #lines + 1).
-- @tparam table lines
-- @treturn number
function M.notice_end(lines)
  local marks = marks_in(lines)
  local any = #marks > 0
  for i = 2, #lines do
    if (any and returned_mark(lines[i], marks)) or header_run(lines, i) then return i end
  end
  return #lines + 1
end

-- (the later ones: "[550 5.1.1 User unknown]", MDaemon's "<< 550",
-- Exchange's "#< #4.4.7 smtp;550 4.4.7", "Permanent Error 550", "ResponseCode 421")
local CODE_BEFORE = { "^", "<<<%s*", "^[#>%s]*", "said:%s*", "error:?%s*", "code:?%s*", "reply:?%s*",
  "response:?%s*", ":%s*", "%(", ">>>%s*", "message:%s*%[", "%[", "<<%s*", "smtp;%s*", "Error:?%s*", "Code:?%s*" }
--- The words before a quoted reply code (Lua patterns, tried in order).
M.CODE_BEFORE = CODE_BEFORE
-- (each with the code pattern after it, made once)
local CODE_PATTERNS = {}
for k = 1, #CODE_BEFORE do CODE_PATTERNS[k] = CODE_BEFORE[k] .. "([45]%d%d)%f[^%w%.]" end

-- The C core's version of reply_in, while it knows the same prefixes.
local core_reply_in
do
  local ok, core = pcall(require, "spfkit.core")
  local list = ok and type(core) == "table" and core.REPLY_PREFIXES
  if list and #list == #CODE_BEFORE then
    core_reply_in = core.reply_in
    for k = 1, #CODE_BEFORE do
      if list[k] ~= CODE_BEFORE[k] then core_reply_in = nil end
    end
  end
end

--- The SMTP reply code and where it starts in a line of free text, when the
-- line quotes a server reply (`550 5.1.1 ...`, `said: 550 ...`, `<<< 550`,
-- `ERROR_CODE :550`, InterScan's `Received >>> 550`, `error message: [554 ...`).
-- @tparam string l
-- @treturn ?number code
-- @treturn ?number position
function M.reply_in(l)
  if core_reply_in then return core_reply_in(l) end
  -- most lines quote no code at all: one scan rules them out
  if not find(l, "[45]%d%d") then return nil end
  for k = 1, #CODE_PATTERNS do
    local s, e, c = find(l, CODE_PATTERNS[k])
    if s then
      local nxt = sub(l, e + 1, e + 1)
      if nxt == "" or nxt == " " or nxt == "-" or nxt == "," or nxt == ")" then return tonumber(c), e - 2 end
    end
  end
  return nil
end

local function is_reply_line(l)
  return M.reply_in(l) ~= nil or text.find_status(l) ~= nil
end

-- The reply quoted from line i on, with its continuation lines.
local function reply_from(lines, i, last)
  local code, pos = M.reply_in(lines[i])
  -- a DSN field written into the notice ("Diagnostic-Code: smtp; 554 ..."):
  -- its value is the reply
  local first = pos and sub(lines[i], pos) or gsub(lines[i], "^%s*[%a][%w%-]*:%s*[%a][%w%-]*%s*;%s*", "", 1)
  local buf = { trim(first) }
  local j = i + 1
  while j <= last and #buf < 24 do
    local x = lines[j]
    if not nonblank(x) or header_name(x) then break end
    local c2 = M.reply_in(x)
    if not (indented(x) or (code and c2 == code)) then break end
    buf[#buf + 1] = trim(gsub(x, "^[%s<>]*", ""))
    j = j + 1
  end
  return concat(buf, " "), code
end

-- The address-like words of a line (`local@domain`), found from each "@"
-- outwards so that the work stays linear in the line's length (a pattern
-- that starts at every character backtracks on long runs of such bytes).
local LOCAL_END = "^[^%s<>()\"',;:%[%]@]+"
local function addresses_in(l)
  local out = M.addresses(l)
  local i = 0
  return function() i = i + 1; return out[i] end
end

--- The address-like words (`local@domain`) of a text, in order, as
-- written; linear in the text's length.
-- @tparam string l
-- @treturn table list of strings
function M.addresses(l)
  local out, pos = {}, 1
  while true do
    local at = find(l, "@", pos, true)
    if not at then break end
    local domain = match(l, "^[%w%-%.]+", at + 1)
    if domain then
      local left = match(reverse(sub(l, at > 256 and at - 256 or 1, at - 1)), LOCAL_END)
      if left then out[#out + 1] = reverse(left) .. "@" .. domain end
    end
    pos = at + 1 + (domain and #domain or 0)
  end
  return out
end

--- Words (lower case, plain) of a line that names the failed recipient.
M.RCPT_LABELS = { "recipient", "rcpt", "宛先", "empfänger", "destinataire", "destinatario", "получател" }

local function addr_lines(lines, last, exclude)
  local found, seen, moved = {}, {}, false
  for i = 1, last do
    local l = lines[i]
    if find(l, "@", 1, true) then
      local ll = lower(l)
      local skip = false
      for k = 1, #M.NOT_RCPT_WORDS do
        if find(ll, M.NOT_RCPT_WORDS[k], 1, true) then skip = true; break end
      end
      -- "name <addr>: error ..." heads the line: the bracketed address is
      -- the recipient, the rest are its display name and the error's words
      local head = not skip and match(l, "^%s*[^<>:]-<([^<>%s]+@[^<>%s]+)>%s*:")
      if head then l = head end
      if not skip then
        local labelled = has_any(ll, M.RCPT_LABELS)
        for a in addresses_in(l) do
          a = lower(gsub(gsub(a, "^mailto:", ""), "[%.%]:]+$", ""))
          if find(a, "^[^@]+@[%w%-%.]+$") and not exclude[a] then
            local f = seen[a]
            if not f then
              seen[a] = { addr = a, line = i, labelled = labelled }
              found[#found + 1] = seen[a]
            elseif labelled and not f.labelled then
              -- named again where the notice says it is the recipient
              -- ("Recipient address: x" after a "To: x" header list)
              f.line, f.labelled, moved = i, true, true
            end
          end
        end
      end
    end
  end
  if moved then table.sort(found, function(x, y) return x.line < y.line end) end
  return found
end

-- Words of a recipient's block when no reply is quoted: its own line
-- without the address, and the next few lines.
local function block_words(lines, i, last, addr)
  local own = lines[i]
  local p = find(lower(own), addr, 1, true)
  if p then own = sub(own, 1, p - 1) .. " " .. sub(own, p + #addr) end
  own = gsub(own, "[<>%[%]\"]", " ")
  local buf = {}
  if find(own, "%a%a") then buf[1] = trim(own) end
  for j = i + 1, math.min(last, i + 6) do
    if nonblank(lines[j]) and not find(lines[j], "^%s*[%-=_*]+%s*$") then buf[#buf + 1] = trim(lines[j]) end
  end
  return concat(buf, " ")
end

--- Words (lower case, plain) of a notice that say delivery is only delayed.
M.DELAY_WORDS = { "temporar", "delayed", "will retry", "will be retried", "not yet been delivered",
  "still trying", "warning:", "遅延", "verzögert", "retardé" }

--- Whether a notice reports a delay ("delayed") or a failure ("failed"),
-- from its first 60 lines up to `last`.
-- @tparam table lines
-- @tparam number last
-- @treturn string
local function action_of(lines, last)
  -- (the lines joined and lowered once: no word holds a newline, so none
  -- is found across two lines)
  local n = math.min(last, 60)
  if n < 1 then return "failed" end
  local l = lower(concat(lines, "\n", 1, n))
  for k = 1, #M.DELAY_WORDS do
    if find(l, M.DELAY_WORDS[k], 1, true) then return "delayed" end
  end
  return "failed"
end

local function first_reply(lines, last)
  for i = 1, last do
    if is_reply_line(lines[i]) then return reply_from(lines, i, last) end
  end
  return nil
end

-- The paragraph right above line i when it names no address (a notice
-- that gives the reason first, then the bare address).
local function words_above(lines, i)
  local buf = {}
  local k = i - 1
  while k >= 1 and not nonblank(lines[k]) and i - k < 3 do k = k - 1 end
  while k >= 1 and nonblank(lines[k]) and #buf < 6 do
    if find(lines[k], "@", 1, true) or find(lines[k], "^%s*[%-=_*]+%s*$") then return "" end
    table.insert(buf, 1, trim(lines[k]))
    k = k - 1
  end
  return concat(buf, " ")
end

local function read_block(lines, i, last, addr, global, gcode)
  local r = { recipient = addr, action = "failed" }
  for j = i, math.min(last, i + MAXBLOCK) do
    if is_reply_line(lines[j]) then
      r.diagnostic, r.reply_code = reply_from(lines, j, last)
      -- the last SMTP command named from the recipient's line to the reply's
      -- ("SMTP:RCPT host 192.0.2.8: 553 ...", "... after RCPT command:")
      if r.reply_code or not find(lines[j], "%f[%d]2%.%d+%.%d+") then
        r.command = command_in({ lower(concat(lines, "\n", i, j)) })
      end
      break
    end
  end
  local words = block_words(lines, i, last, addr)
  if words == "" and not global then words = words_above(lines, i) end
  if not r.diagnostic then
    r.diagnostic, r.reply_code = global or words, gcode
    if global and words ~= "" then r.texts = { words } end
  end
  if r.diagnostic == "" then r.diagnostic = nil end
  return r
end

--- Read any human-readable bounce: the recipients are the addresses of the
-- notice (not the sender's, not contact addresses), each with the SMTP
-- reply quoted nearest below it, else the notice's first reply, else the
-- words that follow it.
-- @tparam table lines notification lines
-- @tparam[opt] table ctx `{exclude = set of addresses that are not recipients}`
-- @treturn table records
M.action_of = action_of

function M.generic(lines, ctx)
  local exclude = ctx and ctx.exclude or {}
  local last = M.notice_end(lines) - 1
  local found = addr_lines(lines, last, exclude)
  if #found == 0 then
    -- the "returned message" was a header-like list in the notice itself
    last = math.min(#lines, 400)
    found = addr_lines(lines, last, exclude)
  end
  local global, gcode = first_reply(lines, last)
  local recs = {}
  for k = 1, #found do
    local stop = found[k + 1] and found[k + 1].line - 1 or last
    if stop < found[k].line then stop = found[k].line end
    recs[#recs + 1] = read_block(lines, found[k].line, stop, found[k].addr, global, gcode)
  end
  local action = action_of(lines, last)
  for k = 1, #recs do
    local c = recs[k].reply_code
    recs[k].action = c and (c >= 500 and "failed" or "delayed") or action
  end
  if #recs == 0 and global then recs[1] = { global = true, diagnostic = global, reply_code = gcode } end
  return recs
end

return M
