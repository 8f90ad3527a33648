--- The diagnosis report as terminal text (`report:text()`, `tostring`).
-- Control characters from outside (the bounce, DNS) are removed; columns
-- are aligned by display width (East Asian characters take two).
-- @module spfkit.report.text

local parts = require "spfkit.report.parts"

local M = {}

local ipairs, concat, gsub, rep = ipairs, table.concat, string.gsub, string.rep
local clean, L, fix_rows = parts.clean, parts.label, parts.fix_rows

local function wrap_lines(s, indent)
  return (gsub(clean(s), "\n", "\n" .. indent))
end

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

-- A label/value table, aligned by display width.
local function add_rows(add, rows)
  local widest = 0
  for _, row in ipairs(rows) do widest = math.max(widest, width(row[1])) end
  for _, row in ipairs(rows) do
    add("  " .. row[1] .. rep(" ", widest - width(row[1])) .. "  " .. clean(row[2]))
  end
end

--- The report as terminal text.
-- @treturn string
function M.render(r)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local subject = parts.subject(r)
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
    add_rows(add, rows)
  end
  local drows = parts.dkim_rows(r)
  if drows then
    add("")
    add(L(r, "label-dkim-fix"))
    add_rows(add, drows)
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

return M
