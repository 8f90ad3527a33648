--- The diagnosis report as a self-contained HTML fragment (`report:html()`)
-- for a hosting customer, inside a control panel's column.
--
-- * Every string is escaped (the bounce and DNS answers are untrusted);
--   no external resources, no ids (the fragment may appear twice on a page).
-- * The message comes first; finding codes stay in the DOM, small and muted
--   (`<code class="spfkit-code">`), for a panel that wants them.
-- * The fix's value (without quotes) and its zone-file line (with quotes)
--   sit in boxes (`.spfkit-value`, `.spfkit-zone-line`) with a copy button
--   each. The buttons carry `hidden` and only an inline script (emitted only
--   when there is something to copy) shows them: it copies the box's
--   `textContent` with `navigator.clipboard`, or selects the box and uses
--   `document.execCommand("copy")`. With scripts off (or blocked by a CSP)
--   there are no buttons and the boxes select whole on a click
--   (`user-select: all`). The script registers one delegated listener per
--   page and writes nothing from the report but button labels, via
--   `textContent`.
-- * Nothing breaks a token in the middle: values wrap only at spaces (each
--   word is a `white-space: nowrap` span), domain names and records inside
--   sentences are `<code class="spfkit-tok">` kept whole, and a single token
--   wider than the column scrolls inside its own box; the fragment takes the
--   column's full width and never makes the page scroll sideways.
-- @module spfkit.report.html

local parts = require "spfkit.report.parts"
local words = require "spfkit.report.words"
local i18n = require "spfkit.i18n"

local M = {}

local type, ipairs, tostring, concat, gsub = type, ipairs, tostring, table.concat, string.gsub
local clean, L, subject = parts.clean, parts.label, parts.subject

local HTML_ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

-- Escape text that is already clean.
local function raw_escape(s) return (gsub(s, "[&<>\"']", HTML_ESC)) end

--- Escape text for HTML element content and attribute values (control
-- characters removed, valid UTF-8).
-- @tparam string s
-- @treturn string
function M.escape(s)
  return raw_escape(clean(s))
end
local esc = M.escape

local CLASS_SAFE = "[^%w%-]"

-- A token in running text longer than this may be wider than a narrow
-- column: it gets its own horizontal scroll box instead of breaking.
local LONG_TOKEN = 20

M.STYLE = table.concat({
  ".spfkit-report{box-sizing:border-box;width:100%;max-width:100%;margin:0;font:14px/1.6 sans-serif;color:#222;",
  "border:1px solid #ccc;border-radius:6px;padding:.8em 1em;overflow-wrap:normal;word-break:normal}",
  ".spfkit-report+.spfkit-report{margin-top:1em}",
  ".spfkit-report *{box-sizing:border-box;max-width:100%}",
  ".spfkit-report h2{font-size:1.15em;margin:0 0 .5em}",
  ".spfkit-report h3{font-size:1em;margin:1.1em 0 .4em}",
  ".spfkit-report p{margin:.4em 0}",
  ".spfkit-report ul,.spfkit-report ol{margin:.4em 0;padding-left:1.5em}",
  ".spfkit-report li{margin:.3em 0}",
  ".spfkit-report .spfkit-error::marker{color:#a40000}.spfkit-report .spfkit-warning::marker{color:#8a5a00}",
  ".spfkit-report .spfkit-code{font:11px/1.4 monospace;color:#888;background:none;padding:0;margin-left:.5em;",
  "white-space:nowrap}",
  ".spfkit-report .spfkit-tok{font:inherit;background:none;padding:0;white-space:nowrap}",
  ".spfkit-report .spfkit-long{display:inline-block;max-width:100%;overflow-x:auto;vertical-align:bottom}",
  ".spfkit-report .spfkit-row{margin:.5em 0}",
  ".spfkit-report .spfkit-label{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 .5em;font-weight:bold;",
  "font-size:.92em}",
  ".spfkit-report .spfkit-note{font-weight:normal;color:#666}",
  ".spfkit-report .spfkit-box{display:block;width:100%;font:13px/1.5 monospace;background:#f5f5f5;",
  "border:1px solid #ddd;border-radius:4px;padding:.35em .6em;margin:.2em 0;white-space:pre-wrap;",
  "overflow-x:auto;-webkit-user-select:all;user-select:all}",
  ".spfkit-report .spfkit-pair .spfkit-label{display:inline;margin-right:.5em}",
  ".spfkit-report .spfkit-pair .spfkit-box{display:inline-block;width:auto;vertical-align:bottom}",
  ".spfkit-report .spfkit-copy{margin-left:auto;font:inherit;font-weight:normal;font-size:.9em;",
  "padding:.1em .8em;border:1px solid #888;border-radius:4px;background:#fff;color:#222;cursor:pointer}",
  ".spfkit-report .spfkit-copy[hidden]{display:none}",
  ".spfkit-report pre{white-space:pre-wrap;overflow-x:auto;background:#f5f5f5;padding:.5em;margin:.3em 0;",
  "font:12px/1.5 monospace}",
})

