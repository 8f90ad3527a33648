--- TXT presentation: how to enter an SPF record in a DNS panel or a zone
-- file, with the guidance the hosting notices give (record name with the
-- trailing dot or "@", type TXT not SPF, quotes, TTL of 60 or more).
--
--    spfkit.txt("v=spf1 ip4:164.0.1.2 ~all", { domain = "example.jp" })
--    --> { presentation = '"v=spf1 ip4:164.0.1.2 ~all"', name = "@",
--    --    fqdn = "example.jp.", type = "TXT", ttl = 3600,
--    --    zone_line = 'example.jp. 3600 IN TXT "v=spf1 ip4:164.0.1.2 ~all"', ... }
--
-- @module spfkit.txt

local i18n = require "spfkit.i18n"

local M = {}

local type, pairs, ipairs, tostring, error = type, pairs, ipairs, tostring, error
local concat = table.concat

--- Longest TXT character-string (RFC 1035 section 3.3).
M.MAX_STRING = 255
--- TTL used when none is given.
M.DEFAULT_TTL = 3600
--- Shortest TTL the notices accept.
M.MIN_TTL = 60

--- Split a value into character-strings of at most `max` bytes, cutting
-- after a space where one is near, so that each string stays readable.
-- Receivers join the strings without adding anything (RFC 7208 3.3).
-- @tparam string text
-- @tparam[opt] number max default 255
-- @treturn table the strings
function M.split(text, max)
  max = max or M.MAX_STRING
  local out = {}
  local i, n = 1, #text
  if n == 0 then return { "" } end
  while i <= n do
    local j = i + max - 1
    if j >= n then
      out[#out + 1] = text:sub(i)
      break
    end
    local chunk = text:sub(i, j)
    local cut = chunk:match(".*() ")            -- last space in the chunk
    if cut and cut > max / 2 then j = i + cut - 1 end
    out[#out + 1] = text:sub(i, j)
    i = j + 1
  end
  return out
end

--- One character-string in zone-file form: quoted, `"` and `\` escaped,
-- other unprintable bytes as `\DDD`.
-- @tparam string s
-- @treturn string
function M.quote(s)
  return '"' .. s:gsub('[%c"\\\128-\255]', function(c)
    if c == '"' or c == "\\" then return "\\" .. c end
    return ("\\%03d"):format(c:byte())
  end) .. '"'
end

local function norm(d)
  return (d:lower():gsub("%.$", ""))
end

local OPTIONS = { domain = "string", name = "string", ttl = "number" }

--- The zone-file presentation of an SPF record and how to enter it.
-- @tparam string|table record the record text (a table from `spfkit.parse`
--   is accepted too); quotes around it are removed first
-- @tparam[opt] table opts `{ domain = "example.jp" (the zone), name = "@"
--   (the owner: "@", a label such as "mail", or a full name), ttl = 3600 }`
-- @treturn[1] table `{ value = <record text>, strings = {<=255 bytes each},
--   presentation = '"v=spf1 ..." "..."', type = "TXT", name = "@" | "mail",
--   fqdn = "example.jp." (nil without domain), ttl, zone_line =
--   'example.jp. 3600 IN TXT "v=spf1 ..."', length = <bytes>, notes = {
--   {code, message = {en, ja}} } }`
-- @treturn[2] nil
-- @treturn[2] table err `{ code = "syntax", message, message_ja, position }`
--   when the text is not a valid SPF record
-- @raise on wrong argument types or unknown options
function M.txt(record, opts)
  if type(record) == "table" and type(record.text) == "string" then record = record.text end
  if type(record) ~= "string" then
    error("spfkit.txt: expected a record string, got " .. type(record), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then error("spfkit.txt: opts must be a table", 2) end
  opts = opts or {}
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then error("spfkit.txt: unknown option '" .. tostring(k) .. "'", 2) end
    if type(v) ~= want then error("spfkit.txt: option '" .. k .. "' must be a " .. want, 2) end
  end
  local lint = require "spfkit.lint"
  local notes = {}
  local function note(code, params)
    notes[#notes + 1] = { code = code, message = i18n.message(code, params) }
  end

  local text, issues = lint.repair(record)
  local rec, perr = require("spfkit").parse(text)
  if not rec then
    return nil, i18n.err("syntax", { term = text:match("^[^ ]*", perr.position), position = perr.position,
      error_code = perr.code, detail = perr.message })
  end
  for _, is in ipairs(issues) do
    if not (is.code == "quoted-value" and not is.params.typographic) then note(is.code, is.params) end
  end

  local strings = M.split(text)
  local quoted = {}
  for i, s in ipairs(strings) do quoted[i] = M.quote(s) end
  local presentation = concat(quoted, " ")

  -- owner name
  local domain = opts.domain and norm(opts.domain)
  local name, fqdn = "@", nil
  local given = opts.name
  if given and given ~= "@" and given ~= "" then
    local g = norm(given)
    if domain and g == domain then
      name = "@"
    elseif domain and g:sub(-#domain - 1) == "." .. domain then
      name = g:sub(1, -#domain - 2)
    elseif given:sub(-1) == "." or not domain then
      name = g
      fqdn = g .. "."
    else
      name = g
    end
  end
  if domain and not fqdn then fqdn = (name == "@" and domain or (name .. "." .. domain)) .. "." end
  local shown = domain or "example.jp"
  if name == "@" then
    note("txt-name", { fqdn = shown .. ".", bare = shown, doubled = shown .. "." .. shown })
  else
    local full = fqdn and fqdn:gsub("%.$", "") or (name .. "." .. shown)
    note("txt-name-sub", { name = name, fqdn = full .. ".", bare = full, doubled = full .. "." .. shown })
  end
  note("txt-type")
  note("txt-quotes")
  if #strings > 1 then note("txt-split", { count = #strings }) end
  local ttl = opts.ttl or M.DEFAULT_TTL
  if ttl < M.MIN_TTL then note("txt-ttl-low", { ttl = ttl }) else note("txt-ttl", { ttl = ttl }) end
  note("txt-one-record")
  note("txt-propagation")

  return {
    value = text, strings = strings, presentation = presentation, type = "TXT",
    name = name, fqdn = fqdn, ttl = ttl, length = #text,
    zone_line = (fqdn or name) .. " " .. tostring(ttl) .. " IN TXT " .. presentation,
    notes = notes,
  }
end

return M
