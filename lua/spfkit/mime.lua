--- Minimal, defensive MIME reader for bounce parsing.
-- Everything here runs in time linear in the input: no pattern is allowed
-- to backtrack over unbounded text, nesting depth and the number of parts
-- are capped, and decoded bodies are capped in size (see `LIMITS`).
-- Line endings must already be LF (see `normalize`).
-- @module spfkit.mime
local charset = require "spfkit.bounce.charset"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local byte, char, find, sub, gsub, lower, match =
  string.byte, string.char, string.find, string.sub, string.gsub, string.lower, string.match
local core_ok, core = pcall(require, "spfkit.core")
if not core_ok or type(core) ~= "table" then core = {} end

--- Limits that keep hostile input linear.
M.LIMITS = {
  depth = 24,          -- nested multiparts / message/rfc822
  parts = 512,         -- entities per message
  headers = 1000,      -- header fields per entity
  decode = 4 * 1024 * 1024, -- encoded bytes decoded per part
  decode_total = 16 * 1024 * 1024, -- bytes decoded in one message, all parts
  work_factor = 32,    -- bytes scanned while splitting: at most this times
  work_base = 1024 * 1024, -- the input, plus this
}

--- Convert CRLF and lone CR line endings to LF.
-- @tparam string s raw message
-- @treturn string
function M.normalize(s)
  if core.normalize then return core.normalize(s) end
  if find(s, "\r", 1, true) then
    s = gsub(s, "\r\n", "\n")
    s = gsub(s, "\r", "\n")
  end
  return s
end

--- Split a message into header text and body at the first empty line.
-- @tparam string s message with LF line endings
-- @treturn string header block (without the empty line)
-- @treturn string body
function M.split(s)
  if sub(s, 1, 1) == "\n" then return "", sub(s, 2) end
  local i = find(s, "\n\n", 1, true)
  if not i then return s, "" end
  return sub(s, 1, i), sub(s, i + 2)
end

local function lua_field_value(text, vs, fe)
  local value = sub(text, vs, fe)
  if find(value, "\n", 1, true) then
    -- (a pattern that starts at the newline is much cheaper; blanks before
    -- a newline are rare and take the general one)
    if find(value, " \n", 1, true) or find(value, "\t\n", 1, true) then
      value = gsub(value, "[ \t]*\n[ \t]*", " ")
    else
      value = gsub(value, "\n[ \t]*", " ")
    end
  end
  local c = byte(value, -1)
  if c == 32 or c == 9 then value = match(value, "^.*[^ \t]") or "" end
  return value
end
-- (the C core does the same in one pass)
local field_value = core.unfold or lua_field_value

-- The fields of a header block: lower-case names, value starts and ends
-- (through the last continuation line), their count. The C core's
-- `header_scan` does this in one pass; this is the same walk in Lua, for
-- when the core is not built.
local function lua_header_scan(text, limit)
  local names, starts, ends = {}, {}, {}
  local n, pos, len = 0, 1, #text
  local cur
  while pos <= len do
    local e = find(text, "\n", pos, true) or len + 1
    local c = byte(text, pos)
    if c == 32 or c == 9 then
      if cur then ends[cur] = e - 1 end
    elseif e > pos then
      cur = nil
      local _, ne, name, vs = find(text, "^([!-9;-~]+):[ \t]*()", pos)
      if ne then
        if n >= limit then break end
        n = n + 1
        names[n], starts[n], ends[n], cur = lower(name), vs, e - 1, n
      end
    end
    pos = e + 1
  end
  local first = {}
  for i = n, 1, -1 do first[names[i]] = i end
  return names, starts, ends, n, first
end
local header_scan = core.header_scan or lua_header_scan

--- Parse a header block into fields.
-- Without the C core, values are unfolded lazily, on first access (most
-- fields of a bounce are never looked at).
-- @tparam string text header block
-- @treturn table `{map = {[lower-case name] = value of the first occurrence}}`;
--   `names` lists the lower-case names in order (see `values` for every
--   occurrence of a name)
-- With the C core, the map is made at once (one C pass: the values of the
-- first occurrences unfolded, no closure and no lookup through a
-- metamethod) and the field list only when read (by `values`).
local header_map = core.header_map
local HS_META = { __index = function(t, k)
  if k == "text" then
    -- (a block read in place, see headers_range: its copy when asked for)
    local src = rawget(t, "src")
    if not src then return nil end
    local text = sub(src, rawget(t, "hi"), rawget(t, "hj"))
    rawset(t, "text", text)
    return text
  end
  if k ~= "names" and k ~= "starts" and k ~= "ends" then return nil end
  local names, starts, ends = header_scan(t.text, M.LIMITS.headers)
  rawset(t, "names", names)
  rawset(t, "starts", starts)
  rawset(t, "ends", ends)
  return rawget(t, k)
end }

