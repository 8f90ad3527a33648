--- A lint finding: `{ code, severity, params, term, position, domain,
-- fix?, kind?, message }`. The words come from the i18n catalog: `message`
-- is rendered in the lint call's `lang` when given, else kept as the
-- `{ en =, ja = }` pair that older callers read.
-- @module spfkit.lint.finding

local i18n = require "spfkit.i18n"

local M = {}

local pairs = pairs

-- Findings about someone else's record (an included one) are only info.
local DOWNGRADE = {
  ptr = true, ["no-all"] = true, ["after-all"] = true, ["redirect-ignored"] = true,
  ["private-address"] = true, ["wide-range"] = true, ["a-no-address"] = true,
  ["mx-no-address"] = true, ["duplicate-include"] = true,
}

--- The message of a finding in `lang`, or in every language without one.
function M.message(code, params, lang)
  if lang then return i18n.text(code, lang, params) end
  return i18n.message(code, params)
end

--- Add a finding about `node` (a tree node; nil for the call itself) to
-- `st.findings`; returns it.
function M.add(st, code, severity, node, term, position, params)
  if node and node ~= st.root and severity == "warning" and DOWNGRADE[code] then severity = "info" end
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  p.term = p.term or term
  p.domain = p.domain or (node and node.domain)
  local f = {
    code = code, severity = severity, term = term, position = position, params = p,
    domain = node and node.domain, message = M.message(code, p, st.lang),
    fix = p.fix, kind = p.kind,
  }
  st.findings[#st.findings + 1] = f
  return f
end

return M
