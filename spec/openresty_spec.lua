-- spfkit.openresty (issue 14) in real nginx: Debian's nginx with the Lua
-- module runs the example panel (examples/openresty/) against NSD serving
-- the demo's zone, directly or through a slow DNS proxy; all on loopback,
-- all stopped by their pids.
local nginx = require "spec.support.nginx"
local nsd = require "spec.support.nsd"
local slow = require "spec.support.slowdns"
local fake = require "spec.support.fakedns"
local chromium = require "spec.support.chromium"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

describe("spfkit.openresty outside nginx", function()
  it("refuses to load, saying why", function()
    package.loaded["spfkit.openresty"] = nil
    local ok, err = pcall(require, "spfkit.openresty")
    assert.is_false(ok)
    assert.matches("runs only inside nginx", err)
  end)
end)

-- nginx, NSD and Chromium are separate processes: the sanitizer and valgrind
-- runs (which check the C core) would only slow them down or break them
local preload = os.getenv("LD_PRELOAD") or ""
local why = nginx.missing() or (not nsd.available() and "nsd is not installed (make deps installs it)")
  or (not slow.available() and "python3 is not installed")
  or (preload:find("asan", 1, true) and "real nginx runs in the plain Lua 5.4 and LuaJIT runs, not under ASan")
if why then
  describe("spfkit.openresty in nginx", function() pending(why) end)
  return
end

