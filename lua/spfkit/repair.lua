--- Repairs of what keeps a pasted or published value from being an SPF
-- record: quotes (ASCII or typographic), full-width characters, a mistyped
-- "v=spf1". Shared by lint, build/merge, txt and whatif.
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.repair

local M = {}

local type, ipairs, tonumber, error = type, ipairs, tonumber, error
local concat = table.concat

local function is_spf(text)
  return text:sub(1, 6):lower() == "v=spf1" and (#text == 6 or text:sub(7, 7) == " ")
end

local LQ, RQ = "\226\128\156", "\226\128\157"     -- “ ”

-- Strip quotes around a value; returns text, kind ("ascii"/"typographic"/nil).
local function strip_quotes(text)
  local kind
  local s = text
  local changed = true
  while changed do
    changed = false
    s = s:gsub("^%s+", ""):gsub("%s+$", "")
    if s:sub(1, 1) == '"' then s = s:sub(2) kind = kind or "ascii" changed = true end
    if s:sub(-1) == '"' then s = s:sub(1, -2) kind = kind or "ascii" changed = true end
    for _, q in ipairs({ LQ, RQ }) do
      if s:sub(1, #q) == q then s = s:sub(#q + 1) kind = "typographic" changed = true end
      if #s >= #q and s:sub(-#q) == q then s = s:sub(1, -#q - 1) kind = "typographic" changed = true end
    end
  end
  if not kind then return text, nil end
  return s, kind
end

-- Zone-file presentation `"v=spf1 ..." "more"` to its strings, or nil.
local function unpresent(text)
  local s = text:gsub("^%s+", ""):gsub("%s+$", "")
  if s:sub(1, 1) ~= '"' then return nil end
  local strings, i, n = {}, 1, #s
  while i <= n do
    if s:sub(i, i) ~= '"' then return nil end
    local buf, j = {}, i + 1
    while true do
      if j > n then return nil end
      local c = s:sub(j, j)
      if c == '"' then break end
      if c == "\\" then
        local d = s:match("^%d%d%d", j + 1)
        if d then buf[#buf + 1] = string.char(tonumber(d) % 256) j = j + 4
        else buf[#buf + 1] = s:sub(j + 1, j + 1) j = j + 2 end
      else
        buf[#buf + 1] = c
        j = j + 1
      end
    end
    strings[#strings + 1] = concat(buf)
    i = j + 1
    local sp = s:match("^%s*", i)
    i = i + #sp
  end
  return strings
end

-- Full-width ASCII (U+FF01..U+FF5E) and the ideographic space (U+3000) to
-- half-width; returns text, count, byte position of the first.
local function fix_fullwidth(text)
  local out, count = text:gsub("\227\128\128", " ")
  out = out:gsub("\239([\188\189])([\128-\191])", function(b2, b3)
    local c3 = b3:byte()
    local ascii
    if b2 == "\188" then ascii = c3 - 0x60 else ascii = c3 - 0x20 end
    if ascii < 0x21 or ascii > 0x7e then return nil end
    count = count + 1
    return string.char(ascii)
  end)
  if count == 0 then return text, 0 end
  local p = text:find("\227\128\128", 1, true)
  local q = text:find("\239[\188\189]")
  local first = (p and q) and math.min(p, q) or p or q
  return out, count, first
end

-- "v=spf 1 a mx ~all", "v = spf1 ...", "spf1 mx -all", " v=spf1 ..." -> fixed, or nil
local function fix_version(text)
  local s = text:gsub("^%s+", "")
  local lower = s:lower()
  local rest
  local a, b = lower:find("^v%s*[=:]%s*s%s*[pf]%s*[fp]%s*1")
  if a then rest = s:sub(b + 1)
  else
    a, b = lower:find("^v%s*[=:]%s*s%s*[pf]%s*[fp]%f[%s]")      -- the 1 forgotten
    if a then rest = s:sub(b + 1)
    else
      a, b = lower:find("^spf1%f[%s]")
      if a then rest = s:sub(b + 1) end
    end
  end
  if not rest then return nil end
  rest = rest:gsub("^[%s,;]+", "")
  if rest:find("^[%d%.]") then return nil end       -- "v=spf10", "spf2.0/pra"
  local fixed = rest == "" and "v=spf1" or ("v=spf1 " .. rest)
  if fixed == text then return nil end
  return fixed
end

-- The issues that keep `text` from being a valid SPF record and that we
-- can repair. Returns the repaired text and a list of
-- `{code=, params=, position=}`.
local function repair(text, published)
  local issues = {}
  local s = text
  local stripped, kind = strip_quotes(s)
  if kind then
    local strings = not published and kind == "ascii" and unpresent(s)
    if strings then stripped = concat(strings) end
    s = stripped
    issues[#issues + 1] = { code = "quoted-value", position = 1,
      severity = (published or kind == "typographic") and "error" or "warning",
      params = { fix = s, typographic = kind == "typographic", published = published or nil } }
  end
  local fw, count, first = fix_fullwidth(s)
  if count > 0 then
    issues[#issues + 1] = { code = "fullwidth-character", position = first, severity = "error",
      params = { fix = fw, count = count } }
    s = fw
  end
  if not is_spf(s) then
    local v = fix_version(s)
    if v then
      issues[#issues + 1] = { code = "version-typo", position = 1, severity = "error",
        params = { text = s:sub(1, 40), fix = v } }
      s = v
    end
  end
  return s, issues
end

--- Whether a TXT value is an SPF record (starts with "v=spf1", RFC 7208 4.5).
-- @tparam string text
-- @treturn boolean
function M.is_spf(text) return type(text) == "string" and is_spf(text) end

--- Repair what keeps a value from being an SPF record.
-- @tparam string text
-- @tparam[opt] boolean published the value is what DNS publishes (a
--   zone-file presentation is then not unwrapped, and quotes are errors)
-- @treturn string the repaired text (the input when nothing was wrong)
-- @treturn table the repairs, `{ {code=, severity=, position=, params=}, ... }`
function M.repair(text, published)
  if type(text) ~= "string" then error("spfkit.repair: expected a string", 2) end
  return repair(text, published)
end

return M