function M.headers(text)
  if header_map then
    return setmetatable({ map = (header_map(text, M.LIMITS.headers)), text = text }, HS_META)
  end
  local names, starts, ends, _, first = header_scan(text, M.LIMITS.headers)
  local map = setmetatable({}, { __index = function(t, k)
    local i = first[k]
    if not i then return nil end
    local v = field_value(text, starts[i], ends[i])
    rawset(t, k, v)
    return v
  end })
  return { map = map, names = names, text = text, starts = starts, ends = ends }
end

-- The header block src[i..j] (no copy of it is made with the C core).
local function headers_range(src, i, j)
  if not header_map then return M.headers(j >= i and sub(src, i, j) or "") end
  return setmetatable({ map = (header_map(src, M.LIMITS.headers, i, j)), src = src, hi = i, hj = j }, HS_META)
end

--- Every value of a header field, in order (at most `max`).
-- @tparam table hs result of `headers`
-- @tparam string name lower-case field name
-- @tparam[opt=100] number max
-- @treturn table list of unfolded values
local header_values = core.header_values

function M.values(hs, name, max)
  max = max or 100
  -- (with the C core: one pass over the block, no field list)
  if header_values and not rawget(hs, "names") then
    local src = rawget(hs, "src")
    if src then return header_values(src, name, max, M.LIMITS.headers, hs.hi, hs.hj) end
    return header_values(hs.text, name, max, M.LIMITS.headers)
  end
  local out = {}
  for i = 1, #hs.names do
    if hs.names[i] == name then
      out[#out + 1] = field_value(hs.text, hs.starts[i], hs.ends[i])
      if #out >= max then break end
    end
  end
  return out
end

--- Read a parameter of a structured header value (Content-Type ...).
-- @tparam string value header value
-- @tparam string name parameter name (lower case)
-- @treturn ?string
function M.param(value, name)
  if not value then return nil end
  local lv = lower(value)
  local pos = 1
  while true do
    local s, e = find(lv, name, pos, true)
    if not s then return nil end
    local prev = s > 1 and sub(lv, s - 1, s - 1) or ";"
    local rest = match(lv, "^%s*=%s*", e + 1)
    if (prev == ";" or prev == " " or prev == "\t" or prev == "\n") and rest then
      local vs = e + 1 + #rest
      if sub(value, vs, vs) == '"' then
        local q = find(value, '"', vs + 1, true)
        return sub(value, vs + 1, (q or #value + 1) - 1)
      end
      return match(value, "^[^;%s]+", vs)
    end
    pos = e + 1
  end
end

local B64 = {}
do
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for i = 1, 64 do B64[byte(alphabet, i)] = i - 1 end
end

local function b64quad(q)
  local a, b, c, d = byte(q, 1, 4)
  local n = B64[a] * 262144 + B64[b] * 4096 + (B64[c] or 0) * 64 + (B64[d] or 0)
  local x = n % 256
  n = (n - x) / 256
  local y = n % 256
  return char((n - y) / 256, y, x)
end

--- Decode base64 (invalid characters are skipped, padding is optional).
-- @tparam string s
-- @treturn string
function M.base64(s)
  if core.base64 then return core.base64(s) end
  s = gsub(s, "[^%w%+/]", "")
  local tail = #s % 4
  local head = sub(s, 1, #s - tail)
  local out = gsub(head, "....", b64quad)
  if tail >= 2 then
    local q = sub(s, #s - tail + 1) .. "AAA"
    out = out .. sub(b64quad(sub(q, 1, 4)), 1, tail - 1)
  end
  return out
end

-- "=XX" escapes by their two hex digits (either case): gsub with a table
-- costs no function call per escape.
local HEXBYTE = {}
do
  local digits = "0123456789ABCDEFabcdef"
  for i = 1, #digits do
    for k = 1, #digits do
      local h = sub(digits, i, i) .. sub(digits, k, k)
      HEXBYTE[h] = char(tonumber(h, 16))
    end
  end
end

--- Decode quoted-printable.
-- @tparam string s
-- @tparam[opt] boolean header RFC 2047 "Q" rules (underscore is a space)
-- @treturn string
function M.qp(s, header)
  if core.qp then return core.qp(s, header) end
  if header then
    s = gsub(s, "_", " ")
  else
    if find(s, " \n", 1, true) or find(s, "\t\n", 1, true) then s = gsub(s, "[ \t]+\n", "\n") end
    s = gsub(s, "=\n", "")
  end
  return (gsub(s, "=(%x%x)", HEXBYTE))
end

--- Decode RFC 2047 encoded words to UTF-8.
-- @tparam string s header value
-- @treturn string
function M.decode_words(s)
  if not s or not find(s, "=?", 1, true) then return s end
  -- whitespace between two adjacent encoded words is dropped (RFC 2047 6.2)
  s = gsub(s, "(%?=)%s+(=%?)", "%1%2")
  local out = gsub(s, "=%?([^?%s]+)%?([BbQq])%?([^?%s]*)%?=", function(cs, enc, text)
    local raw
    if enc == "B" or enc == "b" then raw = M.base64(text) else raw = M.qp(text, true) end
    cs = gsub(cs, "%*.*$", "") -- RFC 2231 language suffix
    return (charset.to_utf8(raw, cs))
  end)
  return out
end

-- Where the header block of the range [i, j] ends: the position of the
-- empty line (or j + 1 when there is none). Steps line by line, so the work
-- is the header's length, never more than the range.
local HEADER_WINDOWS = { 2048, 16384 }

local find_within = core.find_within

local function header_end(src, i, j)
  if byte(src, i) == 10 then return i end
  if find_within then -- (one bounded search in C, no copy)
    local p = find_within(src, "\n\n", i, j)
    return p and p + 1 or j + 1
  end
  -- most header blocks end within a few KB: a plain search in a bounded
  -- window, then a larger one, then (long header blocks only) the walk
  for k = 1, #HEADER_WINDOWS do
    local w = j - i + 1 < HEADER_WINDOWS[k] and j or i + HEADER_WINDOWS[k] - 1
    local p = find(sub(src, i, w), "\n\n", 1, true)
    if p then return i + p end
    if w >= j then return j + 1 end
  end
  local pos = i
  while pos <= j do
    local e = find(src, "\n", pos, true)
    if not e or e >= j then return j + 1 end
    if byte(src, e + 1) == 10 then return e + 1 end
    pos = e + 1
  end
  return j + 1
end

local function new_state(len)
  return { parts = 0, work = 0, decoded = 0,
           budget = M.LIMITS.work_factor * len + M.LIMITS.work_base }
end

local parse_range

-- Parse the entity in src[i..j] (offsets into the one message string: no
-- copies of bodies are made). `inside`: below a message/rfc822 part, where
-- a multipart is split on first access to `parts`.
parse_range = function(src, i, j, depth, state, inside)
  state.parts = state.parts + 1
  local hend = header_end(src, i, j)
  state.work = state.work + (hend - i)
  local headers = headers_range(src, i, hend - 1)
  local ct = headers.map["content-type"] or "text/plain"
  local ctype = lower(match(ct, "^%s*([%w%-%.%+]+/[%w%-%.%+]+)") or "text/plain")
  local e = { headers = headers, ctype = ctype, ctvalue = ct, depth = depth,
              src = src, bs = hend + 1, be = j, state = state }
  if depth >= M.LIMITS.depth or state.parts >= M.LIMITS.parts or state.work > state.budget then
    e.truncated = true
    return e
  end
  if sub(ctype, 1, 10) == "multipart/" then
    -- a boundary parameter left unindented on the next line still counts
    local boundary = M.param(ct, "boundary") or M.param(headers.text, "boundary")
    if boundary and boundary ~= "" then
      local s2, b2, e2 = M.raw_range(e)
      if inside then
        -- below a message/rfc822 part (the returned message): split only
        -- when someone reads `parts` (most readers want its header only)
        setmetatable(e, { __index = function(t, k)
          if k ~= "parts" then return nil end
          setmetatable(t, nil)
          t.parts = M.split_multipart(s2, b2, e2, boundary, depth, state, true)
          return t.parts
        end })
      else
        e.parts = M.split_multipart(s2, b2, e2, boundary, depth, state)
      end
    end
  elseif ctype == "message/rfc822" or ctype == "message/global" then
    -- the returned message (or a bounce forwarded as an attachment)
    local s2, b2, e2 = M.raw_range(e)
    e.message = parse_range(s2, b2, e2, depth + 1, state, true)
  end
  return e
end

--- Parse a whole message into an entity tree.
-- Entities are offsets into the one message string: `src` with the body
-- at `src[bs..be]` (still transfer-encoded; see `body`, `decoded`, `text`),
-- `headers` (with `.map`), `ctype` (lower-case type/subtype), `parts` (for
-- multipart), `message` (for message/rfc822 and its kin), `depth`, and
-- `state` (counters shared by the whole tree: `parts`, `work` = bytes
-- scanned, `decoded` = bytes decoded). Only a part whose transfer encoding
-- must be undone is copied, within `LIMITS.decode`; total work is capped
-- at `LIMITS.work_factor` times the input. Never raises on bad input.
-- @tparam string s message with LF line endings
-- @treturn table entity
function M.parse(s)
  return parse_range(s, 1, #s, 0, new_state(#s))
end

--- The raw (still transfer-encoded) body of an entity, as a copy.
-- @tparam table e entity
-- @treturn string
function M.body(e)
  return sub(e.src, e.bs, e.be)
end

--- The range holding the entity's body without its transfer encoding:
-- the message itself when the encoding is identity, else a decoded copy.
-- @local
function M.raw_range(e)
  local cte = lower(e.headers.map["content-transfer-encoding"] or "")
  if not (find(cte, "base64", 1, true) or find(cte, "quoted-printable", 1, true)) then
    return e.src, e.bs, e.be
  end
  local d = M.decoded(e)
  return d, 1, #d
end

-- The next delimiter line at or after `from` (nil when there is none
-- before `j`); counts the bytes scanned.
local function next_delim(src, from, j, d, state)
  local nd = "\n" .. d
  while true do
    local p
    if sub(src, from, from + #d - 1) == d and (from == 1 or byte(src, from - 1) == 10) then p = from
    else
      p = find(src, nd, from, true)
      state.work = state.work + ((p or #src) - from + 1)
      if not p or p + 1 > j then return nil end
      p = p + 1
    end
    local after = p + #d
    if after > j or sub(src, after, after + 1) == "--" or match(src, "^[ \t]*\n", after) then
      return p
    end
    from = after
  end
end

--- Split a multipart body (src[i..j]) at its boundary and parse each part.
-- A missing closing boundary ends the last part at the end of the body.
-- @local
function M.split_multipart(src, i, j, boundary, depth, state, inside)
  local parts = {}
  local d = "--" .. boundary
  local pos = next_delim(src, i, j, d, state)
  while pos do
    local after = pos + #d
    if sub(src, after, after + 1) == "--" then break end
    local eol = find(src, "\n", after, true)
    if not eol or eol >= j then break end
    local np = next_delim(src, eol, j, d, state)
    if state.parts >= M.LIMITS.parts or state.work > state.budget then break end
    parts[#parts + 1] = parse_range(src, eol + 1, (np or j + 2) - 2, depth + 1, state, inside)
    pos = np
  end
  return parts
end

--- The body of an entity with its Content-Transfer-Encoding removed.
-- Bodies over `LIMITS.decode` are cut, and once the whole tree has decoded
-- `LIMITS.decode_total` bytes further parts decode to "" (marked truncated).
-- @tparam table e entity
-- @treturn string
function M.decoded(e)
  if e.decoded_body then return e.decoded_body end
  local cte = lower(e.headers.map["content-transfer-encoding"] or "")
  local state = e.state
  local room = M.LIMITS.decode
  if state then room = math.min(room, M.LIMITS.decode_total - state.decoded) end
  if room <= 0 then e.truncated = true; e.decoded_body = ""; return "" end
  local be = e.be
  if be - e.bs + 1 > room then be = e.bs + room - 1; e.truncated = true end
  local body = sub(e.src, e.bs, be)
  if find(cte, "base64", 1, true) then
    body = M.base64(body)
  elseif find(cte, "quoted-printable", 1, true) then
    body = M.qp(body)
  end
  if state then state.decoded = state.decoded + #body end
  e.decoded_body = body
  return body
end

--- The body as UTF-8 text (transfer encoding and charset removed).
-- @tparam table e entity
-- @treturn string
function M.text(e)
  if e.text_body then return e.text_body end
  local cs = M.param(e.ctvalue, "charset")
  local t = charset.to_utf8(M.decoded(e), cs)
  t = M.normalize(t)
  e.text_body = t
  return t
end

--- Visit every entity depth-first; `fn(entity, inside_message)` where
-- `inside_message` is true below a message/rfc822 part.
-- @tparam table e entity
-- @tparam function fn visitor
-- @tparam[opt] boolean inside whether `e` is below a message/rfc822 part
-- @tparam[opt] boolean outside_only visit a message/rfc822 part's message
--   but not its parts (they are split only when read)
function M.walk(e, fn, inside, outside_only)
  fn(e, inside or false)
  if inside and outside_only then return end
  if e.parts then
    for i = 1, #e.parts do M.walk(e.parts[i], fn, inside, outside_only) end
  end
  if e.message then M.walk(e.message, fn, true, outside_only) end
end

return M
