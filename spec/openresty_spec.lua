-- spfkit.openresty (issue 14) in real nginx: Debian's nginx with the Lua
-- module runs the example panel (examples/openresty/) against NSD serving
-- the demo's zone, directly or through a slow DNS proxy; all on loopback,
-- all stopped by their pids.
local nginx = require "spec.support.nginx"
local nsd = require "spec.support.nsd"
local slow = require "spec.support.slowdns"

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

local why = nginx.missing() or (not nsd.available() and "nsd is not installed (make deps installs it)")
  or (not slow.available() and "python3 is not installed")
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
  -- a dead end for the deadline test, and a second SPF domain with a chain
  out[#out + 1] = "dead IN NS ns.dead"
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

describe("spfkit.openresty in nginx", function()
  local dns, px, web, dir

  setup(function()
    dns = assert(nsd.start{ zones = { ["example.jp"] = example_lines() } })
    px = assert(slow.start{ upstream = dns.port, delay = 2 })
    web = assert(nginx.start{ workers = 1, env = { SPFKIT_NAMESERVERS = dns.addr }, locations = ([[
        location = /slow/diagnose { content_by_lua_block {
            local o = require "spfkit.openresty"
            local r = assert(o.diagnose_request{ dns = o.dns{ nameservers = { %q }, timeout = 5, retries = 0,
                                                              deadline = tonumber(ngx.var.arg_deadline) or 10 } })
            ngx.say(r:json()) } }
        location = /slow/check { content_by_lua_block {
            local o = require "spfkit.openresty"
            local src = o.dns{ nameservers = { %q }, timeout = 5, retries = 0 }
            local spfkit = require "spfkit"
            local opts = { ip = "164.0.1.2", sender = "postmaster@example.jp" }
            if ngx.var.arg_many ~= "1" then opts = { ip = opts.ip, sender = opts.sender,
                query = function(n, t) return src:query(n, t) end } else opts = src:check_options(opts) end
            local t0 = ngx.now()
            local r = spfkit.check(opts)
            ngx.update_time()
            ngx.say(r.result, " ", string.format("%%.2f", ngx.now() - t0), " ", src:stats().sent) } }
        location = /dead/diagnose { content_by_lua_block {
            local o = require "spfkit.openresty"
            local r = assert(o.diagnose_request{ dns = o.dns{ nameservers = { "127.0.0.1:9" , %q }, timeout = 5,
                                                              deadline = 1.5 } })
            ngx.say(r:json()) } }
]]):format(px.addr, px.addr, px.addr) })
    dir = nsd.tmpdir("spfkit-orspec")
  end)

  teardown(function()
    if web then web:stop() end
    if px then px:stop() end
    if dns then dns:stop() end
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
      assert.equal("pass", cjson.decode(body).result)
      code = curl("'" .. web.url .. "/api/check?ip=192.0.2.5'")
      assert.equal(400, code)
    end)
  end)
end)
