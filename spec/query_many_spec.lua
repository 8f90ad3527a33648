-- r:query_many (issue 13): many questions at once over the blocking
-- resolver, against a real NSD on 127.0.0.1 and a misbehaving fake server.
-- Elapsed times are asserted only where the issue demands a deadline, with
-- generous bounds.
local spfkit = require "spfkit"
local core = require "spfkit.core"
local nsd = require "spec.support.nsd"
local fake = require "spec.support.fakedns"

if not nsd.available() then
  describe("r:query_many", function()
    pending("nsd is not installed (make deps installs it)")
  end)
  return
end

local function elapsed_since(t0) return (core.now_ms() - t0) / 1000 end

-- an answer without its timing, for comparisons
local function bare(a)
  local t = {}
  for k, v in pairs(a) do if k ~= "ms" then t[k] = v end end
  return t
end

describe("r:query_many", function()
  local srv, r

  setup(function()
    srv = assert(nsd.start{ zones = nsd.spf_zones() })
    r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 2, retries = 1 }
  end)

  teardown(function()
    if r then r:close() end
    if srv then srv:stop() end
  end)

  describe("against NSD", function()
    it("answers every question in order, as r:query does", function()
      local qs = {
        { "example.com", "TXT" }, { "mxd.example.com", "MX" }, { "mx2.mxd.example.com", "AAAA" },
        { "nx.example.com", "TXT" }, { "nodata.example.com", "A" }, { "CN.Example.COM.", "TXT" },
        { "example.com", "TXT" },
      }
      local got = r:query_many(qs)
      assert.equal(#qs, #got)
      for i, q in ipairs(qs) do
        local one = assert(r:query(q[1], q[2]))
        assert.same(bare(one), bare(got[i]))
        assert.is_number(got[i].ms)
      end
      assert.equal("NXDOMAIN", got[4].rcode)
      assert.equal("NODATA", (#got[5].records == 0 and got[5].rcode == "NOERROR") and "NODATA" or "?")
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(got[6].records[2].data))
    end)

    it("answers more questions than fit on the wire at once", function()
      local qs, names = {}, { "example.com", "soft.example.com", "nx.example.com", "mxd.example.com" }
      for i = 1, 1300 do qs[i] = { names[i % #names + 1], i % 3 == 0 and "A" or "TXT" } end
      local before = r:stats().queries
      local got = r:query_many(qs)
      assert.equal(#qs, #got)
      for i, q in ipairs(qs) do
        assert.same(bare(assert(r:query(q[1], q[2]))), bare(got[i]), "question " .. i)
      end
      assert.equal(before + 2 * #qs, r:stats().queries)
    end)

    it("falls back to TCP per question for a truncated answer", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, edns = 0 }
      local got = x:query_many{ { "big.example.com", "TXT" }, { "soft.example.com", "TXT" } }
      assert.equal((nsd.big_record()), table.concat(got[1].records[1].data))
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(got[2].records[1].data))
      assert.same({ 1, 1 }, { x:stats().truncated, x:stats().tcp })
      x:close()
    end)

    it("gives a truncated failure with tcp = \"never\"", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, edns = 0, tcp = "never" }
      local got = x:query_many{ { "big.example.com", "TXT" }, { "soft.example.com", "TXT" } }
      assert.equal("ERROR", got[1].rcode)
      assert.same({}, got[1].records)
      assert.equal("truncated", got[1].error.code)
      assert.equal("truncated: " .. got[1].error.message, tostring(got[1].error))
      assert.equal("NOERROR", got[2].rcode)
      x:close()
    end)

    it("asks over TCP only with tcp = \"always\"", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, tcp = "always" }
      local got = x:query_many{ { "big.example.com", "TXT" }, { "nx.example.com", "TXT" } }
      assert.equal((nsd.big_record()), table.concat(got[1].records[1].data))
      assert.equal("NXDOMAIN", got[2].rcode)
      assert.same({ 0, 2 }, { x:stats().udp, x:stats().tcp })
      x:close()
    end)

    it("answers a name that cannot be asked as NXDOMAIN, and an empty list with {}", function()
      local got = r:query_many{ { ("a"):rep(70) .. ".example.com", "TXT" }, { "soft.example.com", "TXT" } }
      assert.equal("NXDOMAIN", got[1].rcode)
      assert.equal("NOERROR", got[2].rcode)
      assert.same({}, r:query_many{})
    end)

    it("serves spfkit.check through query_many in deferred mode", function()
      local x = spfkit.resolver{ nameservers = { srv.addr } }
      local rounds = 0
      local function many(qs) rounds = rounds + 1 return x:query_many(qs) end
      local function one(name, qtype) return x:query(name, qtype) end
      for _, c in ipairs(nsd.CASES) do
        local res = spfkit.check{ ip = c.ip, sender = c.sender, helo = c.helo, query = one, query_many = many }
        local want = spfkit.check{ ip = c.ip, sender = c.sender, helo = c.helo, dns = x }
        assert.equal(want.result, res.result, c.sender)
        assert.equal(c.result, res.result, c.sender)
      end
      assert.is_true(rounds > 0)
      x:close()
    end)

    it("asks the next nameserver per question after REFUSED, and keeps the answer when none has better", function()
      local other = assert(nsd.start{ zones = { ["elsewhere.org"] = { '@ TXT "v=spf1 -all"' } } })
      local x = spfkit.resolver{ nameservers = { srv.addr, other.addr }, retries = 0 }
      local got = x:query_many{ { "soft.example.com", "TXT" }, { "elsewhere.org", "TXT" }, { "nowhere.net", "TXT" } }
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(got[1].records[1].data))
      assert.equal("v=spf1 -all", table.concat(got[2].records[1].data))
      assert.equal("REFUSED", got[3].rcode)   -- both refuse: the first refusal is the answer
      local one = spfkit.resolver{ nameservers = { srv.addr }, retries = 0 }
      assert.equal("REFUSED", one:query_many{ { "elsewhere.org", "TXT" } }[1].rcode)
      one:close()
      x:close()
      other:stop()
    end)

    it("raises on programmer mistakes", function()
      assert.has_error(function() r:query_many("example.com") end)
      assert.has_error(function() r:query_many{ "example.com" } end)
      assert.has_error(function() r:query_many{ { "example.com", "BOGUS" } } end)
      assert.has_error(function() r:query_many{ { 42, "TXT" } } end)
      assert.has_error(function() r:query_many{ { "a\0b", "TXT" } } end)
      local x = spfkit.resolver{ nameservers = { srv.addr } }
      x:close()
      assert.has_error(function() x:query_many{ { "example.com", "TXT" } } end, "spfkit.resolver: closed")
    end)
  end)

  describe("against a misbehaving server", function()
    local function start(mode, delay)
      if not fake.available() then return nil end
      return assert(fake.start(mode, { upstream = srv.port, delay = delay }))
    end

    it("takes a late answer that comes within the budget", function()
      local s = start("late", 0.3)
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 1.5, retries = 0 }
      local got = x:query_many{ { "soft.example.com", "TXT" }, { "example.com", "TXT" } }
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(got[1].records[1].data))
      assert.equal("NOERROR", got[2].rcode)
      x:close()
      s:stop()
    end)

    it("times out every question of a server that never answers, in parallel, within the budget", function()
      local s = start("silent")
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 0.3, retries = 1 }
      local qs = {}
      for i = 1, 40 do qs[i] = { "d" .. i .. ".example.com", "TXT" } end
      local t0 = core.now_ms()
      local got = x:query_many(qs)
      local took = elapsed_since(t0)
      for i = 1, #qs do
        assert.equal("TIMEOUT", got[i].rcode)
        assert.same({}, got[i].records)
        assert.equal("timeout", got[i].error.code)
      end
      assert.is_true(took >= 0.6 - 0.05, "took " .. took)
      assert.is_true(took < 2 * 0.6, "took " .. took)   -- budget: timeout x (retries + 1)
      assert.equal(2 * #qs, #s:queries())
      x:close()
      s:stop()
    end)

    it("ignores a wrong-id answer and takes the right one", function()
      local s = start("spoof-then-real")
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 1, retries = 0 }
      local got = x:query_many{ { "soft.example.com", "TXT" }, { "mxd.example.com", "MX" } }
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(got[1].records[1].data))
      assert.equal(3, #got[2].records)
      assert.is_true(x:stats().ignored >= 2)
      x:close()
      s:stop()
    end)

    it("tries the next nameserver when the first never answers", function()
      local s = start("silent")
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr, srv.addr }, timeout = 0.2, retries = 0 }
      local got = x:query_many{ { "soft.example.com", "TXT" }, { "nx.example.com", "TXT" } }
      assert.equal("NOERROR", got[1].rcode)
      assert.equal("NXDOMAIN", got[2].rcode)
      x:close()
      s:stop()
    end)

    -- issue 13: a late truncated answer, then a TCP server that never
    -- answers, used to take nearly twice the budget
    local function truncated_then_silent_tcp(ask)
      local s = start("truncated-late", 0.6)
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 1, retries = 0 }
      local t0 = core.now_ms()
      local code = ask(x)
      local took = elapsed_since(t0)
      assert.equal("timeout", code)
      assert.is_true(took >= 0.6, "took " .. took)
      assert.is_true(took < 1.5, "took " .. took)   -- one budget (1 s) for UDP and TCP together
      assert.equal(1, x:stats().tcp)
      x:close()
      s:stop()
    end

    it("ends a truncated-then-silent-TCP try within one budget (query_many)", function()
      truncated_then_silent_tcp(function(x)
        return x:query_many{ { "soft.example.com", "TXT" } }[1].error.code
      end)
    end)

    it("ends a truncated-then-silent-TCP try within one budget (r:query)", function()
      truncated_then_silent_tcp(function(x)
        local a, err = x:query("soft.example.com", "TXT")
        assert.is_nil(a)
        return err.code
      end)
    end)

    -- issue 13: a malformed datagram with our id and question is dropped
    -- while waiting, not taken as the answer
    it("drops a malformed answer and takes the real one after it (query_many)", function()
      local s = start("malformed-then-real", 0.3)
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 1.5, retries = 0 }
      local got = x:query_many{ { "soft.example.com", "TXT" }, { "example.com", "TXT" } }
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(got[1].records[1].data))
      assert.equal("NOERROR", got[2].rcode)
      assert.is_true(x:stats().ignored >= 2)
      x:close()
      s:stop()
    end)

    it("drops a malformed answer and takes the real one after it (r:query)", function()
      local s = start("malformed-then-real", 0.3)
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 1.5, retries = 0 }
      local a = assert(x:query("soft.example.com", "TXT"))
      assert.equal("v=spf1 ip4:192.0.2.1 ~all", table.concat(a.records[1].data))
      x:close()
      s:stop()
    end)

    it("reports bad-answer when only malformed answers come", function()
      local s = start("garbage-id")
      if not s then pending("no /usr/bin/python3") return end
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 0.3, retries = 0 }
      local got = x:query_many{ { "soft.example.com", "TXT" } }
      assert.equal("ERROR", got[1].rcode)
      assert.equal("bad-answer", got[1].error.code)
      x:close()
      s:stop()
    end)
  end)
end)
