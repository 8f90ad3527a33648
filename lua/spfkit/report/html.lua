--- The diagnosis report as a self-contained HTML fragment (`report:html()`):
-- inline style, no external resources; every value escaped (the bounce
-- and DNS answers are untrusted input).
-- @module spfkit.report.html

local parts = require "spfkit.report.parts"

local M = {}

local ipairs, tostring, concat, gsub = ipairs, tostring, table.concat, string.gsub
local clean, L, fix_rows = parts.clean, parts.label, parts.fix_rows

local HTML_ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Escape text for HTML element content and attribute values.
-- @tparam string s
-- @treturn string
function M.escape(s)
  return (gsub(clean(s), "[&<>\"']", HTML_ESC))
end
local esc = M.escape

local CLASS_SAFE = "[^%w%-]"

local STYLE = ".spfkit-report{font:14px/1.6 sans-serif;border:1px solid #ccc;border-radius:6px;"
  .. "padding:1em;max-width:60em}.spfkit-report code,.spfkit-report pre{font-family:monospace;"
  .. "background:#f5f5f5;padding:0 .2em;white-space:pre-wrap;word-break:break-all}"
  .. ".spfkit-report .spfkit-error{color:#a40000}.spfkit-report .spfkit-warning{color:#8a5a00}"
  .. ".spfkit-report th{text-align:left;padding-right:1em;vertical-align:top}"

--- The report as a self-contained HTML fragment (inline style, no scripts,
-- no external resources; every value escaped).
-- @treturn string
function M.render(r)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local status = gsub(tostring(r.status), CLASS_SAFE, "")
  add(('<section class="spfkit-report spfkit-status-%s" lang="%s">'):format(status, esc(r.lang)))
  add("<style>" .. STYLE .. "</style>")
  local subject = parts.subject(r)
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

return M
