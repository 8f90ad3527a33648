-- `spfkit audit` over spfkit.audit (issue 13): --shard, --json lines, --bom,
-- --concurrency, checks, exit statuses, a dead name server, and NSD on
-- loopback giving the rows a zone gives.
local cli = require "spfkit.cli"
local spfkit = require "spfkit"
local cjson = require "cjson"
local nsd = require "spec.support.nsd"
local fake = require "spec.support.fakedns"
local core = require "spfkit.core"

local function buffer()
  local b = { parts = {} }
  function b.write(self, ...)
    for i = 1, select("#", ...) do self.parts[#self.parts + 1] = tostring((select(i, ...))) end
    return self
  end
  function b.text(self) return table.concat(self.parts) end
  return b
end

-- Runs the tool in-process: exit status, stdout, stderr.
local function run(args, env)
  env = env or {}
  local out, err = buffer(), buffer()
  local code = cli.main(args, {
    stdout = out, stderr = err, stdin = env.stdin and { read = function() return env.stdin end } or nil,
    getenv = function() return nil end,
    isatty = function(fd) return fd == 2 and env.tty or false end,
    dns = env.dns,
  })
  return code, out:text(), err:text()
end

local function lines_of(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

local function tmpfile(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

-- Customer records as zone lines (relative to "test"): a realistic mix.
local function customer(i)
  local n, k = "c" .. i, i % 8
  local spf = ({ '"v=spf1 include:_spf.prov.test -all"', '"v=spf1 mx include:_spf.prov.test ~all"',
                 '"v=spf1 +all"', '"v=spf1 include:_spf.prov.test"', '"v=spf1 ip4:198.51.100.1 -all"',
                 '"google-site-verification=x"', '"v=spf1 ip4:192.0.2.300 -all"',
                 '"v=spf1 include:_spf.prov.test -all"' })[k + 1]
  local out = { n .. " TXT " .. spf, n .. " MX 10 mx.prov.test." }
  if k == 7 then out[#out + 1] = n .. ' TXT "v=spf1 -all"' end
  if i % 3 == 0 then out[#out + 1] = ("_dmarc.%s TXT \"v=DMARC1; p=reject\""):format(n) end
  return out
end

local function zone_lines(n)
  local lines = { '_spf.prov TXT "v=spf1 ip4:192.0.2.0/25 include:_spf2.prov.test ~all"',
                  '_spf2.prov TXT "v=spf1 ip6:2001:db8::/32 ~all"', "mx.prov A 192.0.2.25" }
  for i = 1, n do
    for _, l in ipairs(customer(i)) do lines[#lines + 1] = l end
  end
  return lines
end

local function list_text(n)
  local t = { "# customers" }
  for i = 1, n do t[#t + 1] = "c" .. i .. ".test" if i % 5 == 0 then t[#t + 1] = "" end end
  return table.concat(t, "\n") .. "\n"
end

describe("spfkit audit (cli, issue 13)", function()
  local N = 40
  local zone_path, list_path

  setup(function()
    zone_path = tmpfile(nsd.zone_text("test", zone_lines(N)))
    list_path = tmpfile(list_text(N))
  end)
  teardown(function()
    os.remove(zone_path)
    os.remove(list_path)
  end)

  local function audit(extra, env)
    local args = { "audit", list_path, "--zone", zone_path }
    for _, a in ipairs(extra or {}) do args[#args + 1] = a end
    return run(args, env)
  end

  it("gives the same rows, in list order, at any concurrency", function()
    local code1, out1 = audit({ "--concurrency", "1" })
    assert.equal(1, code1)
    local rows = lines_of(out1)
    assert.equal(N + 1, #rows)
    for i = 1, N do assert.matches("^c" .. i .. "%.test,", rows[i + 1]) end
    for _, c in ipairs({ "3", "200" }) do
      local code, out = audit({ "--concurrency", c })
      assert.equal(1, code)
      assert.equal(out1, out, "concurrency " .. c)
    end
    assert.equal(2, (audit({ "--concurrency", "0" })))
    assert.equal(2, (audit({ "--concurrency", "many" })))
  end)

  it("--json prints JSON lines with the list position", function()
    local _, out = audit({ "--json" })
    local rows = lines_of(out)
    assert.equal(N, #rows)
    for i, l in ipairs(rows) do
      local t = cjson.decode(l)
      assert.equal(i, t.index)
      assert.equal("c" .. i .. ".test", t.domain)
      assert.is_table(t.findings)
    end
    local plus = cjson.decode(rows[2])           -- c2: +all
    assert.equal("error", plus.status)
    assert.same({ "plus-all", "dmarc-no-record" }, plus.codes)
    assert.equal("reject", cjson.decode(rows[3]).dmarc)
  end)

  it("--shard I/N splits the list: disjoint, complete, by position", function()
    local _, whole = audit({ "--json" })
    local want = {}
    for _, l in ipairs(lines_of(whole)) do local t = cjson.decode(l) want[t.index] = l end
    local seen = 0
    for i = 1, 3 do
      local _, out = audit({ "--json", "--shard", i .. "/3" })
      local last = 0
      for _, l in ipairs(lines_of(out)) do
        local t = cjson.decode(l)
        assert.equal(i - 1, (t.index - 1) % 3)
        assert.is_true(t.index > last)
        last = t.index
        assert.equal(want[t.index], l)
        seen = seen + 1
      end
    end
    assert.equal(N, seen)
    for _, bad in ipairs({ "0/3", "4/3", "1/0", "x", "1/3/4" }) do
      local code, _, err = audit({ "--shard", bad })
      assert.equal(2, code, bad)
      assert.matches("--shard", err, 1, true)
    end
  end)

  it("--bom starts the CSV with a UTF-8 byte order mark; rows as without", function()
    local _, plain = audit()
    local _, bom = audit({ "--bom" })
    assert.equal("\239\187\191" .. plain, bom)
    assert.is_nil(plain:find("^\239\187\191"))
  end)

  it("exit status: 0 all clean, 1 a problem, 2 usage or input", function()
    local code, _, err = audit({}, nil)
    assert.equal(1, code)
    assert.equal("", err)
    local clean = tmpfile("c1.test\nc8.test\n")
    local out
    code, out, err = run({ "audit", clean, "--zone", zone_path })
    os.remove(clean)
    assert.equal(0, code, out)
    assert.equal("", err)
    assert.equal(2, (run({ "audit", "/nonexistent/list.txt", "--zone", zone_path })))
    assert.equal(2, (run({ "audit", "--zone", zone_path })))
    assert.equal(2, (audit({ "--ip", "192.0.2.999" })))
    assert.equal(2, (audit({ "--provider", "no-such-provider" })))
    assert.equal(2, (audit({ "--timeout", "0" })))
  end)

  it("--ip: does every domain authorise the server; the fix adds it", function()
    local _, out = audit({ "--json", "--ip", "192.0.2.5" })
    local rows = {}
    for _, l in ipairs(lines_of(out)) do local t = cjson.decode(l) rows[t.domain] = t end
    assert.is_true(rows["c1.test"].authorized)                -- include:_spf.prov.test
    assert.equal("pass", rows["c1.test"].checks[1].result)
    assert.is_false(rows["c5.test"].authorized)               -- ip4:198.51.100.1 only
    assert.equal("error", rows["c5.test"].status)
    assert.matches("ip4:192.0.2.5", rows["c5.test"].fix, 1, true)
    local _, csv = audit({ "--ip", "192.0.2.5" })
    assert.matches("\nc5%.test,error,[^\n]*,no\n", csv)
  end)

  it("--provider: the provider's terms must be in each domain's tree", function()
    local id, terms
    for _, p in ipairs(spfkit.providers.list()) do
      local t = require("spfkit.build").provider_terms{ id = p.id }
      if t and #t > 0 and t[1]:find("^include:") then id, terms = p.id, t break end
    end
    if not id then pending("no provider without parameters") return end
    local z = {}
    for _, t in ipairs(terms) do
      local target = t:match("^include:(.*)$")
      if target then z[target] = { { TXT = "v=spf1 ip4:203.0.113.0/24 ~all" } } end
    end
    z["has.example.jp"] = { { TXT = "v=spf1 " .. table.concat(terms, " ") .. " ~all" } }
    z["lacks.example.jp"] = { { TXT = "v=spf1 ip4:198.51.100.7 -all" } }
    local code, out = run({ "audit", "-", "--json", "--provider", id },
      { stdin = "has.example.jp\nlacks.example.jp\n", dns = spfkit.zone(z) })
    assert.equal(1, code)
    local has, lacks = cjson.decode(lines_of(out)[1]), cjson.decode(lines_of(out)[2])
    assert.is_true(has.authorized)
    assert.is_false(lacks.authorized)
    assert.is_truthy(table.concat(lacks.codes, " "):find("provider-not-included", 1, true))
    assert.matches(terms[1], lacks.fix, 1, true)
  end)

  it("a terminal gets progress with rate and ETA, then the summary; --summary without one", function()
    local code, out, err = audit({}, { tty = true })
    assert.equal(1, code)
    assert.matches(N .. "/" .. N, err, 1, true)
    assert.matches("ETA", err, 1, true)
    assert.matches(N .. " domains checked.", err, 1, true)
    assert.matches("plus-all", err, 1, true)
    assert.is_nil(out:find("ETA", 1, true))
    local _, out2, err2 = audit({ "--summary" })
    assert.equal(out, out2)
    assert.matches("Summary of " .. N .. " domains", err2, 1, true)
    assert.is_nil(err2:find("ETA", 1, true))
  end)

  describe("over the network", function()
    it("a dead name server gives temperror rows within the deadline", function()
      if not fake.available() then pending("no /usr/bin/python3") return end
      local s = assert(fake.start("silent"))
      local t0 = core.now_ms()
      local code, out = run({ "audit", list_path, "--nameserver", s.addr, "--timeout", "0.3" })
      local took = (core.now_ms() - t0) / 1000
      s:stop()
      assert.equal(1, code)
      local rows = lines_of(out)
      assert.equal(N + 1, #rows)
      for i = 2, #rows do assert.matches("^c%d+%.test,temperror,", rows[i]) end
      -- one round: one try of 0.3 s and one retry (the resolver's default)
      assert.is_true(took < 2 * 0.3 * 2 + 1, "took " .. took)
    end)

    it("NSD on loopback gives the rows the zone gives", function()
      if not nsd.available() then pending("no nsd") return end
      local M = 300
      local srv = assert(nsd.start{ zones = { test = zone_lines(M) }, server_extra = "    rrl-ratelimit: 0" })
      local list = tmpfile(list_text(M))
      local zpath = tmpfile(nsd.zone_text("test", zone_lines(M)))
      local _, want = run({ "audit", list, "--zone", zpath, "--ip", "192.0.2.5" })
      local code, got = run({ "audit", list, "--nameserver", srv.addr, "--concurrency", "50", "--ip", "192.0.2.5" })
      srv:stop()
      os.remove(list)
      os.remove(zpath)
      assert.equal(1, code)
      assert.equal(M + 1, #lines_of(got))
      assert.equal(want, got)
    end)
  end)
end)
