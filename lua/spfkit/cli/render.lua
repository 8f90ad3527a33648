--- The command line's output for the commands that are not a diagnosis
-- (check, lint, suggest, audit): aligned label/value rows, finding lists,
-- the include tree, JSON, CSV and the progress bar. A diagnosis prints only
-- through its report's own renderers (`report:text()`, `:json()`, `:html()`).
--
-- Every function takes the command's context `ctx` (`env.stdout`,
-- `env.stderr`, `lang`); words come from the catalog (`spfkit.i18n.cli`).
-- Text from outside (DNS, files) is made safe for a terminal first.
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.cli.render

local i18n = require "spfkit.i18n"
local report = require "spfkit.report"   -- JSON encoder, UTF-8 repair, severity order

local M = {}

local type, ipairs, tostring = type, ipairs, tostring
local concat, rep, floor, max = table.concat, string.rep, math.floor, math.max

--- Write to standard output.
function M.write(ctx, ...) ctx.env.stdout:write(...) end

--- A catalog text in the context's language.
-- @tparam table ctx
-- @tparam string code
-- @tparam[opt] table params
-- @treturn string
function M.T(ctx, code, params) return i18n.text(code, ctx.lang, params) end

--- Text from outside made safe for a terminal: valid UTF-8, no control
-- characters.
-- @param s anything
-- @treturn string
function M.clean(s)
  s = report.utf8_clean(tostring(s))
  return (s:gsub("[%c\127]", "?"))
end

--- A message in the context's language: a `{code, params}` finding or error
-- said by the catalog, else its `{en, ja}` / `message`, `message_ja` text.
-- @tparam table ctx
-- @param m a table or a string
-- @treturn string
function M.msg(ctx, m)
  if type(m) ~= "table" then return tostring(m) end
  if type(m.code) == "string" and type(m.params) == "table" and i18n.has(m.code) then
    return M.T(ctx, m.code, m.params)
  end
  if ctx.lang == "ja" then return m.message_ja or m.ja or m.message or m.en or tostring(m.code) end
  return m.message or m.en or tostring(m.code)
end

-- The words of a finding: its message, else its code and params.
local function finding_text(ctx, f)
  if f.message ~= nil then return M.msg(ctx, f.message) end
  return M.T(ctx, f.code, f.params or {})
end

