--- Readers for IBM (Lotus) Notes. Same record shape as
-- `spfkit.bounce.readers.unix`.
-- @module spfkit.bounce.readers.ibm
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower, match = string.find, string.lower, string.match
local concat = table.concat
local fold, trim = text.fold, text.trim
local ADDR = util.ADDR

--- Lotus Notes SMTP MTA: a "------- Failure Reasons --------" section up to
-- "------- Returned Message --------" holding, per failed address, the
-- reason's words (often localized) on the lines before it; an address with
-- no words of its own shares the last words given.
function M.notes(lines)
  local start
  for i = 1, #lines do
    if find(lines[i], "^%-+ Failure Reasons") then start = i + 1; break end
  end
  if not start then return {} end
  local recs, words, last = {}, {}, nil
  for i = start, math.min(#lines, start + util.MAXBLOCK) do
    local l = trim(lines[i])
    if find(l, "^%-%-%-") then break end
    local a = match(l, "^<?" .. ADDR .. ">?$")
    if a then
      if #words > 0 then last, words = fold(concat(words, " ")), {} end
      recs[#recs + 1] = { recipient = lower(a), action = "failed", diagnostic = last }
    elseif l ~= "" then words[#words + 1] = l end
  end
  -- words after the last address (a section that lists the addresses first)
  if #words > 0 then
    local tail = fold(concat(words, " "))
    for k = 1, #recs do recs[k].diagnostic = recs[k].diagnostic or tail end
  end
  return recs
end

return M