-- the records of the bundled master file, minus its own SOA/NS/$ lines
local function example_lines()
  local out = {}
  for line in read("examples/zones/example.jp.zone"):gmatch("[^\n]+") do
    if line:match("^[@%w_]") and not line:match("SOA") and not line:match("^%s") then
      out[#out + 1] = line:gsub(";.*$", "")
    end
  end
  out[#out + 1] = 'fresh IN TXT "v=spf1 -all"'                    -- asked only by the cache test
  out[#out + 1] = "big IN TXT " .. select(2, nsd.big_record())   -- over 1232 octets: TCP
  return out
end

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local function tmpfile(dir, name, s)
  local path = dir .. "/" .. name
  write(path, s)
  return path
end

-- curl: status, body, seconds
local function curl(args)
  local p = io.popen("curl -s -o /dev/stdout -w '\\n%{http_code} %{time_total}' --max-time 30 " .. args)
  local out = p:read("*a")
  p:close()
  local body, code, t = out:match("^(.*)\n(%d+) ([%d%.]+)$")
  return tonumber(code), body, tonumber(t)
end

local RAW = read("examples/bounces/zenlogic-gmail-5.7.26.eml")
local FIX = "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"

-- the bounce carrying the whole returned message, over 64 KB (nginx spills it)
local function big_bounce()
  local body = {}
  for i = 1, 1500 do body[i] = ("line %04d of the returned message: %s"):format(i, ("lorem ipsum "):rep(4)) end
  local text = RAW:gsub("text/rfc822%-headers", "message/rfc822")
  local last = text:find("\n%-%-[^\n]*%-%-%s*$")
  return text:sub(1, last) .. "\n" .. table.concat(body, "\n") .. "\n" .. text:sub(last + 1)
end

local cjson = require "cjson"

describe("spfkit.openresty in nginx #slow", function()
  local dns, px, dead, web, dir

  setup(function()
    dns = assert(nsd.start{ zones = { ["example.jp"] = example_lines() } })
    px = assert(slow.start{ upstream = dns.port, delay = 0.5 })
    dead = assert(fake.start("silent"))
    dir = nsd.tmpdir("spfkit-orspec")
    web = assert(nginx.start{ workers = 1, env = { SPFKIT_NAMESERVERS = dns.addr }, locations = ([[
        location = /slow/diagnose { content_by_lua_block {
            local o = require "spfkit.openresty"
            local r = assert(o.diagnose_request{ dns = o.dns{ nameservers = { "%s" }, timeout = 5, retries = 0 } })
            ngx.say(r:json()) } }
        location = /slow/many { content_by_lua_block {
            local o = require "spfkit.openresty"
            local src = o.dns{ nameservers = { "%s" }, timeout = 5, retries = 0 }
            local qs = { {"example.jp", "TXT"}, {"_spf.example.jp", "TXT"}, {"mail.example.jp", "A"},
                         {"nx.example.jp", "TXT"} }
            local out = {}
            if ngx.var.arg_many == "1" then out = src:query_many(qs)
            else for i, q in ipairs(qs) do out[i] = src:query(q[1], q[2]) end end
            for i = 1, #out do ngx.say(out[i].rcode, " ", #out[i].records) end } }
        location = /t/query { content_by_lua_block {
            local o = require "spfkit.openresty"
            local a = ngx.var.arg_ns2 and { ngx.var.arg_ns, ngx.var.arg_ns2 } or { ngx.var.arg_ns }
            local src = o.dns{ nameservers = a, cache = ngx.var.arg_cache, timeout = 0.3, retries = 0 }
            local ans, err = src:query(ngx.var.arg_name, ngx.var.arg_type)
            local st = src:stats()
            local len = 0
            for _, r in ipairs(ans and ans.records or {}) do
              if type(r.data) == "table" then len = len + #table.concat(r.data) end
            end
            ngx.say(require("cjson").encode{ rcode = ans and ans.rcode, n = ans and #ans.records,
              cached = ans and ans.cached or false, ttl = ans and ans.records[1] and ans.records[1].ttl,
              err = err and err.code, len = len, tcp = st.tcp, sent = st.sent }) } }
        location = /t/errors { content_by_lua_block {
            local o = require "spfkit.openresty"
            local function try(f, ...) local ok, e = pcall(f, ...) ngx.say(ok and "ok" or tostring(e)) end
            try(o.dns, { nameservers = {} })
            try(o.dns, { nameservers = { "127.0.0.1" }, colour = "red" })
            try(o.dns, { nameservers = { "127.0.0.1" }, cache = "no_such_dict" })
            try(o.dns, { nameservers = { "127.0.0.1" }, retries = 1.5 })
            try(function() o.dns{ nameservers = { "127.0.0.1" } }:query("example.jp") end)
            try(o.diagnose_request, { colour = "red" })
            local a, err = o.dns{ nameservers = { "127.0.0.1:9" }, timeout = 1 }:query("a..b", "TXT")
            ngx.say(tostring(a), " ", err.code) } }
        location = /t/check_default { content_by_lua_block {
            local r = require("spfkit").check{ ip = ngx.var.arg_ip, sender = "postmaster@example.jp" }
            ngx.say(r.result, " ", #r.trace) } }
        location = /__test/submit { alias %s/submit.html; }
        location = /dead/diagnose { content_by_lua_block {
            local o = require "spfkit.openresty"
            local r = assert(o.diagnose_request{ dns = o.dns{ nameservers = { "%s" }, timeout = 5,
                                                              deadline = 1.5 } })
            ngx.say(r:json()) } }
]]):format(px.addr, px.addr, dir, dead.addr) })
  end)

  teardown(function()
    if web then web:stop() end
    if px then px:stop() end
    if dns then dns:stop() end
    if dead then dead:stop() end
    if dir then sh("rm -rf '" .. dir .. "'") end
  end)

  describe("POST /api/diagnose", function()
    local function check_report(code, body)
      assert.equal(200, code, body)
      local r = cjson.decode(body)
      assert.matches("^spfkit%.diagnosis/", r.schema)
      assert.equal("problem", r.status)
      assert.equal(FIX, r.fix.value)
      return r
    end

    it("reads a raw message", function()
      local f = tmpfile(dir, "raw.eml", RAW)
      check_report(curl("-H 'Content-Type: message/rfc822' --data-binary @" .. f .. " " .. web.url .. "/api/diagnose"))
    end)

    it("reads a multipart upload", function()
      local f = tmpfile(dir, "up.eml", RAW)
      check_report(curl("-F 'bounce_file=@" .. f .. ";type=message/rfc822' -F lang=en " .. web.url .. "/api/diagnose"))
    end)

    it("reads a url-encoded textarea", function()
      local f = tmpfile(dir, "ta.eml", RAW)
      check_report(curl("--data-urlencode 'bounce@" .. f .. "' " .. web.url .. "/api/diagnose"))
    end)

    it("reads a bounce over 64 KB that nginx spilled to a file, raw and as a form", function()
      local big = big_bounce()
      assert.is_true(#big > 65536)
      local f = tmpfile(dir, "big.eml", big)
      local _, spilled = web:log():gsub("buffered to a temporary file", "")
      check_report(curl("--data-binary @" .. f .. " " .. web.url .. "/api/diagnose"))
      check_report(curl("-F 'bounce_file=@" .. f .. "' " .. web.url .. "/api/diagnose"))
      check_report(curl("--data-urlencode 'bounce@" .. f .. "' " .. web.url .. "/api/diagnose"))
      local _, now = web:log():gsub("buffered to a temporary file", "")
      assert.equal(spilled + 3, now)
    end)

    it("reads a hand-written form: quoted boundary, a preamble, the text field", function()
      local b = "xx-Bound.ary 42"
      local body = table.concat{
        "preamble to ignore\r\n--", b, "\r\n",
        'Content-Disposition: form-data; name="lang"\r\n\r\nen\r\n--', b, "\r\n",
        'Content-Disposition: form-data; name="bounce_file"; filename=""\r\n',
        "Content-Type: application/octet-stream\r\n\r\n\r\n--", b, "\r\n",
        'Content-Disposition: form-data; name="bounce"\r\n\r\n', RAW, "\r\n--", b, "--\r\n" }
      local f = tmpfile(dir, "form.txt", body)
      local r = check_report(curl("-H 'Content-Type: multipart/form-data; boundary=\"" .. b .. "\"' --data-binary @"
                                  .. f .. " " .. web.url .. "/api/diagnose"))
      assert.equal("en", r.lang)
    end)

    it("answers 400 for an empty body and 413 over the limit, with an error code", function()
      local code, body = curl("-X POST " .. web.url .. "/api/diagnose")
      assert.equal(400, code)
      assert.equal("empty", cjson.decode(body).error.code)
      local f = tmpfile(dir, "huge.eml", RAW .. ("x"):rep(2 * 1024 * 1024 + 10))
      code, body = curl("--data-binary @" .. f .. " " .. web.url .. "/api/diagnose")
      assert.equal(413, code)
      assert.equal("too-large", cjson.decode(body).error.code)
    end)
  end)

  describe("GET /api/check", function()
    it("gives the SPF result of an IP for a domain", function()
      local code, body = curl("'" .. web.url .. "/api/check?ip=164.0.1.2&domain=example.jp'")
      assert.equal(200, code, body)
      assert.equal("softfail", cjson.decode(body).result)
      code, body = curl("'" .. web.url .. "/api/check?ip=192.0.2.5&domain=example.jp'")
      assert.equal(200, code, body)
      assert.equal("pass", cjson.decode(body).result)
      code = curl("'" .. web.url .. "/api/check?ip=192.0.2.5'")
      assert.equal(400, code)
    end)
  end)

  describe("the DNS source", function()
    local function ask(q)
      local code, body = curl("'" .. web.url .. "/t/query?" .. q .. "'")
      assert.equal(200, code, body)
      return cjson.decode(body)
    end

    it("caches answers in the shared dict, TTLs aged, NXDOMAIN per the SOA", function()
      local pxy = assert(fake.start("proxy", { upstream = dns.port }))
      local q = "ns=" .. pxy.addr .. "&cache=spfkit_dns&type=TXT&name="
      local a1 = ask(q .. "fresh.example.jp")
      local a2 = ask(q .. "FRESH.example.jp.")
      local n1 = ask(q .. "nx-fresh.example.jp")
      local n2 = ask(q .. "nx-fresh.example.jp")
      local un = ask("ns=" .. pxy.addr .. "&type=TXT&name=fresh.example.jp")   -- no cache given
      local seen = #pxy:queries()
      pxy:stop()
      assert.same({ "NOERROR", 1, false, 300 }, { a1.rcode, a1.n, a1.cached, a1.ttl })
      assert.same({ "NOERROR", 1, true }, { a2.rcode, a2.n, a2.cached })
      assert.is_true(a2.ttl <= 300 and a2.ttl >= 298)
      assert.same({ "NXDOMAIN", false, "NXDOMAIN", true }, { n1.rcode, n1.cached, n2.rcode, n2.cached })
      assert.is_false(un.cached)
      assert.equal(3, seen)
    end)

    it("tries the next nameserver when one is dead", function()
      local a = ask("ns=" .. dead.addr .. "&ns2=" .. dns.addr .. "&type=TXT&name=example.jp")
      assert.same({ "NOERROR", 2, 2 }, { a.rcode, a.n, a.sent })
      a = ask("ns=" .. dead.addr .. "&type=TXT&name=example.jp")
      assert.equal("timeout", a.err)
    end)

    it("ignores answers that are not to its question, and times out on them alone", function()
      local spoof = assert(fake.start("spoof-then-real", { upstream = dns.port }))
      local wrong = assert(fake.start("wrong-question", { upstream = dns.port }))
      local a = ask("ns=" .. spoof.addr .. "&type=TXT&name=example.jp")
      local b = ask("ns=" .. wrong.addr .. "&type=TXT&name=example.jp")
      spoof:stop()
      wrong:stop()
      assert.same({ "NOERROR", 2 }, { a.rcode, a.n })
      assert.equal("timeout", b.err)
    end)

    it("falls back to TCP for a truncated answer", function()
      local a = ask("ns=" .. dns.addr .. "&type=TXT&name=big.example.jp")
      assert.same({ "NOERROR", 1, 1 }, { a.rcode, a.n, a.tcp })
      assert.equal(#(nsd.big_record()), a.len)
    end)
  end)

  it("runs spfkit.check given no dns through the cosocket source (default_dns)", function()
    local code, body = curl("'" .. web.url .. "/t/check_default?ip=164.0.1.2'")
    assert.equal(200, code, body)
    assert.equal("softfail 2\n", body)
    code, body = curl("'" .. web.url .. "/t/check_default?ip=192.0.2.9'")
    assert.equal(200, code, body)
    assert.equal("pass 2\n", body)
  end)

  it("raises on programmer mistakes and returns nil, err on bad names", function()
    local code, body = curl(web.url .. "/t/errors")
    assert.equal(200, code, body)
    local lines = {}
    for l in body:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.matches("'nameservers' must list 1 to 8", lines[1])
    assert.matches("unknown option 'colour'", lines[2])
    assert.matches("no lua_shared_dict named 'no_such_dict'", lines[3])
    assert.matches("'retries' must be an integer", lines[4])
    assert.matches("expects two strings", lines[5])
    assert.matches("unknown option 'colour'", lines[6])
    assert.equal("nil bad-name", lines[7])
  end)

  describe("never blocks the worker", function()
    it("answers /ping within 50 ms while four slow diagnoses are in flight", function()
      local f = tmpfile(dir, "slow.eml", RAW)
      local outs = {}
      for i = 1, 4 do
        outs[i] = dir .. "/slow" .. i .. ".json"
        sh("curl -s --max-time 30 --data-binary @" .. f .. " " .. web.url .. "/slow/diagnose >" .. outs[i] .. " &")
      end
      local peak
      for _ = 1, 100 do             -- until all four are waiting on the slow proxy
        peak = select(2, px:count())
        if peak >= 4 then break end
        nsd.sleep(0.02)
      end
      assert.is_true(peak >= 4)
      local worst = 0
      for _ = 1, 10 do
        local code, body, t = curl(web.url .. "/ping")
        assert.equal(200, code)
        assert.equal("pong\n", body)
        if t > worst then worst = t end
      end
      assert.is_true(worst < 0.05, "ping took " .. worst .. " s")
      for i = 1, 4 do                -- and the four finish with the right answer
        local body
        for _ = 1, 500 do
          body = read(outs[i])
          if body:find("\n$") then break end
          nsd.sleep(0.05)
        end
        assert.equal(FIX, cjson.decode(body).fix.value)
      end
    end)

    it("asks independent questions at once with query_many", function()
      px:reset()
      local code, body = curl(web.url .. "/slow/many")
      assert.equal(200, code, body)
      local n, peak = px:count()
      assert.same({ 4, 1 }, { n, peak })
      local seq = body
      px:reset()
      code, body = curl(web.url .. "/slow/many?many=1")
      assert.equal(200, code, body)
      n, peak = px:count()
      assert.same({ 4, 4 }, { n, peak })
      assert.equal(seq, body)
      assert.equal("NOERROR 2\nNOERROR 1\nNOERROR 1\nNXDOMAIN 0\n", body)
    end)

    it("ends a diagnosis at the deadline, with a temperror report, when the nameserver is dead", function()
      local f = tmpfile(dir, "dead.eml", RAW)
      local code, body, t = curl("--data-binary @" .. f .. " " .. web.url .. "/dead/diagnose")
      assert.equal(200, code, body)
      local r = cjson.decode(body)
      assert.matches("^spfkit%.diagnosis/", r.schema)
      assert.truthy(body:find("temperror", 1, true), body)
      assert.is_true(t >= 1.5 and t < 3, "took " .. t .. " s")
    end)
  end)

  describe("the page in headless Chromium", function()
    before_each(function()
      if not chromium.available() then pending("chromium is not installed (make deps installs it)") end
    end)

    -- a test-only page: loads the panel's page, pastes the bounce into its
    -- textarea, picks a language and clicks its button, like a customer
    local function submit_page(lang, upload)
      local fill = upload
        and ("var dt=new DataTransfer();dt.items.add(new File([" .. cjson.encode(RAW)
             .. "],'bounce.eml',{type:'message/rfc822'}));document.getElementById('bounce_file').files=dt.files;")
        or ("document.getElementById('bounce').value=" .. cjson.encode(RAW) .. ";")
      write(dir .. "/submit.html", table.concat{
        "<!DOCTYPE html><html><body><script>",
        "fetch('/').then(function(r){return r.text();}).then(function(html){",
        "document.open();document.write(html);document.close();", fill,
        "document.getElementById('lang').value='", lang, "';",
        "document.getElementById('go').click();});",
        "</script></body></html>" })
      return web.url .. "/__test/submit"
    end

    it("shows the form in Japanese by default, without script errors", function()
      local dom, log = chromium.dump_dom(web.url .. "/", dir)
      assert.matches('<html lang="ja" data%-ready="1">', dom)
      assert.truthy(dom:find('id="bounce-form"', 1, true))
      assert.truthy(dom:find("診断する", 1, true))
      assert.is_nil(dom:find('id="report"', 1, true))
      assert.same({}, chromium.script_errors(log))
    end)

    it("diagnoses a bounce pasted into the form: the fix in the DOM, the report on screen", function()
      local dom, log = chromium.dump_dom(submit_page("ja"), dir)
      assert.same({}, chromium.script_errors(log))
      assert.matches('data%-ready="1"', dom)
      assert.truthy(dom:find('<code id="fix-value">' .. FIX .. "</code>", 1, true), dom)
      assert.truthy(dom:find('class="spfkit-report', 1, true))
      assert.truthy(dom:find("spfkit 診断結果", 1, true) or dom:find('lang="ja"', 1, true))
      local png = assert(chromium.screenshot(submit_page("ja"), dir, "900,900"))
      local box = assert(chromium.find_color(png, 0xee, 0xf6, 0xee))   -- the fix box's background
      assert.is_true(box.count > 5000, "fix box pixels: " .. box.count)
      assert.is_true(box.dark > 200, "no text in the fix box")        -- the record and the button, drawn
      local before = assert(chromium.screenshot(web.url .. "/", dir, "900,900"))
      assert.equal(0, assert(chromium.find_color(before, 0xee, 0xf6, 0xee)).count)
    end)

    it("diagnoses a bounce uploaded as a file through the form", function()
      local dom, log = chromium.dump_dom(submit_page("ja", true), dir)
      assert.same({}, chromium.script_errors(log))
      assert.truthy(dom:find('<code id="fix-value">' .. FIX .. "</code>", 1, true), dom)
      assert.matches('<html lang="ja"', dom)
    end)

    it("answers in English when English is picked", function()
      local dom, log = chromium.dump_dom(submit_page("en"), dir)
      assert.same({}, chromium.script_errors(log))
      assert.matches('<html lang="en"', dom)
      assert.truthy(dom:find(FIX, 1, true))
      assert.truthy(dom:find('lang="en"', 1, true))
    end)
  end)

  it("shares the DNS cache between workers", function()
    local pxy = assert(fake.start("proxy", { upstream = dns.port }))
    local two = assert(nginx.start{ workers = 2, reuseport = true, env = { SPFKIT_NAMESERVERS = dns.addr }, locations = ([[
        location = /t/worker { content_by_lua_block {
            local o = require "spfkit.openresty"
            local a = o.dns{ nameservers = { "%s" }, cache = "spfkit_dns" }:query("fresh.example.jp", "TXT")
            ngx.say(ngx.worker.id(), " ", a.cached and "cached" or "asked") } }
]]):format(pxy.addr) })
    local seen = {}
    for _ = 1, 200 do            -- new connections land on either worker
      local code, body = curl("-H 'Connection: close' " .. two.url .. "/t/worker")
      assert.equal(200, code, body)
      local id, how = body:match("^(%d+) (%a+)")
      seen[id] = seen[id] or {}
      seen[id][how] = (seen[id][how] or 0) + 1
      if seen["0"] and seen["1"] then break end
    end
    two:stop()
    local queries = #pxy:queries()
    pxy:stop()
    assert.truthy(seen["0"] and seen["1"], "one worker took every connection")
    assert.equal(1, queries)      -- one worker asked; the other found the answer in the shared dict
    local asked = (seen["0"].asked or 0) + (seen["1"].asked or 0)
    assert.equal(1, asked)
  end)
end)
