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

local core = require "spfkit.core"
local i18n = require "spfkit.i18n"
local repair = require "spfkit.repair"

local M = {}

local type, pairs, ipairs, tostring, error = type, pairs, ipairs, tostring, error
local concat = table.concat

--- Longest TXT character-string (RFC 1035 section 3.3; `spfkit.LIMITS.txt_string`).
M.MAX_STRING = core.LIMITS.txt_string
--- TTL used when none is given.
M.DEFAULT_TTL = 3600
--- Shortest TTL the notices accept.
M.MIN_TTL = 60

--- Split a value into character-strings of at most `max` bytes, cutting
-- after a space where one is near, so that each string stays readable.
-- Receivers join the strings without adding anything (RFC 7208 3.3).
-- @tparam string text
-- @tparam[opt] number max default `M.MAX_STRING` (255)
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

local function check_args(record, opts)
  if type(record) == "table" and type(record.text) == "string" then record = record.text end
  if type(record) ~= "string" then
    error("spfkit.txt: expected a record string, got " .. type(record), 3)
  end
  if opts ~= nil and type(opts) ~= "table" then error("spfkit.txt: opts must be a table", 3) end
  opts = opts or {}
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then error("spfkit.txt: unknown option '" .. tostring(k) .. "'", 3) end
    if type(v) ~= want then error("spfkit.txt: option '" .. k .. "' must be a " .. want, 3) end
  end
  return record, opts
end

local function add_note(notes, code, params)
  notes[#notes + 1] = { code = code, params = params, message = i18n.message(code, params) }
end

-- The owner: "@" or a label relative to the zone, and the FQDN when known.
local function owner(given, domain)
  if not given or given == "@" or given == "" then
    return "@", domain and domain .. "."
  end
  local g = norm(given)
  if domain and g == domain then return "@", domain .. "." end
  if domain and g:sub(-#domain - 1) == "." .. domain then
    local name = g:sub(1, -#domain - 2)
    return name, name .. "." .. domain .. "."
  end
  if given:sub(-1) == "." or not domain then return g, g .. "." end
  return g, g .. "." .. domain .. "."
end

-- How to enter it: the name field, type, quotes, strings, TTL.
local function entry_notes(notes, name, fqdn, domain, nstrings, ttl)
  local shown = domain or "example.jp"
  if name == "@" then
    add_note(notes, "txt-name", { fqdn = shown .. ".", bare = shown, doubled = shown .. "." .. shown })
  else
    local full = fqdn and fqdn:gsub("%.$", "") or (name .. "." .. shown)
    add_note(notes, "txt-name-sub", { name = name, fqdn = full .. ".", bare = full, doubled = full .. "." .. shown })
  end
  add_note(notes, "txt-type")
  add_note(notes, "txt-quotes")
  if nstrings > 1 then add_note(notes, "txt-split", { count = nstrings, limit = M.MAX_STRING }) end
  add_note(notes, ttl < M.MIN_TTL and "txt-ttl-low" or "txt-ttl", { ttl = ttl })
  add_note(notes, "txt-one-record")
  add_note(notes, "txt-propagation")
end

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
  record, opts = check_args(record, opts)
  local notes = {}
  local text, issues = repair.repair(record)
  local rec, perr = core.parse(text)
  if not rec then
    return nil, i18n.err("syntax", { term = text:match("^[^ ]*", perr.position), position = perr.position,
      error_code = perr.code, detail = perr.message })
  end
  for _, is in ipairs(issues) do
    if not (is.code == "quoted-value" and not is.params.typographic) then add_note(notes, is.code, is.params) end
  end
  local strings, quoted = M.split(text), {}
  for i, s in ipairs(strings) do quoted[i] = M.quote(s) end
  local presentation = concat(quoted, " ")
  local domain = opts.domain and norm(opts.domain)
  local name, fqdn = owner(opts.name, domain)
  local ttl = opts.ttl or M.DEFAULT_TTL
  entry_notes(notes, name, fqdn, domain, #strings, ttl)
  return {
    value = text, strings = strings, presentation = presentation, type = "TXT",
    name = name, fqdn = fqdn, ttl = ttl, length = #text,
    zone_line = (fqdn or name) .. " " .. tostring(ttl) .. " IN TXT " .. presentation,
    notes = notes,
  }
end

return M
