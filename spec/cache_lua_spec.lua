-- spfkit.cache over a DNS source written in Lua (issue 14): the same TTL
-- rule, negative caching, LRU bound, clock and stats as over a C source.
local spfkit = require "spfkit"

-- a Lua source over fixed answers, counting what it is asked
local function source(answers)
  local s = { asked = {}, many = {} }
  function s:query(name, qtype)
    self.asked[#self.asked + 1] = name .. " " .. qtype
    local a = answers[name .. " " .. qtype]
    if a == "timeout" then return nil, { code = "timeout", message = "no answer" } end
    if not a then return { rcode = "SERVFAIL", records = {} } end
    local copy = {}
    for k, v in pairs(a) do copy[k] = v end
    return copy
  end
  return s
end

local function txt(name, ttl, text)
  return { rcode = "NOERROR", records = { { name = name, type = "TXT", ttl = ttl, data = { text } } } }
end

local ANSWERS = {
  ["example.org TXT"] = txt("example.org", 300, "v=spf1 include:_spf.example.org -all"),
  ["_spf.example.org TXT"] = txt("_spf.example.org", 30, "v=spf1 ip4:192.0.2.0/24 -all"),
  ["nx.example.org TXT"] = { rcode = "NXDOMAIN", records = {}, neg_ttl = 60 },
  ["nosoa.example.org TXT"] = { rcode = "NXDOMAIN", records = {} },
  ["slow.example.org TXT"] = "timeout",
}

describe("spfkit.cache over a Lua source", function()
  it("serves repeated questions from the cache, marked cached, TTLs aged", function()
    local src = source(ANSWERS)
    local c = spfkit.cache{}
    local v = c:over(src)
    local a1 = assert(v:query("example.org", "TXT"))
    c:advance(100)
    local a2 = assert(v:query("EXAMPLE.org.", "TXT"))
    assert.is_nil(a1.cached)
    assert.is_true(a2.cached)
    assert.equal(200, a2.records[1].ttl)
    assert.equal(300, a1.records[1].ttl)
    assert.equal(1, #src.asked)
    local st = c:stats()
    assert.same({ 1, 1, 1 }, { st.hits, st.misses, st.size })
    assert.matches("^spfkit.cache %(1/10000 entries, 1 hits, 1 misses%)", tostring(c))
  end)

  it("expires answers after their TTL", function()
    local src = source(ANSWERS)
    local c = spfkit.cache{}
    local v = c:over(src)
    assert(v:query("_spf.example.org", "TXT"))
    c:advance(31)
    assert.is_nil(assert(v:query("_spf.example.org", "TXT")).cached)
    assert.equal(2, #src.asked)
    assert.equal(1, c:stats().expired)
  end)

  it("caches NXDOMAIN for the SOA's negative TTL, capped by max_neg_ttl, and not without it", function()
    local src = source(ANSWERS)
    local c = spfkit.cache{ max_neg_ttl = 10 }
    local v = c:over(src)
    assert.equal("NXDOMAIN", assert(v:query("nx.example.org", "TXT")).rcode)
    c:advance(9)
    assert.is_true(assert(v:query("nx.example.org", "TXT")).cached)
    c:advance(2)
    assert.is_nil(assert(v:query("nx.example.org", "TXT")).cached)
    assert(v:query("nosoa.example.org", "TXT"))
    assert(v:query("nosoa.example.org", "TXT"))
    assert.equal(4, #src.asked)
  end)

  it("never caches failures", function()
    local src = source(ANSWERS)
    local v = spfkit.cache{}:over(src)
    local a, err = v:query("slow.example.org", "TXT")
    assert.is_nil(a)
    assert.equal("timeout", err.code)
    assert.equal("SERVFAIL", assert(v:query("unknown.example.org", "TXT")).rcode)
    assert(v:query("slow.example.org", "TXT") == nil)
    assert(v:query("unknown.example.org", "TXT"))
    assert.equal(4, #src.asked)
  end)

  it("keeps at most max answers, dropping the least recently used", function()
    local src = source(ANSWERS)
    local c = spfkit.cache{ max = 1 }
    local v = c:over(src)
    assert(v:query("example.org", "TXT"))
    assert(v:query("_spf.example.org", "TXT"))
    assert.is_nil(assert(v:query("example.org", "TXT")).cached)
    assert.equal(2, c:stats().evictions)
    assert.equal(1, c:stats().size)
  end)

  it("asks the source's query_many for what it lacks, in order", function()
    local src = source(ANSWERS)
    function src:query_many(list)
      self.many[#self.many + 1] = #list
      local out = {}
      for i, q in ipairs(list) do out[i] = self:query(q[1], q[2]) or { rcode = "TIMEOUT", records = {} } end
      return out
    end
    local v = spfkit.cache{}:over(src)
    assert(v:query("example.org", "TXT"))
    local got = v:query_many{ { "_spf.example.org", "TXT" }, { "example.org", "TXT" }, { "slow.example.org", "TXT" },
                              { "nx.example.org", "TXT" } }
    assert.same({ 3 }, src.many)
    assert.same({ "NOERROR", "NOERROR", "TIMEOUT", "NXDOMAIN" },
                { got[1].rcode, got[2].rcode, got[3].rcode, got[4].rcode })
    assert.same({ false, true, false, false }, { got[1].cached == true, got[2].cached == true,
                                                 got[3].cached == true, got[4].cached == true })
  end)

  it("takes a plain function as the source", function()
    local n = 0
    local v = spfkit.cache{}:over(function(name, qtype)
      n = n + 1
      return ANSWERS[name .. " " .. qtype]
    end)
    assert(v:query("example.org", "TXT"))
    assert.is_true(assert(v:query("example.org", "TXT")).cached)
    assert.equal(1, n)
  end)

  it("is a DNS source for spfkit.check (query, query_many) and spfkit.diagnose", function()
    local src = source(ANSWERS)
    local v = spfkit.cache{}:over(src)
    local r = assert(spfkit.check{ ip = "192.0.2.7", sender = "a@example.org",
                                   query = function(n, t) return v:query(n, t) end,
                                   query_many = function(l) return v:query_many(l) end })
    assert.equal("pass", r.result)
    r = assert(spfkit.check{ ip = "203.0.113.7", sender = "a@example.org",
                             query = function(n, t) return v:query(n, t) end })
    assert.equal("fail", r.result)
    assert.equal(2, #src.asked)
    local report = spfkit.diagnose{ domain = "example.org", ip = "192.0.2.7", dns = v }
    assert.matches("^spfkit%.diagnosis/", report.schema)
  end)

  it("shares flush, stats and close with the C side", function()
    local c = spfkit.cache{}
    local v = c:over(source(ANSWERS))
    assert(v:query("example.org", "TXT"))
    c:flush()
    assert.equal(0, c:stats().size)
    assert.is_nil(assert(v:query("example.org", "TXT")).cached)
    c:close()
    assert.has_error(function() c:over(source(ANSWERS)) end)
    assert.equal("spfkit.cache (closed)", tostring(c))
    v:close()
    assert.has_error(function() v:query("example.org", "TXT") end, "spfkit.cache view: closed")
  end)
end)