-- The copy buttons' behaviour: shows the buttons (each time a fragment's
-- script runs), then one delegated click listener per page. Nothing from
-- the report is written except the buttons' own labels, by textContent.
M.SCRIPT = table.concat({
  "(function(w,d){",
  "var b=d.querySelectorAll('.spfkit-copy[hidden]');for(var i=0;i<b.length;i++)b[i].hidden=false;",
  "if(w.spfkitCopyReady)return;w.spfkitCopyReady=true;",
  "function say(btn,ok){btn.textContent=btn.getAttribute(ok?'data-done':'data-fail');",
  "setTimeout(function(){btn.textContent=btn.getAttribute('data-label')},2500)}",
  "function select(box){var s=w.getSelection(),r=d.createRange();r.selectNodeContents(box);",
  "s.removeAllRanges();s.addRange(r);return s}",
  "function fallback(box){var s=select(box),ok=false;try{ok=d.execCommand('copy')}catch(e){ok=false}",
  "if(ok)s.removeAllRanges();return ok}",
  "d.addEventListener('click',function(e){",
  "var btn=e.target&&e.target.closest?e.target.closest('.spfkit-copy'):null;if(!btn)return;",
  "var row=btn.closest('.spfkit-copyable'),box=row&&row.querySelector('.spfkit-copy-text');if(!box)return;",
  "var text=box.textContent,c=w.navigator.clipboard;",
  "if(c&&c.writeText&&w.isSecureContext!==false){c.writeText(text).then(function(){say(btn,true)},",
  "function(){say(btn,fallback(box))})}else{say(btn,fallback(box))}",
  "});",
  "})(window,document);",
})

-- Running text, escaped, with value-like tokens (domain names, records,
-- addresses: ASCII runs with `. - _ : = @ /` and the like) kept whole.

-- Japanese brackets and punctuation that must stay with the token they
-- touch (a line never starts with 」 or ends with 「).
local CJK_OPEN = { ["「"] = true, ["『"] = true, ["（"] = true, ["“"] = true }
local CJK_CLOSE = { ["」"] = true, ["』"] = true, ["）"] = true, ["”"] = true, ["。"] = true, ["、"] = true }

-- The ASCII run at a..b-1 widened over touching Japanese brackets (not
-- before `low`).
local function widen(s, low, a, b)
  while a - 3 >= low and CJK_OPEN[s:sub(a - 3, a - 1)] do a = a - 3 end
  while CJK_CLOSE[s:sub(b, b + 2)] do b = b + 3 end
  return a, b
end

-- A run: kept whole, with its brackets, quotes and closing punctuation in
-- the token's element (no line starts with "." or ends with "("), when its
-- ASCII core looks like a value.
local function prose_run(run)
  local core = run:match("^[^!-~]*[%(%[\"'<]*(.-)[%.,;:!%?%)%]\"'>]*[^!-~]*$")
  if #core < 2 or not core:find("[%.%-_:=@/%%%+~#%?&]") then return raw_escape(run) end
  local class = #core > LONG_TOKEN and "spfkit-tok spfkit-long" or "spfkit-tok"
  return '<code class="' .. class .. '">' .. raw_escape(run) .. "</code>"
end

