--- Generic readers: Dovecot/Sieve rejections and the last-resort SMTP reply
-- search.
-- @module spfkit.bounce.readers.generic
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}

local lower, match = string.lower, string.match
local concat = table.concat
local fold, trim = text.fold, text.trim
local MAXBLOCK = util.MAXBLOCK
local block_lines, indented, nonblank = util.block_lines, util.indented, util.nonblank

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

return M
