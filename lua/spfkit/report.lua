--- The diagnosis report object: codes and params from the diagnosis,
-- messages filled in one language (`spfkit.report.words`), and three
-- renderers — text for a terminal (`spfkit.report.text`), JSON for panels
-- (schema "spfkit.diagnosis/2", documented in README.md) and a
-- self-contained, escaped HTML fragment (`spfkit.report.html`).
-- `tostring(report)` is the text form; `report:render(lang)` the same
-- report in another language; `from_json` a stored one back.
--
-- Every string that came from outside (the bounce, DNS answers) is treated
-- as untrusted: JSON output is valid UTF-8 with `<`, `>` and `&` escaped,
-- HTML output escapes everything, and control characters are removed from
-- the terminal text.
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.report

local json = require "spfkit.json"
local words = require "spfkit.report.words"
local text = require "spfkit.report.text"
local html = require "spfkit.report.html"
local errors = require "spfkit.errors"

local M = {}

M.SCHEMA = "spfkit.diagnosis/2"

local type, pairs, ipairs, tostring, sort = type, pairs, ipairs, tostring, table.sort

-- Keys of the report that renderers export, in the order the text shows them.
M.FIELDS = { "schema", "lang", "status", "case", "reason", "domain", "ip", "ip_from", "sender", "summary",
             "summary_code", "summary_params", "findings", "steps", "fix", "whatif", "spf", "dmarc", "ptr",
             "relay", "bounce", "error", "provider", "receiver", "dkim" }

M.array = json.array

-- Array-valued fields, so that empty ones still encode as [].
json.set_array_keys{ findings = true, steps = true, names = true, records = true, rua = true, ruf = true,
                     other_txt = true, strings = true, terms = true, flattened = true }

local SEVERITY_RANK = { error = 1, warning = 2, info = 3 }

--- Findings ordered by importance: errors, warnings, then notes, keeping
-- the order within a severity (a stable sort).
-- @tparam table findings list of `{severity = ..., ...}`
-- @treturn table a new list
function M.by_severity(findings)
  local idx = {}
  for i, f in ipairs(findings) do idx[i] = { f, i } end
  sort(idx, function(a, b)
    local ra, rb = SEVERITY_RANK[a[1].severity] or 4, SEVERITY_RANK[b[1].severity] or 4
    if ra ~= rb then return ra < rb end
    return a[2] < b[2]
  end)
  local out = {}
  for i, p in ipairs(idx) do out[i] = p[1] end
  return out
end

M.utf8_clean = json.utf8_clean
M.json_encode = json.encode

-- The exported (plain data) form of a report.
local function export(r)
  local t = {}
  for _, k in ipairs(M.FIELDS) do t[k] = r[k] end
  return t
end

-- Renderers ------------------------------------------------------------------

--- The report as terminal text (spfkit.report.text).
-- @treturn string
function M.text(r) return text.render(r) end

--- The report as JSON (schema `spfkit.diagnosis/1`).
-- @treturn string
function M.json(r)
  return M.json_encode(export(r))
end

--- The report as a self-contained HTML fragment (spfkit.report.html).
-- @treturn string
function M.html(r) return html.render(r) end

--- Escape text for HTML element content and attribute values.
M.escape_html = html.escape

-- Objects --------------------------------------------------------------------

local MT = { __tostring = M.text }

-- A deep copy of plain data (no messages shared between two renderings).
local function copy(v, depth)
  if type(v) ~= "table" or depth > 32 then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x, depth + 1) end
  return setmetatable(t, getmetatable(v) == MT and nil or getmetatable(v))
end

--- The same report in another language (no DNS asked again).
-- @tparam string lang "en" or "ja"
-- @treturn table a new report object
function M.render(r, lang)
  if lang ~= "en" and lang ~= "ja" then
    error("report:render: lang must be \"en\" or \"ja\", got " .. tostring(lang), 2)
  end
  local t = copy(export(r), 0)
  t.lang = lang
  return M.new(t)
end

local METHODS = { text = M.text, json = M.json, html = M.html, render = M.render }
MT.__index = METHODS

--- Make a report object from its fields (codes and params; the messages
-- are filled in `fields.lang`).
-- @tparam table fields
-- @treturn table the report (methods `text`, `json`, `html`, `render`; `tostring`)
function M.new(fields)
  fields.schema = M.SCHEMA
  fields.lang = fields.lang or "en"
  fields.findings = M.array(fields.findings or {})
  fields.steps = M.array(fields.steps or {})
  words.fill(fields)
  return setmetatable(fields, MT)
end

--- Rebuild a report from its JSON (`report:json()`), e.g. one stored by a
-- panel, to render it again in any language.
-- @tparam string s the JSON text
-- @return the report object, or `nil, err` (code "bad-report")
function M.from_json(s)
  local t, why = json.decode(s)
  if type(t) ~= "table" then
    return nil, errors.new("bad-report", "not a report: " .. tostring(why or "not an object"))
  end
  if type(t.schema) ~= "string" or not t.schema:find("^spfkit%.diagnosis/") then
    return nil, errors.new("bad-report", "not a spfkit diagnosis (schema " .. tostring(t.schema) .. ")")
  end
  if t.schema ~= M.SCHEMA then
    return nil, errors.new("bad-report", "schema " .. t.schema .. " is not " .. M.SCHEMA .. " (no codes to render)")
  end
  if t.lang ~= "en" and t.lang ~= "ja" then t.lang = "en" end
  local ok, r = pcall(M.new, t)
  if not ok then return nil, errors.new("bad-report", "report fields of the wrong shape") end
  return r
end

--- Whether a value is a report.
function M.is_report(v) return getmetatable(v) == MT end

return M
