-- The example panel's page: a form (paste or upload a bounce, 日本語 or
-- English) and, after a POST, spfkit's report:html() below it. The page's
-- own labels live here (the report's words come from spfkit's catalogs).
local M = {}

local LABELS = {
  ja = {
    title = "メール不達の診断 (SPF / DKIM / DMARC)",
    intro = "届いたエラーメール (バウンス) を貼り付けるか、.eml ファイルを選んでください。",
    paste = "エラーメールの全文", file = "または .eml ファイル", lang = "表示言語",
    submit = "診断する", copy = "コピー", copied = "コピーしました", failed = "診断できませんでした",
  },
  en = {
    title = "Why did my mail bounce? (SPF / DKIM / DMARC)",
    intro = "Paste the bounce you received, or choose its .eml file.",
    paste = "The whole bounce", file = "or an .eml file", lang = "Language",
    submit = "Diagnose", copy = "Copy", copied = "Copied", failed = "The bounce could not be diagnosed",
  },
}

local ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
local function esc(s) return (tostring(s):gsub("[&<>\"']", ESC)) end

local STYLE = [[
body{font:15px/1.6 "Noto Sans CJK JP","Noto Sans",sans-serif;margin:2em auto;max-width:62em;padding:0 1em}
textarea{width:100%;height:12em;font-family:monospace}
form p{margin:.6em 0}#fix{margin:1em 0;padding:.6em;background:#eef6ee;border-radius:4px}
#fix code{word-break:break-all}.error{color:#a40000}]]

-- copies the proposed record; also shows that the page's script runs
local SCRIPT = [[
(function(){document.documentElement.setAttribute('data-ready','1');
var b=document.getElementById('copy');if(!b)return;
b.addEventListener('click',function(){var v=document.getElementById('fix-value').textContent;
var done=function(){b.textContent=b.getAttribute('data-done');};
if(navigator.clipboard){navigator.clipboard.writeText(v).then(done,done);}else{done();}});})();]]

local function select_lang(lang)
  local opt = function(v, label)
    return ('<option value="%s"%s>%s</option>'):format(v, v == lang and " selected" or "", label)
  end
  return '<select name="lang" id="lang">' .. opt("ja", "日本語") .. opt("en", "English") .. "</select>"
end

local function form(t, lang)
  return table.concat{
    '<form method="post" action="/?lang=', lang, '" enctype="multipart/form-data" id="bounce-form">',
    "<p>", esc(t.intro), "</p>",
    '<p><label for="bounce">', esc(t.paste), '</label><br><textarea name="bounce" id="bounce"></textarea></p>',
    '<p><label for="bounce_file">', esc(t.file), '</label> <input type="file" name="bounce_file"',
    ' id="bounce_file" accept=".eml,message/rfc822,text/plain"></p>',
    '<p><label for="lang">', esc(t.lang), "</label> ", select_lang(lang),
    ' <button type="submit" id="go">', esc(t.submit), "</button></p></form>",
  }
end

local function fix_box(t, fix)
  if not (fix and fix.value) then return "" end
  return ('<div id="fix"><code id="fix-value">%s</code> '
    .. '<button type="button" id="copy" data-done="%s">%s</button></div>')
    :format(esc(fix.value), esc(t.copied), esc(t.copy))
end

--- The page. opts: { lang = "ja"|"en", report = report:html() (trusted
-- HTML from spfkit), fix = report.fix, error = err }
function M.render(opts)
  local lang = opts.lang == "en" and "en" or "ja"
  local t = LABELS[lang]
  local out = {
    "<!DOCTYPE html>\n<html lang=\"", lang, "\"><head><meta charset=\"utf-8\">",
    "<meta name=\"viewport\" content=\"width=device-width\"><title>", esc(t.title), "</title>",
    "<style>", STYLE, "</style></head><body><h1>", esc(t.title), "</h1>", form(t, lang),
  }
  if opts.error then
    out[#out + 1] = ('<p class="error" id="error">%s: %s</p>'):format(esc(t.failed), esc(opts.error.message))
  end
  if opts.report then
    out[#out + 1] = '<div id="report">' .. fix_box(t, opts.fix) .. opts.report .. "</div>"
  end
  out[#out + 1] = "<script>" .. SCRIPT .. "</script></body></html>"
  return table.concat(out)
end

return M
