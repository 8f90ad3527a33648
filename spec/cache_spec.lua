-- spfkit.cache (issue 3): TTLs with floor and ceiling, RFC 2308 negative
-- caching, LRU, shared by several checks, keeps its source alive.
local spfkit = require "spfkit"
local nsd = require "spec.support.nsd"
local fake = require "spec.support.fakedns"

describe("spfkit.cache", function()
  local srv, r

  setup(function()
    if nsd.available() then
      srv = assert(nsd.start{ zones = nsd.spf_zones(), neg_ttl = 60 })
      r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 1, retries = 0 }
    end
  end)

  teardown(function()
    if r then r:close() end
    if srv then srv:stop() end
  end)

  describe("options", function()
    it("raises on unknown options and bad values", function()
      assert.has_error(function() spfkit.cache{ size = 10 } end, "spfkit.cache: unknown option 'size'")
      assert.has_error(function() spfkit.cache{ max = -1 } end)
      assert.has_error(function() spfkit.cache{ max = 1.5 } end)
      assert.has_error(function() spfkit.cache{ min_ttl = 100, max_ttl = 10 } end)
      assert.has_error(function() spfkit.cache{ max = "10" } end)
      assert.has_error(function() spfkit.cache{}:over({}) end)
      assert.has_error(function() spfkit.cache{}:over(spfkit.cache{}) end)
    end)

    it("has defaults", function()
      local c = spfkit.cache()
      assert.equal(10000, c:stats().max)
      assert.matches("^spfkit.cache %(0/10000 entries", tostring(c))
    end)
  end)

  describe("over a resolver", function()
    before_each(function() if not r then pending("nsd is not installed") end end)

    it("serves repeated queries from the cache, marked cached", function()
      local c = spfkit.cache{ max = 100 }
      local v = c:over(r)
      local q = r:stats().queries
      local a1 = assert(v:query("soft.example.com", "TXT"))
      local a2 = assert(v:query("SOFT.example.com.", "TXT"))
      assert.is_nil(a1.cached)
      assert.is_true(a2.cached)
      assert.equal(0, a2.ms)
      assert.same(a1.records, a2.records)
      assert.equal(q + 1, r:stats().queries)
      local st = c:stats()
      assert.same({ 1, 1, 1 }, { st.hits, st.misses, st.size })
    end)

    it("honours TTLs and serves them decremented", function()
      local c = spfkit.cache{}
      local v = c:over(r)
      assert(v:query("soft.example.com", "TXT"))
      c:advance(100)
      local a = assert(v:query("soft.example.com", "TXT"))
      assert.is_true(a.cached)
      assert.equal(200, a.records[1].ttl)
      c:advance(201)
      a = assert(v:query("soft.example.com", "TXT"))
      assert.is_nil(a.cached)
      assert.equal(300, a.records[1].ttl)
      assert.equal(1, c:stats().expired)
    end)

    it("applies the floor and the ceiling", function()
      local floor = spfkit.cache{ min_ttl = 600 }
      local v = floor:over(r)
      assert(v:query("soft.example.com", "TXT"))
      floor:advance(500)
      assert.is_true(assert(v:query("soft.example.com", "TXT")).cached)
      local ceil = spfkit.cache{ max_ttl = 10 }
      v = ceil:over(r)
      assert(v:query("soft.example.com", "TXT"))
      ceil:advance(11)
      assert.is_nil(assert(v:query("soft.example.com", "TXT")).cached)
    end)

    it("caches NXDOMAIN and NODATA for the SOA minimum (RFC 2308)", function()
      local c = spfkit.cache{}
      local v = c:over(r)
      for _, q in ipairs{ { "nx.example.com", "A", "NXDOMAIN" }, { "nodata.example.com", "A", "NOERROR" } } do
        local a = assert(v:query(q[1], q[2]))
        assert.equal(q[3], a.rcode)
        assert.equal(60, a.neg_ttl)
        assert.is_true(assert(v:query(q[1], q[2])).cached)
      end
      c:advance(59)
      assert.is_true(assert(v:query("nx.example.com", "A")).cached)
      c:advance(2)
      assert.is_nil(assert(v:query("nx.example.com", "A")).cached)
      assert.is_nil(assert(v:query("nodata.example.com", "A")).cached)
    end)

    it("caps negative TTLs with max_neg_ttl", function()
      local c = spfkit.cache{ max_neg_ttl = 30 }
      local v = c:over(r)
      assert(v:query("nx.example.com", "A"))
      c:advance(31)
      assert.is_nil(assert(v:query("nx.example.com", "A")).cached)
    end)

    it("does not cache REFUSED, timeouts or network failures", function()
      local c = spfkit.cache{}
      local v = c:over(r)
      assert.equal("REFUSED", assert(v:query("elsewhere.org", "TXT")).rcode)
      assert.is_nil(assert(v:query("elsewhere.org", "TXT")).cached)
      local gone = assert(fake.start("silent"))
      gone:stop()
      local dead = spfkit.resolver{ nameservers = { gone.addr }, timeout = 0.2, retries = 0 }
      local dv = c:over(dead)
      local a, err = dv:query("example.com", "TXT")
      assert.is_nil(a)
      assert.equal("network", err.code)
      assert.is_nil(dv:query("example.com", "TXT"))
      assert.equal(0, c:stats().size)
    end)

    it("evicts the least recently used entry", function()
      local c = spfkit.cache{ max = 2 }
      local v = c:over(r)
      assert(v:query("soft.example.com", "TXT"))
      assert(v:query("ad.example.com", "A"))
      assert(v:query("soft.example.com", "TXT"))   -- soft is now the most recent
      assert(v:query("mxd.example.com", "MX"))     -- evicts ad
      local st = c:stats()
      assert.same({ 2, 1 }, { st.size, st.evictions })
      assert.is_true(assert(v:query("soft.example.com", "TXT")).cached)
      assert.is_nil(assert(v:query("ad.example.com", "A")).cached)
    end)

    it("is shared by several checks, whose traces show the cached answers", function()
      local c = spfkit.cache{ max = 1000 }
      local dns = c:over(r)
      local first = spfkit.check{ ip = "198.51.100.7", sender = "a@example.com", dns = dns }
      assert.equal("pass", first.result)
      for _, e in ipairs(first.trace) do assert.is_nil(e.cached) end
      local q = r:stats().queries
      local again = spfkit.check{ ip = "198.51.100.8", sender = "b@example.com", dns = dns }
      assert.equal("pass", again.result)
      for _, e in ipairs(again.trace) do
        assert.is_true(e.cached)
        assert.equal(0, e.ms)
      end
      assert.equal(q, r:stats().queries)
      -- the whole fixture twice: the second round sends nothing
      for _, cs in ipairs(nsd.CASES) do spfkit.check{ ip = cs.ip, sender = cs.sender, helo = cs.helo, dns = dns } end
      q = r:stats().queries
      for _, cs in ipairs(nsd.CASES) do
        local res = spfkit.check{ ip = cs.ip, sender = cs.sender, helo = cs.helo, dns = dns }
        assert.equal(cs.result, res.result, cs.sender)
      end
      -- only the two checks that meet REFUSED (elsewhere.org, not cacheable) ask again
      assert.equal(q + 2, r:stats().queries)
    end)

    it("keeps the source it wraps alive", function()
      local c = spfkit.cache{}
      local v = c:over(spfkit.resolver{ nameservers = { srv.addr } })
      collectgarbage()
      collectgarbage()
      assert.equal("NOERROR", assert(v:query("soft.example.com", "TXT")).rcode)
      -- and the view keeps the cache alive
      local v2 = spfkit.cache{}:over(r)
      collectgarbage()
      collectgarbage()
      assert(v2:query("soft.example.com", "TXT"))
      assert.is_true(assert(v2:query("soft.example.com", "TXT")).cached)
    end)
  end)

  describe("over a zone", function()
    it("caches positive answers and skips negative ones without an SOA", function()
      local z = spfkit.zone{ ["example.com"] = { { TXT = "v=spf1 -all" } } }
      local c = spfkit.cache{}
      local v = c:over(z)
      assert(v:query("example.com", "TXT"))
      assert.is_true(assert(v:query("example.com", "TXT")).cached)
      assert.equal("NXDOMAIN", assert(v:query("nx.example.com", "TXT")).rcode)
      assert.is_nil(assert(v:query("nx.example.com", "TXT")).cached)
      assert.equal(1, c:stats().size)
    end)

    it("flushes, closes, and raises when closed", function()
      local z = spfkit.zone{ ["example.com"] = { { TXT = "v=spf1 -all" } } }
      local c = spfkit.cache{}
      local v = c:over(z)
      assert(v:query("example.com", "TXT"))
      c:flush()
      assert.equal(0, c:stats().size)
      assert.is_nil(assert(v:query("example.com", "TXT")).cached)
      c:close()
      c:close()
      assert.equal("spfkit.cache (closed)", tostring(c))
      assert.has_error(function() c:stats() end, "spfkit.cache: closed")
      assert.has_error(function() v:query("example.com", "TXT") end)
      local res = spfkit.check{ ip = "192.0.2.1", sender = "a@example.com", dns = v }
      assert.equal("temperror", res.result)
      v:close()
      assert.equal("spfkit.cache view (closed)", tostring(v))
    end)
  end)
end)
