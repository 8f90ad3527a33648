--- The diagnosis report object and its renderers: text for a terminal,
-- JSON for panels (schema "spfkit.diagnosis/1", documented in README.md),
-- and a self-contained, escaped HTML fragment. `tostring(report)` is the
-- text form.
--
-- Every string that came from outside (the bounce, DNS answers) is treated
-- as untrusted: JSON output is valid UTF-8 with `<`, `>` and `&` escaped,
-- HTML output escapes everything, and control characters are removed from
-- the terminal text.
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.report

local i18n = require "spfkit.i18n"
local json = require "spfkit.json"
local words = require "spfkit.report.words"
local errors = require "spfkit.errors"

local M = {}

M.SCHEMA = "spfkit.diagnosis/2"

local type, pairs, ipairs, tostring, concat, sort = type, pairs, ipairs, tostring, table.concat, table.sort
local gsub, rep = string.gsub, string.rep

-- Keys of the report that renderers export, in the order the text shows them.
M.FIELDS = { "schema", "lang", "status", "case", "reason", "domain", "ip", "ip_from", "sender", "summary",
             "summary_code", "summary_params", "findings", "steps", "fix", "whatif", "spf", "dmarc", "ptr",
             "relay", "bounce", "error", "provider", "dkim" }

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

-- Text ----------------------------------------------------------------------

local function clean(s)
  s = M.utf8_clean(tostring(s))
  return (gsub(s, "[%z\1-\8\11-\31\127]", ""))
end

local function wrap_lines(s, indent)
  return (gsub(clean(s), "\n", "\n" .. indent))
end

local function L(r, code, params) return i18n.text(code, r.lang, params) end

local SEVERITY_MARK = { error = "✗", warning = "!", info = "i" }

-- Display width in a terminal: East Asian characters (3- and 4-byte UTF-8
-- sequences, in practice) take two columns.
local function width(s)
  local w = 0
  for c in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    w = w + (#c >= 3 and 2 or 1)
  end
  return w
end

local function fix_rows(r)
  local f = r.fix
  if not f or f.action == "none" then return nil end
  local rows = {
    { L(r, "label-action"), L(r, "fix-action-" .. f.action) },
    { L(r, "label-name"), f.name .. (f.fqdn and ("  (" .. f.fqdn .. ")") or "") },
    { L(r, "label-type"), f.type },
    { L(r, "label-value"), f.presentation },
    { L(r, "label-ttl"), tostring(f.ttl) },
  }
  if f.before then rows[#rows + 1] = { L(r, "label-before"), f.before } end
  if f.zone_line then rows[#rows + 1] = { L(r, "label-zone-line"), f.zone_line } end
  return rows
end

--- The report as terminal text.
-- @treturn string
function M.text(r)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local subject = concat({ r.domain or "", r.ip or "" }, r.domain and r.ip and " / " or "")
  add(L(r, "label-title") .. (subject ~= "" and (": " .. clean(subject)) or ""))
  add("")
  add(wrap_lines(r.summary or "", ""))
  if r.findings and #r.findings > 0 then
    add("")
    add(L(r, "label-findings"))
    for _, f in ipairs(r.findings) do
      add(("  %s [%s] %s"):format(SEVERITY_MARK[f.severity] or "-", f.code, wrap_lines(f.message, "      ")))
    end
  end
  local rows = fix_rows(r)
  if rows then
    add("")
    add(L(r, "label-fix"))
    local widest = 0
    for _, row in ipairs(rows) do widest = math.max(widest, width(row[1])) end
    for _, row in ipairs(rows) do
      add("  " .. row[1] .. rep(" ", widest - width(row[1])) .. "  " .. clean(row[2]))
    end
  end
  if r.whatif then
    add("")
    add(L(r, "label-whatif") .. " " .. wrap_lines(r.whatif.message or r.whatif.result, "  "))
  end
  if r.steps and #r.steps > 0 then
    add("")
    add(L(r, "label-steps"))
    for _, s in ipairs(r.steps) do
      add(("  %d. %s"):format(s.number, wrap_lines(s.text, "     ")))
    end
  end
  return concat(out, "\n") .. "\n"
end

--- The report as JSON (schema `spfkit.diagnosis/1`).
-- @treturn string
function M.json(r)
  return M.json_encode(export(r))
end

-- HTML ----------------------------------------------------------------------

local HTML_ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Escape text for HTML element content and attribute values.
-- @tparam string s
-- @treturn string
function M.escape_html(s)
  return (gsub(clean(s), "[&<>\"']", HTML_ESC))
end
local esc = M.escape_html

local CLASS_SAFE = "[^%w%-]"

local STYLE = ".spfkit-report{font:14px/1.6 sans-serif;border:1px solid #ccc;border-radius:6px;"
  .. "padding:1em;max-width:60em}.spfkit-report code,.spfkit-report pre{font-family:monospace;"
  .. "background:#f5f5f5;padding:0 .2em;white-space:pre-wrap;word-break:break-all}"
  .. ".spfkit-report .spfkit-error{color:#a40000}.spfkit-report .spfkit-warning{color:#8a5a00}"
  .. ".spfkit-report th{text-align:left;padding-right:1em;vertical-align:top}"

--- The report as a self-contained HTML fragment (inline style, no scripts,
-- no external resources; every value escaped).
-- @treturn string
function M.html(r)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local status = gsub(tostring(r.status), CLASS_SAFE, "")
  add(('<section class="spfkit-report spfkit-status-%s" lang="%s">'):format(status, esc(r.lang)))
  add("<style>" .. STYLE .. "</style>")
  local subject = concat({ r.domain or "", r.ip or "" }, r.domain and r.ip and " / " or "")
  add("<h2>" .. esc(L(r, "label-title")) .. (subject ~= "" and (": " .. esc(subject)) or "") .. "</h2>")
  add('<p class="spfkit-summary">' .. esc(r.summary or "") .. "</p>")
  if r.findings and #r.findings > 0 then
    add("<h3>" .. esc(L(r, "label-findings")) .. "</h3>")
    add('<ul class="spfkit-findings">')
    for _, f in ipairs(r.findings) do
      add(('<li class="spfkit-%s"><code>%s</code> %s</li>'):format(gsub(tostring(f.severity), CLASS_SAFE, ""),
        esc(f.code), esc(f.message)))
    end
    add("</ul>")
  end
  local rows = fix_rows(r)
  if rows then
    add("<h3>" .. esc(L(r, "label-fix")) .. "</h3>")
    add('<table class="spfkit-fix">')
    for _, row in ipairs(rows) do
      add(("<tr><th>%s</th><td><code>%s</code></td></tr>"):format(esc(row[1]), esc(row[2])))
    end
    add("</table>")
  end
  if r.whatif then
    add('<p class="spfkit-whatif"><strong>' .. esc(L(r, "label-whatif")) .. "</strong> "
        .. esc(r.whatif.message or r.whatif.result) .. "</p>")
  end
  if r.steps and #r.steps > 0 then
    add("<h3>" .. esc(L(r, "label-steps")) .. "</h3>")
    add('<ol class="spfkit-steps">')
    for _, s in ipairs(r.steps) do add("<li>" .. esc(s.text) .. "</li>") end
    add("</ol>")
  end
  local b = r.bounce
  if b and b.diagnostic then
    add("<details><summary>" .. esc(L(r, "label-bounce")) .. "</summary><pre>"
        .. esc(b.diagnostic) .. "</pre></details>")
  end
  add("</section>")
  return concat(out, "\n") .. "\n"
end

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