--- Display width: 3- and 4-byte UTF-8 sequences (CJK) take two columns.
-- @tparam string s
-- @treturn number
function M.width(s)
  local w = 0
  for c in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do w = w + (#c >= 3 and 2 or 1) end
  return w
end

--- `s` padded with spaces to `w` columns.
function M.pad(s, w) return s .. rep(" ", max(0, w - M.width(s))) end

--- Rows of `{ label, value }` as aligned "  label  value" lines.
-- @tparam table ctx
-- @tparam table rows
-- @tparam[opt] string indent default two spaces
function M.rows(ctx, rows, indent)
  local widest = 0
  for _, row in ipairs(rows) do widest = max(widest, M.width(row[1])) end
  for _, row in ipairs(rows) do
    M.write(ctx, indent or "  ", M.pad(row[1], widest), "  ", row[2], "\n")
  end
end

--- "count/limit", e.g. "3/10".
-- @tparam number count
-- @tparam number limit
-- @treturn string
function M.limit(count, limit) return tostring(count or 0) .. "/" .. tostring(limit) end

--- A table marked as a JSON array (so that an empty one is `[]`).
function M.array(t) return report.array(t or {}) end

--- A value encoded as JSON, as one line.
function M.json(ctx, value) M.write(ctx, report.json_encode(value), "\n") end

--- A value encoded as JSON, as a string.
M.json_encode = report.json_encode

--- Findings ordered errors, warnings, then notes.
M.by_severity = report.by_severity

--- Errors and warnings among findings.
-- @tparam table findings
-- @treturn number errors
-- @treturn number warnings
function M.counts(findings)
  local errors, warnings = 0, 0
  for _, f in ipairs(findings) do
    if f.severity == "error" then errors = errors + 1
    elseif f.severity == "warning" then warnings = warnings + 1 end
  end
  return errors, warnings
end

local SEVERITY_MARK = { error = "✗", warning = "!", info = "i" }

--- One finding as a JSON object, its message in the context's language.
function M.finding_json(ctx, f)
  return { code = f.code, severity = f.severity, params = f.params, term = f.term, position = f.position,
           domain = f.domain, message = finding_text(ctx, f), fix = f.fix, kind = f.kind }
end

--- A list of findings as JSON objects.
function M.findings_json(ctx, findings)
  local list = M.array()
  for i, f in ipairs(findings or {}) do list[i] = M.finding_json(ctx, f) end
  return list
end

--- Findings as marked lines ("✗ [code] term message" and the fix), errors
-- first.
-- @tparam table ctx
-- @tparam table findings
function M.findings(ctx, findings)
  for _, f in ipairs(M.by_severity(findings)) do
    M.write(ctx, "  ", SEVERITY_MARK[f.severity] or "-", " [", f.code, "]",
      f.term and (" " .. M.clean(f.term)) or "", " ", M.clean(finding_text(ctx, f)), "\n")
    if f.fix then M.write(ctx, "      ", M.T(ctx, "cli-label-fix"), ": ", M.clean(f.fix), "\n") end
  end
end

local MAX_DEPTH = 24

--- The include/redirect tree below a node, one indented line a child.
-- @tparam table ctx
-- @tparam table node a tree node (`children`, `term`/`via`, `domain`, lookups)
-- @tparam[opt] string indent
function M.tree(ctx, node, indent, depth)
  indent, depth = indent or "  ", depth or 1
  for _, c in ipairs(node.children or {}) do
    M.write(ctx, indent, M.clean(c.term or c.via or ""), " -> ", M.clean(c.domain or "?"),
      "  (", M.T(ctx, "cli-label-lookups"), ": ", tostring(c.total_lookups or c.lookups or 0), ")",
      c.error and ("  [" .. M.clean(M.msg(ctx, c.error)) .. "]") or "", "\n")
    if depth < MAX_DEPTH then M.tree(ctx, c, indent .. "  ", depth + 1) end
  end
end

--- The tree as JSON objects.
function M.tree_json(ctx, node, depth)
  depth = depth or 1
  local t = { domain = node.domain, via = node.via, term = node.term, record = node.record,
              lookups = node.lookups, void_lookups = node.void_lookups, total_lookups = node.total_lookups,
              error = node.error, loop = node.loop, children = M.array() }
  if depth < MAX_DEPTH then
    for i, c in ipairs(node.children or {}) do t.children[i] = M.tree_json(ctx, c, depth + 1) end
  end
  return t
end

-- CSV ---------------------------------------------------------------------------

local function csv_field(v)
  local s = v == nil and "" or tostring(v)
  if s:find('[,"\r\n]') or s:find("^%s") or s:find("%s$") then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

--- One CSV line (RFC 4180 quoting) of `row`'s `columns`; list values are
-- joined with spaces, text is made terminal-safe.
-- @tparam table ctx
-- @tparam table columns names, in order
-- @tparam table row
function M.csv_row(ctx, columns, row)
  local fields = {}
  for i, k in ipairs(columns) do
    local v = row[k]
    if type(v) == "table" then v = concat(v, " ") end
    if type(v) == "string" then v = M.clean(v) end
    fields[i] = csv_field(v)
  end
  M.write(ctx, concat(fields, ","), "\n")
end

-- Progress bar ----------------------------------------------------------------------

local BAR, LINE = 30, 78

--- The progress bar on stderr: "[####.....] i/n name", redrawn in place.
function M.progress(ctx, i, n, name)
  local done = n > 0 and floor(BAR * i / n) or BAR
  local line = ("[%s%s] %d/%d %s"):format(rep("#", done), rep(".", BAR - done), i, n, M.clean(name))
  ctx.env.stderr:write("\r", line:sub(1, LINE), rep(" ", max(0, LINE - #line)))
end

--- Clear the progress bar and write a closing line on stderr.
function M.progress_done(ctx, text)
  ctx.env.stderr:write("\r", rep(" ", LINE), "\r", text, "\n")
end

return M
