--- DKIM canonicalization (RFC 6376 3.4) and message splitting.
--
-- A message is split once into header fields (raw, folded as received)
-- and a body; line ends are normalised to CRLF first (a message saved to a
-- file often has LF only). Pure Lua; linear in the message size.
-- @module spfkit.dkim.canon

local M = {}

local find, sub, gsub, lower = string.find, string.sub, string.gsub, string.lower
local concat = table.concat

-- Only header lines without a colon before this many bytes are skipped.
local function field_name(line)
  return line:match("^([\33-\57\59-\126]+)[ \t]*:")
end

--- Split a raw message.
-- @tparam string raw RFC 5322 message (CRLF or LF line ends); may be
--   headers only
-- @treturn table fields `{ {name = "From", raw = "From: a@b\r\n\tc"}, ... }`
--   (raw without its final CRLF)
-- @treturn ?string body (CRLF line ends), nil when the message has no
--   blank line after its headers (headers only)
function M.split(raw)
  raw = gsub(raw, "\r?\n", "\r\n")
  local fields, pos, n = {}, 1, #raw
  while pos <= n do
    local e = find(raw, "\r\n", pos, true)
    local line = sub(raw, pos, (e or n + 1) - 1)
    local nextpos = e and e + 2 or n + 1
    if line == "" then return fields, sub(raw, nextpos) end
    local c = sub(line, 1, 1)
    if (c == " " or c == "\t") and #fields > 0 then
      local f = fields[#fields]
      f.parts[#f.parts + 1] = line
    elseif field_name(line) then
      fields[#fields + 1] = { name = field_name(line), parts = { line } }
    end
    pos = nextpos
  end
  return fields, nil
end

--- The raw text of a split field (folded lines joined by CRLF).
-- @tparam table f a field from `split`
-- @treturn string
function M.raw(f)
  if not f.raw then f.raw = concat(f.parts, "\r\n") end
  return f.raw
end

--- One header field, canonicalized, without the final CRLF.
-- @tparam string raw the field as in the message ("Name: value" folded)
-- @tparam string alg "simple" or "relaxed"
-- @treturn string
function M.header(raw, alg)
  if alg == "simple" then return raw end
  local name, value = raw:match("^([^:]*):(.*)$")
  name = lower(gsub(name, "[ \t]+$", ""))
  value = gsub(gsub(value, "\r\n", ""), "[ \t]+", " ")
  value = gsub(gsub(value, "^ ", ""), " $", "")
  return name .. ":" .. value
end

-- Drop every empty line at the end (CRLF pairs), linear time.
local function strip_trailing_crlf(b)
  local e = #b
  while e >= 2 and sub(b, e - 1, e) == "\r\n" do e = e - 2 end
  return sub(b, 1, e)
end

--- The body, canonicalized.
-- @tparam string body CRLF line ends
-- @tparam string alg "simple" or "relaxed"
-- @treturn string
function M.body(body, alg)
  if alg == "relaxed" then
    body = gsub(gsub(body, "[ \t]+\r\n", "\r\n"), "[ \t]+", " ")
    body = gsub(body, " $", "")
    body = strip_trailing_crlf(body)
    if body == "" then return "" end
    return body .. "\r\n"
  end
  body = strip_trailing_crlf(body)
  return body .. "\r\n"
end

--- Parse a c= value.
-- @tparam ?string c e.g. "relaxed/simple"; nil means simple/simple
-- @treturn ?string header algorithm ("simple"|"relaxed"), nil when invalid
-- @treturn ?string body algorithm
function M.parse_c(c)
  if c == nil then return "simple", "simple" end
  local h, b = lower(c):match("^([a-z]+)/?([a-z]*)$")
  if b == "" then b = "simple" end
  local ok = { simple = true, relaxed = true }
  if not (h and ok[h] and ok[b]) then return nil end
  return h, b
end

return M
