-- The diagnosis over real DNS: NSD on loopback serving the demo's zone
-- (examples/zones/example.jp.zone's records), asked through spfkit's
-- resolver, in-process and from the CLI. Same answer as the offline zone.
local spfkit = require "spfkit"
local nsd = require "spec.support.nsd"

if not nsd.available() then
  describe("spfkit.diagnose over NSD", function()
    pending("nsd is not installed (make deps installs it)")
  end)
  return
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- the records of the bundled master file, minus its own SOA/NS/$ lines
local function example_lines()
  local out = {}
  for line in read("examples/zones/example.jp.zone"):gmatch("[^\n]+") do
    if line:match("^[@%w_]") and not line:match("SOA") and not line:match("^%s") then
      out[#out + 1] = line:gsub(";.*$", "")
    end
  end
  return out
end

describe("spfkit.diagnose over NSD", function()
  local srv
  local raw = read("examples/bounces/zenlogic-gmail-5.7.26.eml")

  setup(function()
    srv = assert(nsd.start{ zones = { ["example.jp"] = example_lines() } })
  end)

  teardown(function()
    if srv then srv:stop() end
  end)

  it("gives the offline zone's diagnosis, in-process", function()
    local r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 2, retries = 1 }
    local live = spfkit.diagnose{ bounce = raw, dns = r, lang = "en" }
    local offline = spfkit.diagnose{ bounce = raw, dns = spfkit.zone_file("examples/zones/example.jp.zone") }
    r:close()
    assert.are.equal("spf-fail", live.case)
    assert.are.equal(offline.fix.action, live.fix.action)
    assert.are.equal(offline.fix.value, live.fix.value)
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", live.fix.value)
    assert.are.equal("pass", live.whatif.result)
    assert.are.same(offline.spf.other_txt, live.spf.other_txt)
    assert.are.equal(300, live.fix.ttl)                -- NSD's zone: $TTL 300
  end)

  it("asks each question once per diagnosis", function()
    local r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 2, retries = 1 }
    local rep = spfkit.diagnose{ bounce = raw, dns = r }
    local stats = r:stats()
    r:close()
    -- TXT/SPF example.jp, TXT _spf, TXT _dmarc, PTR: a handful, not dozens;
    -- plus one TXT per DKIM selector tried (asked once each)
    local tried = rep.dkim and #rep.dkim.tried or 0
    assert.is_true(stats.queries <= 8 + tried, "queries: " .. tostring(stats.queries))
  end)

  it("gives the same from the CLI with --nameserver", function()
    local lua = jit and "luajit" or "lua5.4"
    local p = assert(io.popen(lua .. " bin/spfkit diagnose examples/bounces/zenlogic-gmail-5.7.26.eml --json"
                              .. " --nameserver " .. srv.addr .. "; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    assert.matches("exit=1\n$", out)
    local cjson = require "cjson"
    local v = cjson.decode((out:gsub("exit=1\n$", "")))
    assert.are.equal("merge", v.fix.action)
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", v.fix.value)
  end)

  it("reports temperror when the server is gone", function()
    local r = spfkit.resolver{ nameservers = { "127.0.0.1:9" }, timeout = 0.2, retries = 0 }
    local rep = spfkit.diagnose{ bounce = raw, dns = r }
    r:close()
    assert.are.equal("spf-temperror", rep.case)
    assert.are.equal("none", rep.fix.action)
  end)
end)
