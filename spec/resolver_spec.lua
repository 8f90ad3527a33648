-- spfkit.resolver against a real NSD on 127.0.0.1 (issue 3), plus a
-- misbehaving fake server for the failure paths.
local spfkit = require "spfkit"
local core = require "spfkit.core"
local nsd = require "spec.support.nsd"
local fake = require "spec.support.fakedns"

if not nsd.available() then
  describe("spfkit.resolver", function()
    pending("nsd is not installed (make deps installs it)")
  end)
  return
end

local function elapsed_since(t0) return (core.now_ms() - t0) / 1000 end

describe("spfkit.resolver", function()
  local srv, r

  setup(function()
    srv = assert(nsd.start{ zones = nsd.spf_zones() })
    r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 2, retries = 1 }
  end)

  teardown(function()
    if r then r:close() end
    if srv then srv:stop() end
  end)

  describe("options", function()
    it("raises on unknown options and bad values", function()
      assert.has_error(function() spfkit.resolver{ nameserver = { "127.0.0.1" } } end,
        "spfkit.resolver: unknown option 'nameserver'")
      assert.has_error(function() spfkit.resolver{ nameservers = "127.0.0.1" } end)
      assert.has_error(function() spfkit.resolver{ nameservers = {} } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "127.0.0.1" }, timeout = 0 } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "127.0.0.1" }, retries = 1.5 } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "127.0.0.1" }, tcp = "sometimes" } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "127.0.0.1" }, edns = 100 } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "example.com" } } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "127.0.0.1:99999" } } end)
      assert.has_error(function() spfkit.resolver{ nameservers = { "[::1" } } end)
    end)

    it("takes IPv4 and IPv6 addresses with and without ports", function()
      local x = spfkit.resolver{ nameservers = { "127.0.0.1:5353", "[2001:db8::53]:53", "::1", "192.0.2.1" },
                                 port = 5300, timeout = 0.5, retries = 0, tcp = "never", edns = 0 }
      local o = x:options()
      assert.same({ "127.0.0.1:5353", "[2001:db8::53]:53", "[::1]:5300", "192.0.2.1:5300" }, o.nameservers)
      assert.equal(0.5, o.timeout)
      assert.equal(0, o.retries)
      assert.equal("never", o.tcp)
      assert.equal(0, o.edns)
      x:close()
    end)

    it("reads its defaults from resolv.conf with ldns", function()
      local dir = nsd.tmpdir("spfkit-resolv")
      local f = assert(io.open(dir .. "/resolv.conf", "w"))
      f:write("# test\nnameserver 127.0.0.1\nnameserver 2001:db8::53\nsearch example.com\n")
      f:close()
      local x = assert(spfkit.resolver{ resolv_conf = dir .. "/resolv.conf" })
      assert.same({ "127.0.0.1:53", "[2001:db8::53]:53" }, x:options().nameservers)
      assert.equal(2, x:options().timeout)
      assert.equal("fallback", x:options().tcp)
      assert.equal(1232, x:options().edns)
      x:close()
      f = assert(io.open(dir .. "/empty.conf", "w"))
      f:write("# nothing\n")
      f:close()
      local y, err = spfkit.resolver{ resolv_conf = dir .. "/empty.conf" }
      assert.is_nil(y)
      assert.equal("no-nameservers", err.code)
      os.execute("rm -rf '" .. dir .. "'")
    end)
  end)

  describe("r:query", function()
    it("returns the zone:query shape for TXT (multi-string) records", function()
      local a = assert(r:query("_spf.example.com", "TXT"))
      assert.equal("NOERROR", a.rcode)
      assert.same({ name = "_spf.example.com", type = "TXT", ttl = 300,
                    data = { "v=spf1 ip4:198.51.100.0/24", " ~all" } }, a.records[1])
      assert.is_number(a.ms)
    end)

    it("returns MX, A and AAAA records", function()
      local a = assert(r:query("mxd.example.com", "MX"))
      assert.equal(3, #a.records)
      assert.same({ 10, "mx1.mxd.example.com" }, a.records[1].data)
      assert.same("192.0.2.12", assert(r:query("mx2.mxd.example.com", "A")).records[1].data)
      assert.same("2001:db8::12", assert(r:query("MX2.mxd.Example.COM.", "AAAA")).records[1].data)
    end)

    it("includes CNAME chains as records", function()
      local a = assert(r:query("alias.example.com", "A"))
      assert.same({ name = "alias.example.com", type = "CNAME", ttl = 300, data = "ad.example.com" }, a.records[1])
      assert.same({ name = "ad.example.com", type = "A", ttl = 300, data = "192.0.2.40" }, a.records[2])
    end)

    it("tells NODATA from NXDOMAIN and keeps the SOA minimum (RFC 2308)", function()
      local nodata = assert(r:query("nodata.example.com", "A"))
      assert.equal("NOERROR", nodata.rcode)
      assert.same({}, nodata.records)
      assert.equal(60, nodata.neg_ttl)
      local nx = assert(r:query("nx.example.com", "A"))
      assert.equal("NXDOMAIN", nx.rcode)
      assert.equal(60, nx.neg_ttl)
    end)

    it("returns REFUSED for names outside the served zones", function()
      assert.equal("REFUSED", assert(r:query("elsewhere.org", "TXT")).rcode)
    end)

    it("gets a ~3 KB TXT record through TCP fallback", function()
      local before = r:stats()
      local a = assert(r:query("big.example.com", "TXT"))
      local text = table.concat(a.records[1].data)
      assert.equal((nsd.big_record()), text)
      assert.is_true(#text > 3000)
      local after = r:stats()
      assert.equal(before.tcp + 1, after.tcp)
      assert.equal(before.truncated + 1, after.truncated)
    end)

    it("gets it over UDP when EDNS allows a big enough payload", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, edns = 8192, tcp = "never" }
      assert.is_true(#table.concat(assert(x:query("big.example.com", "TXT")).records[1].data) > 3000)
      assert.equal(0, x:stats().tcp)
      x:close()
    end)

    it("always uses TCP with tcp = \"always\"", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, tcp = "always" }
      assert.equal("NOERROR", assert(x:query("soft.example.com", "TXT")).rcode)
      assert.same({ 0, 1 }, { x:stats().udp, x:stats().tcp })
      x:close()
    end)

    it("returns nil, err {code = \"truncated\"} with tcp = \"never\"", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, tcp = "never", edns = 0 }
      local a, err = x:query("big.example.com", "TXT")
      assert.is_nil(a)
      assert.equal("truncated", err.code)
      assert.matches("truncated", err.message)
      local res = spfkit.check{ ip = "192.0.2.200", sender = "a@big.example.com", dns = x }
      assert.equal("temperror", res.result)
      x:close()
    end)

    it("raises on a bad type and when closed; close is idempotent", function()
      assert.has_error(function() r:query("example.com", "BOGUS") end)
      local x = spfkit.resolver{ nameservers = { srv.addr } }
      assert.matches("^spfkit.resolver %(127%.0%.0%.1:%d+, 0 queries%)$", tostring(x))
      x:close()
      x:close()
      assert.equal("spfkit.resolver (closed)", tostring(x))
      assert.has_error(function() x:query("example.com", "TXT") end, "spfkit.resolver: closed")
      -- the engine gets an error answer, not a crash
      assert.equal("temperror", spfkit.check{ ip = "192.0.2.1", sender = "a@example.com", dns = x }.result)
    end)

    it("answers invalid names with NXDOMAIN without sending anything", function()
      local q = r:stats().queries
      assert.equal("NXDOMAIN", assert(r:query(("a"):rep(64) .. ".example.com", "A")).rcode)
      assert.equal("NXDOMAIN", assert(r:query("a..example.com", "A")).rcode)
      assert.equal(q, r:stats().queries)
    end)

    it("is collected (__gc) and has __close for to-be-closed variables", function()
      local mt = getmetatable(spfkit.resolver{ nameservers = { srv.addr } })
      assert.is_function(mt.__gc)
      assert.is_function(mt.__close)
      for _ = 1, 50 do spfkit.resolver{ nameservers = { srv.addr } } end
      collectgarbage()
      collectgarbage()
    end)
  end)

  describe("spfkit.check{dns = resolver}", function()
    for _, c in ipairs(nsd.CASES) do
      it(("%s from %s is %s"):format(c.sender ~= "" and c.sender or c.helo, c.ip, c.result), function()
        local res = assert(spfkit.check{ ip = c.ip, sender = c.sender, helo = c.helo, dns = r })
        assert.equal(c.result, res.result, res.problem)
        if c.mechanism then assert.equal(c.mechanism, res.mechanism) end
        if c.problem_code then assert.equal(c.problem_code, res.problem_code) end
        if c.explanation then assert.equal(c.explanation, res.explanation) end
        for _, e in ipairs(res.trace) do
          assert.is_number(e.ms)
          assert.is_nil(e.cached)
        end
      end)
    end

    it("records NODATA and NXDOMAIN in the trace (void lookups)", function()
      local res = spfkit.check{ ip = "192.0.2.1", sender = "a@void2.example.com", dns = r }
      assert.equal(2, res.void_lookups)
      local rc = {}
      for _, e in ipairs(res.trace) do rc[e.name .. "/" .. e.type] = e.rcode end
      assert.equal("NOERROR", rc["nodata.example.com/A"])
      assert.equal("NXDOMAIN", rc["nx1.example.com/A"])
    end)

    it("never asks the same (name, type) twice within a check (counted by a proxy)", function()
      if not fake.available() then pending("no /usr/bin/python3") return end
      -- every name twice, and the MX and PTR names again through a and ptr
      local z = assert(nsd.start{ zones = { ["dup.test"] = {
        '@    TXT "v=spf1 include:a.dup.test include:a.dup.test mx mx a:m1.dup.test ptr exists:m1.dup.test -all"',
        'a    TXT "v=spf1 mx:dup.test a:m1.dup.test ?all"',
        '@    MX 10 m1', '@ MX 20 m2',
        'm1   A 192.0.2.1', 'm2 A 192.0.2.2',
      } } })
      local px = assert(fake.start("proxy", { upstream = z.port }))
      local x = spfkit.resolver{ nameservers = { px.addr } }
      local res = spfkit.check{ ip = "203.0.113.5", sender = "a@dup.test", dns = x,
                                limits = { lookups = 20, void_lookups = 20 } }
      local seen, n = {}, 0
      for _, q in ipairs(px:queries()) do
        local key = q.name .. "/" .. q.type
        assert.is_nil(seen[key], "asked twice: " .. key)
        seen[key] = true
        n = n + 1
      end
      assert.equal(#res.trace, n)
      assert.equal(n, x:stats().queries)
      assert.is_true(n >= 5)
      x:close()
      px:stop()
      z:stop()
    end)
  end)

  describe("failures", function()
    it("a nameserver with nothing listening gives temperror within timeout x (retries + 1)", function()
      -- a port that was just in use and is closed now
      local gone = assert(fake.start("silent"))
      gone:stop()
      local x = spfkit.resolver{ nameservers = { gone.addr }, timeout = 0.3, retries = 1 }
      local t0 = core.now_ms()
      local a, err = x:query("example.com", "TXT")
      assert.is_nil(a)
      assert.equal("network", err.code)
      local res = spfkit.check{ ip = "192.0.2.1", sender = "a@example.com", dns = x }
      assert.equal("temperror", res.result)
      assert.equal("NETWORK", res.trace[1].rcode)
      assert.is_true(elapsed_since(t0) < 2 * 0.3 * 2 + 0.5)
      x:close()
    end)

    it("a silent nameserver times out after timeout x (retries + 1)", function()
      local s = assert(fake.start("silent"))
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 0.25, retries = 1 }
      local t0 = core.now_ms()
      local res = spfkit.check{ ip = "192.0.2.1", sender = "a@example.com", dns = x }
      local took = elapsed_since(t0)
      assert.equal("temperror", res.result)
      assert.equal("TIMEOUT", res.trace[1].rcode)
      assert.is_true(took >= 0.5 - 0.02, "took " .. took)
      assert.is_true(took < 0.5 + 0.4, "took " .. took)
      assert.equal(2, #s:queries())   -- one try and one retry
      local a, err = x:query("example.com", "TXT")
      assert.is_nil(a)
      assert.equal("timeout", err.code)
      x:close()
      s:stop()
    end)

    it("tries the next nameserver after a timeout", function()
      local s = assert(fake.start("silent"))
      local x = spfkit.resolver{ nameservers = { s.addr, srv.addr }, timeout = 0.2, retries = 0 }
      assert.equal("NOERROR", assert(x:query("soft.example.com", "TXT")).rcode)
      x:close()
      s:stop()
    end)

    local function misbehaving(mode, code, fn)
      it(mode .. " answers give nil, err (" .. code .. ") and temperror", function()
        if not fake.available() then pending("no /usr/bin/python3") return end
        local s = assert(fake.start(mode, { upstream = srv.port }))
        local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 0.3, retries = 0, tcp = fn and fn.tcp }
        local a, err = x:query("soft.example.com", "TXT")
        assert.is_nil(a)
        assert.equal(code, err.code)
        assert.is_string(err.message)
        local res = spfkit.check{ ip = "192.0.2.1", sender = "a@soft.example.com", dns = x }
        assert.equal("temperror", res.result)
        x:close()
        s:stop()
      end)
    end
    misbehaving("garbage", "timeout")          -- not an answer to anything: ignored
    misbehaving("short", "timeout")
    misbehaving("wrong-id", "timeout")          -- rejected, not accepted
    misbehaving("wrong-question", "timeout")
    misbehaving("garbage-id", "bad-answer")
    misbehaving("oversized", "bad-answer")
    misbehaving("truncated", "truncated", { tcp = "never" })
    misbehaving("truncated-cut", "truncated", { tcp = "never" })
    misbehaving("truncated", "network")         -- TCP fallback: nothing listens on TCP

    it("ignores a spoofed wrong-id answer and takes the real one", function()
      if not fake.available() then pending("no /usr/bin/python3") return end
      local s = assert(fake.start("spoof-then-real", { upstream = srv.port }))
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 1, retries = 0 }
      local a = assert(x:query("soft.example.com", "TXT"))
      assert.same({ "v=spf1 ip4:192.0.2.1 ~all" }, a.records[1].data)
      assert.equal(1, x:stats().ignored)
      x:close()
      s:stop()
    end)
  end)
end)
