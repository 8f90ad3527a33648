--- DKIM tag-lists (RFC 6376 3.2), shared by key records and signatures.
--
--    tags.parse("v=DKIM1; k=rsa; p=MIIB...")
--    --> { v = "DKIM1", k = "rsa", p = "MIIB..." },
--    --    { {name="v", value="DKIM1", eq=2, stop=8}, ... }
--
-- Values keep their inner folding whitespace (callers that need it gone,
-- such as p=, b=, bh= and h=, call `tags.strip`). Positions are 1-based
-- byte offsets into the text. Pure Lua; never raises on bad input.
-- @module spfkit.dkim.tags

local errors = require "spfkit.errors"

local M = {}

local find, sub, gsub = string.find, string.sub, string.gsub

--- Longest tag-list read (a TXT RR is at most 64 KB; headers are shorter).
M.MAX_LENGTH = 262144

local function syntax(message, position)
  return nil, errors.new("dkim-syntax", message, { position = position })
end

-- FWS (3.2): a CR or LF is allowed only as CRLF followed by WSP. Returns the
-- position of the first offending byte, or nil.
local function bad_fws(text, from, to)
  local p = from
  while true do
    local s = find(text, "[\r\n]", p)
    if not s or s > to then return nil end
    if sub(text, s, s + 2):find("^\r\n[ \t]") == nil then return s end
    p = s + 3
  end
end

-- One tag-spec between from and to (inclusive): name, value and positions.
local function spec(text, from, to)
  local seg = sub(text, from, to)
  local s, e, name = find(seg, "^[ \t\r\n]*([%a][%w_]*)[ \t\r\n]*=")
  if not s then
    local at = find(seg, "[^ \t\r\n]") or #seg + 1
    return syntax("expected tag=value", from + at - 1)
  end
  local vs = (find(seg, "[^ \t\r\n]", e + 1) or #seg + 1)
  local ve = #seg
  while ve >= vs and find(sub(seg, ve, ve), "^[ \t\r\n]") do ve = ve - 1 end
  local value = sub(seg, vs, ve)
  local badc = find(value, "[^\33-\58\60-\126 \t\r\n]")
  if badc then return syntax("character not allowed in a tag value", from + vs + badc - 2) end
  return { name = name, value = value, eq = from + e - 1, stop = to + 1 }
end

--- Parse a tag-list.
-- @tparam string text
-- @treturn[1] table tags by name
-- @treturn[1] table the tags in order `{ {name, value, eq = <position of
--   "=">, stop = <position of the ";" ending it, or #text+1>} }`
-- @treturn[2] nil
-- @treturn[2] table err `{ code = "dkim-syntax"|"dkim-duplicate-tag"|"dkim-too-long", message, position }`
function M.parse(text)
  if #text > M.MAX_LENGTH then
    return nil, errors.new("dkim-too-long", "tag-list longer than " .. M.MAX_LENGTH .. " bytes",
                           { position = M.MAX_LENGTH + 1 })
  end
  local fws = bad_fws(text, 1, #text)
  if fws then return syntax("line break not followed by whitespace", fws) end
  local map, list, pos, n = {}, {}, 1, #text
  while pos <= n do
    local semi = find(text, ";", pos, true) or n + 1
    local last = semi > n
    if not (last and not find(text, "[^ \t\r\n]", pos)) then
      local t, err = spec(text, pos, semi - 1)
      if not t then return nil, err end
      if map[t.name] ~= nil then
        return nil, errors.new("dkim-duplicate-tag", "tag '" .. t.name .. "' appears twice",
                               { position = t.eq - #t.name, tag = t.name })
      end
      map[t.name] = t.value
      list[#list + 1] = t
    end
    pos = semi + 1
  end
  return map, list
end

--- A value without its whitespace (FWS inside base64 and lists is ignored).
-- @tparam string value
-- @treturn string
function M.strip(value)
  return (gsub(value, "[ \t\r\n]", ""))
end

--- A colon-separated list (h=, t=, s=) as lower-case words, whitespace removed.
-- @tparam string value
-- @treturn table
function M.list(value)
  local out = {}
  for w in (M.strip(value) .. ":"):gmatch("([^:]*):") do out[#out + 1] = w:lower() end
  return out
end

return M
