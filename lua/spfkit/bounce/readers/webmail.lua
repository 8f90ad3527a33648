--- Readers for webmail providers' own notices (Gmail). Same record shape
-- as `spfkit.bounce.readers.unix`.
-- @module spfkit.bounce.readers.webmail
local text = require "spfkit.bounce.text"
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, gsub, lower, match = string.find, string.gsub, string.lower, string.match
local concat = table.concat
local fold = text.fold
local ADDR = util.ADDR
local block_lines, indented, nonblank = util.block_lines, util.indented, util.nonblank

-- Gmail -------------------------------------------------------------------

--- Gmail, old text format and the newer HTML-era wording.
-- The response quoted between lines `from` and `to`.
local function gmail_response(lines, from, to)
  for k = from, to do
    local l = lines[k]
    if find(l, "^The response from the remote server was:") or find(l, "^The response was:") then
      local buf = block_lines(lines, k + 1, nonblank)
      return concat(buf, "\n")
    end
  end
  return nil
end

--- Gmail's newer notice with one block per recipient ("** Address not
-- found ** / Your message wasn't delivered to x because ... / The response
-- from the remote server was: ..."): each recipient with its own response.
function M.gmail_blocks(lines, addrs, at, action)
  local recs = {}
  for k = 1, #addrs do
    local to = (at[k + 1] or #lines + 1) - 1
    recs[k] = { recipient = addrs[k], action = action, diagnostic = gmail_response(lines, at[k], to) }
  end
  return recs
end

function M.gmail(lines)
  local recs = {}
  local n = #lines
  local action
  local i = 1
  local addrs, at = {}, {}
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
      -- (the three wordings all say "deliver")
      local a = find(l, "deliver", 1, true) and (match(lines[i], "wasn't delivered to " .. ADDR)
        or match(lines[i], "couldn't be delivered to " .. ADDR)
        or match(lines[i], "problem delivering your message to " .. ADDR))
      -- one sentence per recipient, each followed by its own response
      if a and (#addrs == 0 or at[#addrs]) then
        addrs[#addrs + 1] = lower(gsub(a, "%.$", ""))
        at[#addrs] = i
        action = find(l, "temporary", 1, true) and "delayed" or "failed"
      end
      i = i + 1
    end
  end
  if #addrs == 0 then return recs end
  if #addrs > 1 and at[1] then return M.gmail_blocks(lines, addrs, at, action) end
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

return M