--- Running text as HTML: escaped, with domain names, records and other
-- value-like tokens in `<code class="spfkit-tok">` that never break inside.
-- @tparam string s
-- @treturn string
function M.prose(s)
  s = clean(s)
  local out, pos = {}, 1
  local a, b = s:find("[!-~]+", pos)
  while a do
    a, b = widen(s, pos, a, b + 1)
    out[#out + 1] = raw_escape(s:sub(pos, a - 1))
    out[#out + 1] = prose_run(s:sub(a, b - 1))
    pos = b
    a, b = s:find("[!-~]+", pos)
  end
  out[#out + 1] = raw_escape(s:sub(pos))
  return concat(out)
end
local prose = M.prose

-- A value's words as nowrap spans, separated by its own spaces (so the
-- box's textContent is the value, exactly).
local function box_words(s)
  s = clean(s)
  local out, pos = {}, 1
  while pos <= #s do
    local a, b = s:find("[^ ]+", pos)
    if not a then out[#out + 1] = raw_escape(s:sub(pos)); break end
    if a > pos then out[#out + 1] = raw_escape(s:sub(pos, a - 1)) end
    out[#out + 1] = '<span class="spfkit-tok">' .. raw_escape(s:sub(a, b)) .. "</span>"
    pos = b + 1
  end
  return concat(out)
end

-- A value box; `extra` classes (e.g. the copy target).
local function box(s, extra)
  return '<code class="spfkit-box' .. (extra and (" " .. extra) or "") .. '">' .. box_words(tostring(s)) .. "</code>"
end

-- A heading label without the trailing colon the text form uses.
local function heading(r, code)
  return esc((gsub(L(r, code), "%s*[:：]%s*$", "")))
end

local function copy_button(r)
  local label = esc(L(r, "label-html-copy"))
  return ('<button type="button" class="spfkit-copy" hidden data-label="%s" data-done="%s" data-fail="%s">%s</button>')
    :format(label, esc(L(r, "label-html-copied")), esc(L(r, "label-html-copy-failed")), label)
end

-- A row of the fix: a label (with an optional note) above a box.
local function row(label, body, note, copy_r)
  local head = '<div class="spfkit-label"><span>' .. esc(label) .. "</span>"
    .. (note and ('<span class="spfkit-note">' .. esc(note) .. "</span>") or "")
    .. (copy_r and copy_button(copy_r) or "") .. "</div>"
  return '<div class="spfkit-row' .. (copy_r and " spfkit-copyable" or "") .. '">' .. head .. body .. "</div>"
end

-- A short row: label and value on one line.
local function pair(label, body)
  return '<div class="spfkit-row spfkit-pair"><span class="spfkit-label">' .. esc(label) .. "</span>" .. body
    .. "</div>"
end

local function findings(r, add)
  if type(r.findings) ~= "table" or #r.findings == 0 then return end
  add("<h3>" .. heading(r, "label-findings") .. "</h3>")
  add('<ul class="spfkit-findings">')
  for _, f in ipairs(r.findings) do
    add(('<li class="spfkit-%s">%s <code class="spfkit-code">%s</code></li>'):format(
      gsub(tostring(f.severity), CLASS_SAFE, ""), prose(f.message or f.code or ""), esc(f.code or "")))
  end
  add("</ul>")
end

-- Why the provider was recognised, in words (unknown sources as they are).
local function provider_from(r, p)
  if p.from == nil then return "" end
  local code = "label-html-from-" .. tostring(p.from)
  local from = i18n.has(code) and L(r, code) or tostring(p.from)
  local key = p.host and "label-html-provider-from-host" or "label-html-provider-from"
  return " " .. L(r, key, { from = from, fqdn = p.host and clean(p.host) or nil })
end

local function provider(r, add)
  local p = r.provider
  if type(p) ~= "table" or (p.name == nil and p.id == nil) then return end
  add('<p class="spfkit-provider">' .. prose(L(r, "label-html-provider", { name = clean(p.name or p.id) })
    .. provider_from(r, p)) .. "</p>")
end

-- The value without quotes: `fix.value`, else the strings joined.
local function bare_value(f)
  if f.value ~= nil then return tostring(f.value) end
  if type(f.strings) == "table" then return concat(f.strings) end
  return (gsub(tostring(f.presentation or ""), '^"(.*)"$', "%1"))
end

-- The fix's quoting advice (a step-like item, or plain text), or nil.
local function quote_advice(r, q)
  if q == nil then return nil end
  if type(q) ~= "table" then return tostring(q) end
  if type(q.text) == "string" then return q.text end
  if q.code == nil and type(q.text) ~= "table" then return nil end
  return words.say(q, r.lang)
end

local function name_row(r, f)
  local note = f.fqdn and f.fqdn ~= (f.host or f.name) and ("(" .. clean(f.fqdn) .. ")") or nil
  return row(L(r, "label-name"), box(f.host or f.name or "", "spfkit-name"), note)
end

local function fix_rows(r, f, add)
  add(pair(L(r, "label-action"), '<span class="spfkit-action">' .. prose(L(r, "fix-action-" .. tostring(f.action)))
    .. "</span>"))
  if f.zone then add(row(L(r, "label-html-zone"), box(f.zone, "spfkit-zone"))) end
  add(name_row(r, f))
  if f.type then add(pair(L(r, "label-type"), box(f.type))) end
  add(row(L(r, "label-value"), box(bare_value(f), "spfkit-copy-text spfkit-value"), L(r, "label-html-note-value"), r))
  if f.ttl then add(pair(L(r, "label-ttl"), box(f.ttl))) end
  if f.before then add(row(L(r, "label-before"), box(f.before, "spfkit-before"))) end
  if f.zone_line then
    add(row(L(r, "label-zone-line"), box(f.zone_line, "spfkit-copy-text spfkit-zone-line"),
      L(r, "label-html-note-zone-line"), r))
  end
  local advice = quote_advice(r, f.quote)
  if advice then add('<p class="spfkit-quote">' .. prose(advice) .. "</p>") end
end

-- The fix section; true when it has copy buttons.
local function fix(r, add)
  local f = r.fix
  if type(f) ~= "table" or f.action == nil or f.action == "none" then return false end
  add("<h3>" .. heading(r, "label-fix") .. "</h3>")
  add('<div class="spfkit-fix">')
  fix_rows(r, f, add)
  add("</div>")
  return true
end

-- The DKIM record to publish; true when it has a value to copy.
local function dkim_fix(r, add)
  local f = type(r.dkim) == "table" and r.dkim.fix
  if type(f) ~= "table" then return false end
  add("<h3>" .. heading(r, "label-dkim-fix") .. "</h3>")
  add('<div class="spfkit-fix spfkit-dkim-fix">')
  if f.zone then add(row(L(r, "label-html-zone"), box(f.zone, "spfkit-zone"))) end
  add(name_row(r, f))
  add(pair(L(r, "label-type"), box(f.type or "TXT")))
  if f.value then
    add(row(L(r, "label-value"), box(f.value, "spfkit-copy-text spfkit-value"), nil, r))
  else
    add(row(L(r, "label-value"), '<p class="spfkit-note">' .. prose(L(r, "label-dkim-from-panel")) .. "</p>"))
  end
  add("</div>")
  return f.value ~= nil
end

local function whatif(r, add)
  local w = r.whatif
  if type(w) ~= "table" then return end
  add('<p class="spfkit-whatif"><strong>' .. heading(r, "label-whatif") .. "</strong> "
    .. prose(w.message or w.result or "") .. "</p>")
end

local function steps(r, add)
  if type(r.steps) ~= "table" or #r.steps == 0 then return end
  add("<h3>" .. heading(r, "label-steps") .. "</h3>")
  add('<ol class="spfkit-steps">')
  for _, s in ipairs(r.steps) do add("<li>" .. prose(s.text or s.code or "") .. "</li>") end
  add("</ol>")
end

local function bounce(r, add)
  local b = r.bounce
  if type(b) ~= "table" or not b.diagnostic then return end
  add("<details><summary>" .. esc(L(r, "label-bounce")) .. "</summary><pre>" .. prose(b.diagnostic)
    .. "</pre></details>")
end

--- The report as a self-contained HTML fragment: one `<section>` with its
-- inline style and, when there is a fix to copy, its inline script; no
-- ids, no external resources, every value escaped.
-- @tparam table r a report (`spfkit.report`)
-- @treturn string
function M.render(r)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local status = gsub(tostring(r.status), CLASS_SAFE, "")
  add(('<section class="spfkit-report spfkit-status-%s" lang="%s">'):format(status, esc(r.lang)))
  add("<style>" .. M.STYLE .. "</style>")
  local about = subject(r)
  add("<h2>" .. esc(L(r, "label-title")) .. (about ~= "" and (": " .. prose(about)) or "") .. "</h2>")
  add('<p class="spfkit-summary">' .. prose(r.summary or "") .. "</p>")
  provider(r, add)
  findings(r, add)
  local copies = fix(r, add)
  whatif(r, add)
  copies = dkim_fix(r, add) or copies
  steps(r, add)
  bounce(r, add)
  if copies then add("<script>" .. M.SCRIPT .. "</script>") end
  add("</section>")
  return concat(out, "\n") .. "\n"
end

return M
