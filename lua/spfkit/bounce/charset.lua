--- Charset detection and conversion to UTF-8 for bounce texts.
-- Uses `spfkit.core.iconv` (glibc iconv(3)) when the C core is built; without
-- it, text is returned unchanged (best effort). Handles the mislabelled
-- Japanese bodies seen in carrier bounces: a part declared ISO-2022-JP that is
-- really UTF-8 or EUC-JP is detected from its bytes, not from its label.
-- @module spfkit.bounce.charset
local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local byte, find, lower = string.byte, string.find, string.lower

local iconv_fn        -- false when the core is not available
local ascii_fn        -- core.is_ascii, or false
local utf8_fn         -- core.is_utf8, or false
local function get_iconv()
  if iconv_fn == nil then
    local ok, core = pcall(require, "spfkit.core")
    iconv_fn = ok and type(core) == "table" and core.iconv or false
    ascii_fn = ok and type(core) == "table" and core.is_ascii or false
    utf8_fn = ok and type(core) == "table" and core.is_utf8 or false
  end
  return iconv_fn
end

--- Whether `s` is well-formed UTF-8 (ASCII included).
-- @tparam string s bytes
-- @treturn boolean
function M.is_utf8(s)
  -- glibc's UTF-8 decoder in one C call when the core is built (it is
  -- stricter: overlong forms and surrogates fail too)
  local iconv = get_iconv()
  -- (the core's own loop takes the same sequences, without opening iconv)
  if utf8_fn then return utf8_fn(s) end
  if iconv then
    local ok, out = pcall(iconv, s, "UTF-8", "UTF-8")
    return ok and out ~= nil
  end
  local i = 1
  while true do
    local j = find(s, "[\128-\255]", i)
    if not j then return true end
    local c = byte(s, j)
    local len
    if c >= 0xC2 and c <= 0xDF then len = 2
    elseif c >= 0xE0 and c <= 0xEF then len = 3
    elseif c >= 0xF0 and c <= 0xF4 then len = 4
    else return false end
    for k = j + 1, j + len - 1 do
      local d = byte(s, k)
      if not d or d < 0x80 or d > 0xBF then return false end
    end
    i = j + len
  end
end

-- Whether every byte is below 128 (one C loop when the core is built: a
-- Lua character class costs several times more).
local function is_ascii(s)
  local iconv = get_iconv()
  if ascii_fn then return ascii_fn(s) end
  if iconv then
    local ok, out = pcall(iconv, s, "ASCII", "UTF-8")
    return ok and out ~= nil
  end
  return not find(s, "[\128-\255]")
end

local function conv(s, from)
  local iconv = get_iconv()
  if not iconv then return nil end
  local ok, out = pcall(iconv, s, from, "UTF-8")
  if ok and out then return out end
  return nil
end

-- Charset names that say nothing beyond ASCII/UTF-8.
local PASS = { ["utf-8"] = true, ["utf8"] = true, ["us-ascii"] = true, ["ascii"] = true,
               ["iso-2022-jp"] = true, [""] = true }

--- Convert `s` to UTF-8.
-- The bytes decide first: ISO-2022-JP escape sequences, then valid UTF-8;
-- then the declared charset; then the usual Japanese encodings (EUC-JP,
-- CP932, Shift_JIS); when nothing fits the bytes are returned unchanged.
-- @tparam string s text bytes
-- @tparam[opt] string declared charset label from Content-Type or RFC 2047
-- @treturn string UTF-8 text (best effort)
-- @treturn string the charset that was used (`"utf-8"` when unchanged)
function M.to_utf8(s, declared)
  if s == "" then return s, "us-ascii" end
  local esc = find(s, "\27", 1, true)
  if not esc and is_ascii(s) then return s, "us-ascii" end
  declared = lower(declared or "")
  if esc and find(s, "\27[%$%(]") then
    local out = conv(s, "ISO-2022-JP") or conv(s, "ISO-2022-JP-2") or conv(s, "CP50221")
    if out then return out, "iso-2022-jp" end
  end
  if esc and is_ascii(s) then return s, "us-ascii" end
  if M.is_utf8(s) then return s, "utf-8" end
  if not PASS[declared] then
    local out = conv(s, declared)
    if out then return out, declared end
  end
  for _, cs in ipairs({ "EUC-JP", "CP932", "SHIFT_JIS" }) do
    local out = conv(s, cs)
    if out then return out, lower(cs) end
  end
  if declared ~= "" and not PASS[declared] then return s, declared end
  local out = conv(s, "ISO-8859-1")
  if out then return out, "iso-8859-1" end
  return s, "unknown"
end

return M
