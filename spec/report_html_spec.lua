-- The HTML report for a hosting customer (issue 11, item 9): message first
-- and codes muted, copy buttons for the value and the zone-file line (inline
-- script, hidden without it), no token broken at 390 px, full width, every
-- field escaped, no external resources, two reports on one page; checked in
-- a real headless Chromium when it is installed.
local spfkit = require "spfkit"
local html = require "spfkit.report.html"
local json = require "spfkit.json"
local bounces = require "spec.support.bounces"

local function gmail_bounce(domain, ip)
  return bounces.gmail(domain, ip, { host = "mx.panel-host.example", user = "office", name = "Office",
                                     rcpt = "someone", mx_ip = "142.250.157.27", subject = "quote" })
end

-- A record with many includes (a long value), and a domain whose name is
-- longer than a 390 px column (one token that must scroll, not break).
local LONG_DOMAIN = "authentication-check-for-a-very-long-customer-label-0123456.example"
local MANY = "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:servers.mcsv.net "
  .. "include:sendgrid.net include:mail.zendesk.com ~all"
local zone = spfkit.zone{
  ["long-record-shop.example"] = { { TXT = MANY }, { MX = { 10, "mx.long-record-shop.example" } } },
  ["mx.long-record-shop.example"] = { { A = "198.51.100.20" } },
  ["_spf.google.com"] = { { TXT = "v=spf1 ip4:172.217.0.0/19 ~all" } },
  ["spf.protection.outlook.com"] = { { TXT = "v=spf1 ip4:40.92.0.0/15 -all" } },
  ["servers.mcsv.net"] = { { TXT = "v=spf1 ip4:205.201.128.0/20 ~all" } },
  ["sendgrid.net"] = { { TXT = "v=spf1 ip4:167.89.0.0/17 ~all" } },
  ["mail.zendesk.com"] = { { TXT = "v=spf1 ip4:192.161.144.0/20 ~all" } },
  [LONG_DOMAIN] = { { A = "192.0.2.44" } },
}

local function diagnose(domain, lang)
  return spfkit.diagnose{ bounce = gmail_bounce(domain, "203.0.113.45"), dns = zone, lang = lang }
end

-- Text content of an HTML snippet: tags removed, our escapes decoded.
local ENTITIES = { amp = "&", lt = "<", gt = ">", quot = '"', ["#39"] = "'" }
local function text_of(s)
  return (s:gsub("<[^>]*>", ""):gsub("&(#?%w+);", ENTITIES))
end

-- The inner HTML of the first element whose class list has `class`.
local function inner(doc, class, tag, from)
  local open = doc:find('<' .. tag .. ' class="[^"]*%f[%w%-]' .. class:gsub("%-", "%%-") .. '%f[^%w%-][^"]*"', from)
  if not open then return nil end
  local body_start = doc:find(">", open, true) + 1
  local close = doc:find("</" .. tag .. ">", body_start, true)
  return doc:sub(body_start, close - 1), close
end

-- Tags and attributes of a fragment, its script and style set aside.
local OUR_TAGS = { section = 1, style = 1, script = 1, h2 = 1, h3 = 1, p = 1, ul = 1, ol = 1, li = 1, code = 1,
  span = 1, div = 1, button = 1, strong = 1, details = 1, summary = 1, pre = 1 }
local OUR_ATTRS = { class = 1, lang = 1, type = 1, hidden = 1, ["data-label"] = 1, ["data-done"] = 1,
  ["data-fail"] = 1 }

local function check_markup(doc)
  for body in doc:gmatch("<style>(.-)</style>") do assert.are.equal(html.STYLE, body) end
  for body in doc:gmatch("<script>(.-)</script>") do assert.are.equal(html.SCRIPT, body) end
  local rest = doc:gsub("<style>.-</style>", ""):gsub("<script>.-</script>", "")
  for tag, attrs in rest:gmatch("<(/?[%w]+)([^>]*)>") do
    assert.is_truthy(OUR_TAGS[tag:gsub("^/", "")], tag)
    local bare = attrs:gsub('%s[%w%-]+="[^"]*"', ""):gsub("%shidden", "")
    assert.are.equal("", bare, "unquoted or unknown attribute text in <" .. tag .. attrs .. ">")
    for name in attrs:gmatch('%s([%w%-]+)="') do assert.is_truthy(OUR_ATTRS[name], name) end
  end
  assert.is_nil(rest:gsub("<[^>]*>", ""):find("[<>]"))
