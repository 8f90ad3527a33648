--- Pieces both report renderers use: control characters removed, labels
-- in the report's language, and the rows of the fix table.
-- @module spfkit.report.parts

local i18n = require "spfkit.i18n"
local json = require "spfkit.json"

local M = {}

local type, tostring, gsub = type, tostring, string.gsub

--- Text without control characters (except newline and tab), valid UTF-8.
function M.clean(s)
  s = json.utf8_clean(tostring(s))
  return (gsub(s, "[%z\1-\8\11-\31\127]", ""))
end

--- A label of the catalog in the report's language.
function M.label(r, code, params) return i18n.text(code, r.lang, params) end

--- The rows `{label, value}` of the fix, or nil when there is none.
function M.fix_rows(r)
  local L = M.label
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

--- The rows `{label, value}` of the DKIM record to publish, or nil.
function M.dkim_rows(r)
  local L = M.label
  local f = type(r.dkim) == "table" and r.dkim.fix
  if type(f) ~= "table" then return nil end
  local rows = {
    { L(r, "label-name"), tostring(f.name) .. (f.fqdn and ("  (" .. f.fqdn .. ")") or "") },
    { L(r, "label-type"), tostring(f.type) },
    { L(r, "label-value"), f.presentation or f.value or L(r, "label-dkim-from-panel") },
  }
  if f.zone then table.insert(rows, 1, { L(r, "label-dkim-zone"), f.zone }) end
  return rows
end

--- "domain / ip" (what the report is about), or "".
function M.subject(r)
  return table.concat({ r.domain or "", r.ip or "" }, r.domain and r.ip and " / " or "")
end

return M
