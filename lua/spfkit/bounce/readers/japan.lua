--- Readers for Japanese carriers (KDDI / au one net). Same record shape as
-- `spfkit.bounce.readers.unix`.
-- @module spfkit.bounce.readers.japan
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local lower, match = string.lower, string.match
local concat = table.concat
local fold = text.fold
local block_lines, nonblank = util.block_lines, util.nonblank

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

return M
