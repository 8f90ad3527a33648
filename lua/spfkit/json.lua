--- JSON for spfkit's reports: a stable encoder (object keys sorted, valid
-- UTF-8 with `<`, `>` and `&` escaped, so it can sit inside HTML) and a
-- small strict decoder (for `spfkit.report.from_json`). Pure Lua.
-- @module spfkit.json

local M = {}

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local concat, sort = table.concat, table.sort
local byte, char, format, gsub, sub, find = string.byte, string.char, string.format, string.gsub, string.sub,
                                            string.find
local floor = math.floor

local ARRAY = {}                 -- metatable marking a table as a JSON array
M.ARRAY = ARRAY
--- Mark a table as a JSON array (so an empty one encodes as []).
function M.array(t) return setmetatable(t or {}, ARRAY) end

local ARRAY_KEYS             -- keys whose values are always arrays (set_array_keys)
--- Name the object keys whose values always encode as arrays.
function M.set_array_keys(keys) ARRAY_KEYS = keys end

--- Replace bytes that are not valid UTF-8 with U+FFFD.
-- @tparam string s
-- @treturn string
function M.utf8_clean(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = byte(s, i)
    local len = c < 0x80 and 1 or (c >= 0xC2 and c <= 0xDF) and 2 or (c >= 0xE0 and c <= 0xEF) and 3
      or (c >= 0xF0 and c <= 0xF4) and 4 or 0
    local ok = len > 0 and i + len - 1 <= n
    if ok and len > 1 then
      for k = i + 1, i + len - 1 do
        local cc = byte(s, k)
        if cc < 0x80 or cc > 0xBF then ok = false break end
      end
      if ok then
        local c2 = byte(s, i + 1)
        if (c == 0xE0 and c2 < 0xA0) or (c == 0xED and c2 > 0x9F) or (c == 0xF0 and c2 < 0x90)
           or (c == 0xF4 and c2 > 0x8F) then ok = false end
      end
    end
    if ok then out[#out + 1] = sub(s, i, i + len - 1); i = i + len
    else out[#out + 1] = "\239\191\189"; i = i + 1 end
  end
  return concat(out)
end

-- JSON ---------------------------------------------------------------------

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
              ["\r"] = "\\r", ["\t"] = "\\t", ["<"] = "\\u003c", [">"] = "\\u003e", ["&"] = "\\u0026" }

local function json_string(s)
  s = M.utf8_clean(s)
  return '"' .. gsub(s, '[%c"\\<>&\127]', function(c)
    return ESC[c] or format("\\u%04x", byte(c))
  end) .. '"'
end

local function is_array(t, key)
  if getmetatable(t) == ARRAY or (ARRAY_KEYS and ARRAY_KEYS[key]) then return true end
  local n = #t
  if n == 0 then return false end
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then return false end
  end
  return true
end

local function encode(v, key, out, depth)
  local tv = type(v)
  if depth > 32 then out[#out + 1] = "null" return end
  if tv == "string" then out[#out + 1] = json_string(v)
  elseif tv == "number" then
    if v ~= v or v == math.huge or v == -math.huge then out[#out + 1] = "null"
    elseif v % 1 == 0 and v > -2^53 and v < 2^53 then out[#out + 1] = format("%d", v)
    else out[#out + 1] = format("%.14g", v) end
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "table" then
    if is_array(v, key) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode(v[i], nil, out, depth + 1)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k, x in pairs(v) do
        local tx = type(x)
        if type(k) == "string" and tx ~= "function" and tx ~= "userdata" and tx ~= "thread" then
          keys[#keys + 1] = k
        end
      end
      sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = json_string(k)
        out[#out + 1] = ":"
        encode(v[k], k, out, depth + 1)
      end
      out[#out + 1] = "}"
    end
  else
    out[#out + 1] = "null"
  end
end

--- Encode a value as JSON (object keys sorted, so output is stable).
-- @param v
-- @treturn string
function M.encode(v)
  local out = {}
  encode(v, nil, out, 0)
  return concat(out)
end


-- Decoder ------------------------------------------------------------------

local function utf8_char(c)
  if c < 0x80 then return char(c) end
  if c < 0x800 then return char(0xC0 + floor(c / 64), 0x80 + c % 64) end
  if c < 0x10000 then return char(0xE0 + floor(c / 4096), 0x80 + floor(c / 64) % 64, 0x80 + c % 64) end
  return char(0xF0 + floor(c / 262144), 0x80 + floor(c / 4096) % 64, 0x80 + floor(c / 64) % 64, 0x80 + c % 64)
end

local UNESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local decode_value

local function fail(pos, what) error({ json_error = what .. " at byte " .. pos }, 0) end

local function skip(s, i) return find(s, "[^ \t\r\n]", i) or #s + 1 end

local function decode_string(s, i)
  local out, j = {}, i + 1
  while true do
    local k = find(s, '["\\]', j)
    if not k then fail(i, "unterminated string") end
    out[#out + 1] = sub(s, j, k - 1)
    if sub(s, k, k) == '"' then return concat(out), k + 1 end
    local e = sub(s, k + 1, k + 1)
    if e == "u" then
      local h = tonumber(sub(s, k + 2, k + 5), 16)
      if not h then fail(k, "bad \\u escape") end
      j = k + 6
      if h >= 0xD800 and h <= 0xDBFF and sub(s, j, j + 1) == "\\u" then
        local lo = tonumber(sub(s, j + 2, j + 5), 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then h, j = 0x10000 + (h - 0xD800) * 1024 + (lo - 0xDC00), j + 6 end
      end
      out[#out + 1] = utf8_char(h)
    elseif UNESC[e] then out[#out + 1] = UNESC[e]; j = k + 2
    else fail(k, "bad escape") end
  end
end

local function decode_array(s, i, depth)
  local t, n = M.array(), 0
  i = skip(s, i + 1)
  if sub(s, i, i) == "]" then return t, i + 1 end
  while true do
    local v
    v, i = decode_value(s, i, depth + 1)
    n = n + 1; t[n] = v
    i = skip(s, i)
    local c = sub(s, i, i)
    if c == "]" then return t, i + 1 end
    if c ~= "," then fail(i, "',' or ']' expected") end
    i = skip(s, i + 1)
  end
end

local function decode_object(s, i, depth)
  local t = {}
  i = skip(s, i + 1)
  if sub(s, i, i) == "}" then return t, i + 1 end
  while true do
    if sub(s, i, i) ~= '"' then fail(i, "key expected") end
    local k
    k, i = decode_string(s, i)
    i = skip(s, i)
    if sub(s, i, i) ~= ":" then fail(i, "':' expected") end
    t[k], i = decode_value(s, skip(s, i + 1), depth + 1)
    i = skip(s, i)
    local c = sub(s, i, i)
    if c == "}" then return t, i + 1 end
    if c ~= "," then fail(i, "',' or '}' expected") end
    i = skip(s, i + 1)
  end
end

local LITERALS = { ["true"] = true, ["false"] = false }

function decode_value(s, i, depth)
  if depth > 64 then fail(i, "too deeply nested") end
  local c = sub(s, i, i)
  if c == "{" then return decode_object(s, i, depth) end
  if c == "[" then return decode_array(s, i, depth) end
  if c == '"' then return decode_string(s, i) end
  local word = s:match("^%a+", i)
  if word == "null" then return nil, i + 4 end
  if word and LITERALS[word] ~= nil then return LITERALS[word], i + #word end
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if num and tonumber(num) then return tonumber(num), i + #num end
  fail(i, "unexpected character")
end

--- Decode a JSON text. Arrays come back marked (`M.array`); `null` is nil.
-- @tparam string s
-- @return the value, or `nil, message` for text that is not JSON
function M.decode(s)
  if type(s) ~= "string" then return nil, "expected a string" end
  local ok, v, i = pcall(decode_value, s, skip(s, 1), 0)
  if not ok then return nil, type(v) == "table" and v.json_error or tostring(v) end
  if skip(s, i) <= #s then return nil, "trailing text at byte " .. i end
  return v
end

return M