end

describe("report:html() for a customer", function()
  local en = diagnose("long-record-shop.example", "en")

  it("diagnoses the fixture into a fix to render", function()
    assert.are.equal("problem", en.status)
    assert.is_truthy(en.fix and en.fix.action ~= "none")
    assert.matches("include:mail.zendesk.com", en.fix.value, 1, true)
  end)

  it("puts the message first and the code after it, small, in the DOM", function()
    local doc = en:html()
    local list = assert(inner(doc, "spfkit-findings", "ul"))
    local f = en.findings[1]
    local li = list:match("<li[^>]*>(.-)</li>")
    local code_at = li:find('<code class="spfkit-code">' .. f.code .. "</code>", 1, true)
    assert.is_truthy(code_at)
    assert.are.equal(text_of(li:sub(1, code_at - 1)):gsub("%s+$", ""), f.message)
    assert.matches("%.spfkit%-code{[^}]*font:11px", html.STYLE)
  end)

  it("has a copy button for the value (no quotes) and the zone line (quotes), exact text in the DOM", function()
    local doc = en:html()
    local rows = {}
    for row in doc:gmatch('<div class="spfkit%-row spfkit%-copyable">(.-)</code></div>') do rows[#rows + 1] = row end
    assert.are.equal(2, #rows)
    for i, want in ipairs({ en.fix.value, en.fix.zone_line }) do
      assert.matches('<button type="button" class="spfkit-copy" hidden', rows[i], 1, true)
      local box = rows[i]:match('<code class="spfkit%-box spfkit%-copy%-text[^"]*">(.*)$')
      assert.are.equal(want, text_of(box))
    end
    assert.is_nil(text_of(inner(doc, "spfkit-value", "code")):find('"', 1, true))
    assert.matches('"v=spf1 ', text_of(inner(doc, "spfkit-zone-line", "code")), 1, true)
    assert.are.equal(1, select(2, doc:gsub("<script>", "")))
  end)

  it("keeps value words in nowrap spans split only at the value's own spaces", function()
    local box = inner(en:html(), "spfkit-value", "code")
    local n = 0
    for word in box:gmatch('<span class="spfkit%-tok">([^<]*)</span>') do
      n = n + 1
      assert.is_nil(word:find(" ", 1, true))
    end
    assert.are.equal(select(2, en.fix.value:gsub("%S+", "")), n)
    assert.matches("white%-space:pre%-wrap", html.STYLE)
    assert.is_nil(html.STYLE:find("anywhere", 1, true))
    assert.is_nil(html.STYLE:find("break-all", 1, true))
  end)

  it("keeps domain names inside sentences whole, long ones in their own scroll box", function()
    local r = diagnose(LONG_DOMAIN, "ja")
    local summary = inner(r:html(), "spfkit-summary", "p")
    assert.is_truthy(summary:find('<code class="spfkit-tok spfkit-long">' .. LONG_DOMAIN .. "</code>", 1, true))
    assert.are.equal(r.summary, text_of(summary))
    assert.matches("%.spfkit%-long{[^}]*overflow%-x:auto", html.STYLE)
  end)

  it("keeps Japanese brackets and trailing punctuation with the token they touch", function()
    local out = html.prose("名前「mail.shop-name.example.」を、値は (v=spf1 mx -all) です。a<b & c")
    assert.is_truthy(out:find('<code class="spfkit-tok spfkit-long">「mail.shop-name.example.」</code>', 1, true))
    assert.is_truthy(out:find('<code class="spfkit-tok">(v=spf1</code>', 1, true))
    assert.is_truthy(out:find('<code class="spfkit-tok">-all)</code>', 1, true))
    assert.is_truthy(out:find(" mx ", 1, true))
    assert.is_truthy(out:find("a&lt;b &amp; c", 1, true))
    assert.are.equal("名前「mail.shop-name.example.」を、値は (v=spf1 mx -all) です。a<b & c", text_of(out))
  end)

  it("takes the column's full width", function()
    assert.matches("^%.spfkit%-report{[^}]*box%-sizing:border%-box", html.STYLE)
    assert.matches("^%.spfkit%-report{[^}]*max%-width:100%%", html.STYLE)
    assert.is_nil(html.STYLE:find("max-width:%d+[ep]"))
  end)

  it("speaks Japanese and English, and keeps the section's classes and lang", function()
    local ja = en:render("ja"):html()
    assert.matches('^<section class="spfkit%-report spfkit%-status%-problem" lang="ja">', ja)
    assert.matches(">コピー</button>", ja, 1, true)
    assert.matches('data-done="Copied"', en:html(), 1, true)
    for _, class in ipairs({ "spfkit-summary", "spfkit-findings", "spfkit-fix", "spfkit-steps", "spfkit-whatif" }) do
      assert.matches('class="' .. class .. '"', ja, 1, true)
    end
  end)

  it("renders the provider, zone, host and quoting advice when present, and works without them", function()
    local r = en:render("en")
    r.provider = nil                       -- the diagnosis may have inferred one
    assert.is_nil(r:html():find("spfkit-provider", 1, true))
    r.provider = { id = "sakura", name = "Sakura Internet", from = "reporting-mta", host = "www1234.sakura.ne.jp" }
    r.fix.zone, r.fix.host = "long-record-shop.example", "mail"
    r.fix.quote = { code = "quote-advice-x", text = { en = "Type it without quotes.", ja = "引用符なしで入力します。" } }
    local doc = r:html()
    assert.matches("Sakura Internet", text_of(inner(doc, "spfkit-provider", "p")), 1, true)
    assert.matches("www1234.sakura.ne.jp", text_of(inner(doc, "spfkit-provider", "p")), 1, true)
    assert.matches("the server that sent the bounce", doc, 1, true)
    assert.are.equal("long-record-shop.example", text_of(inner(doc, "spfkit-zone", "code")))
    assert.matches('<span class="spfkit-tok">mail</span>', doc, 1, true)
    assert.are.equal("Type it without quotes.", text_of(inner(doc, "spfkit-quote", "p")))
    assert.matches("引用符なしで入力します。", r:render("ja"):html(), 1, true)
  end)

  it("has no ids and one guarded listener, so two reports can share a page", function()
    local doc = en:html() .. en:render("ja"):html()
    assert.is_nil(doc:find("%sid="))
    assert.matches("if(w.spfkitCopyReady)return;", html.SCRIPT, 1, true)
    assert.matches("addEventListener('click'", html.SCRIPT, 1, true)
    assert.is_nil(html.SCRIPT:find("innerHTML", 1, true))
  end)

  it("loads nothing from outside", function()
    local doc = en:html()
    assert.is_nil(doc:find("<[^>]*%s[%w%-]*src="))
    assert.is_nil(doc:find("<[^>]*%shref="))
    for _, bad in ipairs({ "@import", "url(", "http:", "https:", "//" }) do
      assert.is_nil(html.STYLE:find(bad, 1, true), bad)
      assert.is_nil(html.SCRIPT:find(bad, 1, true), bad)
    end
    for _, bad in ipairs({ "fetch(", "XMLHttpRequest", "import(", "eval(", "src" }) do
      assert.is_nil(html.SCRIPT:find(bad, 1, true), bad)
    end
  end)

  it("has no script and no buttons when there is nothing to copy", function()
    local r = en:render("en")
    r.fix = { action = "none", reason = "fix-reason-none" }
    local doc = r:html()
    assert.is_nil(doc:find("<script", 1, true))
    assert.is_nil(doc:find("<button", 1, true))
  end)
end)

describe("report:html() with hostile input", function()
  local X = '"><script>alert(1)</script><img src=x onerror=alert(2)>\'&amp;'

  local function hostile()
    local r = diagnose("long-record-shop.example", "en"):render("en")
    r.status = r.status .. X
    r.domain, r.ip, r.summary = X, X, X .. " v=spf1" .. X
    for _, f in ipairs(r.findings) do f.code, f.message, f.severity = X, X, X end
    for _, s in ipairs(r.steps) do s.text = "1.2.3.4" .. X end
    for _, k in ipairs({ "name", "fqdn", "type", "value", "presentation", "before", "zone_line", "zone", "host" }) do
      r.fix[k] = X .. " " .. X
    end
    r.fix.ttl, r.fix.quote = X, { text = { en = X, ja = X } }
    r.whatif.message = X
    r.bounce = { diagnostic = X .. " " .. X }
    r.provider = { id = X, name = X, from = X, host = X }
    return r
  end

  it("escapes every field: only our tags and attributes remain", function()
    local doc = hostile():html()
    check_markup(doc)
    assert.is_nil(doc:find("<img", 1, true))
    assert.is_nil(doc:find("<script>alert", 1, true))
    assert.matches("&lt;script&gt;alert(1)&lt;/script&gt;", doc, 1, true)
    assert.matches("&amp;amp;", doc, 1, true)
  end)

  it("keeps the copied value exact even when it is markup", function()
    local r = hostile()
    local doc = r:html()
    assert.are.equal(r.fix.value, text_of(inner(doc, "spfkit-value", "code")))
    assert.are.equal(r.fix.zone_line, text_of(inner(doc, "spfkit-zone-line", "code")))
  end)

  it("escapes control characters and broken UTF-8 away", function()
    local r = diagnose("long-record-shop.example", "en")
    r.summary = "a\1b\27[31mc\255d"
    local summary = inner(r:html(), "spfkit-summary", "p")
    assert.is_nil(summary:find("[%z\1-\8\11-\31\127]"))
    assert.is_truthy(json.utf8_clean(summary) == summary)
  end)
end)

-- Headless Chromium: the page at 390 px, buttons clicked, a screenshot.
local function sh(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  local out = p:read("*a")
  p:close()
  return out
end

local CHROMIUM_FLAGS = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
  .. "--disable-background-networking --disable-component-update --disable-sync --window-size=390,900 "

-- Test-only: a clipboard stub before the fragments, measurements after.
local STUB = "<script>window.__copied=[];Object.defineProperty(navigator,'clipboard',{configurable:true,"
  .. "value:{writeText:function(t){window.__copied.push(t);return Promise.resolve()}}});</script>"

local MEASURE = [[<script>
(function(){
var R={innerWidth:window.innerWidth,scrollWidth:document.documentElement.scrollWidth,broken:[],lines:[]};
var toks=document.querySelectorAll('.spfkit-tok');R.tokens=toks.length;
for(var i=0;i<toks.length;i++){var n=toks[i].getClientRects().length;if(n!==1)R.broken.push(toks[i].textContent+':'+n)}
var boxes=document.querySelectorAll('.spfkit-value');
for(var j=0;j<boxes.length;j++){var tops={},c=0,s=boxes[j].querySelectorAll('.spfkit-tok');
 for(var k=0;k<s.length;k++){var t=Math.round(s[k].getClientRects()[0].top);if(!tops[t]){tops[t]=1;c++}}R.lines.push(c)}
var zl=document.querySelectorAll('.spfkit-zone-line');R.zoneScrolls=[];
for(var z=0;z<zl.length;z++)R.zoneScrolls.push(zl[z].scrollWidth>zl[z].clientWidth);
var btns=document.querySelectorAll('.spfkit-copy');R.buttons=btns.length;R.visible=0;
for(var b=0;b<btns.length;b++){if(btns[b].offsetParent!==null&&!btns[b].hidden)R.visible++;btns[b].click()}
R.copied=window.__copied.slice();
Object.defineProperty(navigator,'clipboard',{configurable:true,value:undefined});
R.fallback=[];document.execCommand=function(c){R.fallback.push(c+':'+String(window.getSelection()));return true};
btns[btns.length-1].click();
setTimeout(function(){R.label=btns[0].textContent;R.done=btns[0].getAttribute('data-done');
 var o=document.createElement('pre');o.className='t-result';o.textContent=JSON.stringify(R);
 document.body.appendChild(o)},100);
})();
</script>]]

-- Headless Chromium will not make a window narrower than 500 px, so the
-- page is laid out in a 390 px iframe (its own viewport, same origin via
-- srcdoc); the wrapper copies the measurements out for --dump-dom.
local function inner_page(fragments)
  return '<!doctype html><html><head><meta charset="utf-8"><title>spfkit html</title>'
    .. '<meta name="viewport" content="width=device-width,initial-scale=1">' .. STUB .. "</head><body>"
    .. table.concat(fragments) .. MEASURE .. "</body></html>"
end

local COPY_OUT = "<script>(function p(){var f=document.querySelector('iframe'),d=f&&f.contentDocument,"
  .. "r=d&&d.querySelector('.t-result');if(!r)return setTimeout(p,50);var o=document.createElement('pre');"
  .. "o.className='t-result';o.textContent=r.textContent;document.body.appendChild(o)})();</script>"

local function page(fragments)
  local doc = inner_page(fragments):gsub("&", "&amp;"):gsub('"', "&quot;")
  return '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">'
    .. '<iframe style="width:390px;height:900px;border:0;display:block" srcdoc="' .. doc .. '"></iframe>'
    .. COPY_OUT .. "</body></html>"
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function run_chromium(dir, extra, url)
  -- without the sanitizer preload of `make test-asan` (chromium is not ours)
  return sh("env -u LD_PRELOAD -u ASAN_OPTIONS -u UBSAN_OPTIONS timeout 90 chromium " .. CHROMIUM_FLAGS
    .. "--user-data-dir=" .. dir .. "/profile " .. extra
    .. " file://" .. url)
end

describe("report:html() in headless Chromium at 390 px", function()
  local dir, result

  setup(function()
    if sh("command -v chromium") == "" then return end
    dir = sh("mktemp -d /tmp/spfkit-html.XXXXXX"):gsub("%s+$", "")
    assert(dir:match("^/tmp/spfkit%-html%."), "mktemp failed")
  end)

  teardown(function()
    if dir then os.execute("rm -rf '" .. dir .. "'") end
  end)

  local function measure()
    if result then return result end
    local en = diagnose("long-record-shop.example", "en")
    local ja = diagnose(LONG_DOMAIN, "ja")
    write(dir .. "/page.html", page({ en:html(), ja:html() }))
    local dom = run_chromium(dir, "--virtual-time-budget=3000 --dump-dom", dir .. "/page.html")
    local raw = assert(dom:match('<pre class="t%-result">(.-)</pre>'), "no result in the DOM")
    result = assert(json.decode(text_of(raw)))
    result.want = { en.fix.value, en.fix.zone_line, ja.fix.value, ja.fix.zone_line }
    return result
  end

  local function skip_without_chromium()
    if not dir then pending("chromium is not installed (Debian package chromium): browser checks skipped") end
    return not dir
  end

  it("never scrolls the page sideways and breaks no token", function()
    if skip_without_chromium() then return end
    local r = measure()
    assert.are.equal(390, r.innerWidth)
    assert.is_true(r.scrollWidth <= r.innerWidth, "page " .. r.scrollWidth .. " > " .. r.innerWidth)
    assert.is_true(r.tokens > 20)
    assert.are.same({}, r.broken)
  end)

  it("wraps the long value at its spaces, and lets a too-long name scroll in its own box", function()
    if skip_without_chromium() then return end
    local r = measure()
    assert.is_true(r.lines[1] >= 2, "the long record is on " .. r.lines[1] .. " line(s)")
    assert.is_true(r.zoneScrolls[2], "the zone line with the long name does not scroll in its box")
  end)

  it("copies each report's own value and zone line, by clipboard and by the selection fallback", function()
    if skip_without_chromium() then return end
    local r = measure()
    assert.are.equal(4, r.buttons)
    assert.are.equal(4, r.visible)
    assert.are.same(r.want, r.copied)
    assert.are.same({ "copy:" .. r.want[4] }, r.fallback)
    assert.are.equal(r.done, r.label)
  end)

  it("takes a screenshot", function()
    if skip_without_chromium() then return end
    measure()
    local png = dir .. "/shot.png"
    run_chromium(dir, "--screenshot=" .. png, dir .. "/page.html")
    local f = assert(io.open(png, "rb"), "no screenshot")
    local data = f:read("*a")
    f:close()
    assert.are.equal("\137PNG", data:sub(1, 4))
    assert.is_true(#data > 10000, "screenshot of " .. #data .. " bytes")
  end)
end)
