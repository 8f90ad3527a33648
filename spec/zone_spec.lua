local spfkit = require "spfkit"

describe("spfkit.zone", function()
  local z = assert(spfkit.zone{
    ["Example.COM"] = { { TXT = "v=spf1 mx -all" }, { MX = { 10, "MX.example.com." } }, { SPF = "v=spf1 -all" } },
    ["mx.example.com"] = { { A = "192.0.2.10" }, { AAAA = "2001:db8::10" } },
    ["split.example.com"] = { { TXT = { "v=spf1 ip4:192.0.2.1 ", "-all" } } },
    ["www.example.com"] = { { CNAME = "example.com" } },
    ["loop1.example.com"] = { { CNAME = "loop2.example.com" } },
    ["loop2.example.com"] = { { CNAME = "loop1.example.com" } },
    ["dangling.example.com"] = { { CNAME = "nowhere.example.com" } },
    ["slow.example.com"] = { "TIMEOUT" },
    ["half.example.com"] = { { TXT = "v=spf1 -all" }, "TIMEOUT" },
    ["10.2.0.192.in-addr.arpa"] = { { PTR = "mx.example.com" } },
  })

  it("answers by type, case-insensitively, without trailing dots", function()
    local a = z:query("EXAMPLE.com.", "MX")
    assert.are.equal("NOERROR", a.rcode)
    assert.are.same({ 10, "mx.example.com" }, a.records[1].data)
    assert.are.equal("example.com", a.records[1].name)
    assert.are.equal("192.0.2.10", z:query("mx.example.com", "A").records[1].data)
    assert.are.equal("2001:db8::10", z:query("mx.example.com", "AAAA").records[1].data)
    assert.are.equal("mx.example.com", z:query("10.2.0.192.in-addr.arpa", "PTR").records[1].data)
  end)

  it("keeps multi-string TXT records as lists", function()
    assert.are.same({ "v=spf1 ip4:192.0.2.1 ", "-all" }, z:query("split.example.com", "TXT").records[1].data)
  end)

  it("is NXDOMAIN for absent names and NODATA for absent types", function()
    assert.are.equal("NXDOMAIN", z:query("nope.example.com", "TXT").rcode)
    local nodata = z:query("mx.example.com", "TXT")
    assert.are.equal("NOERROR", nodata.rcode)
    assert.are.equal(0, #nodata.records)
  end)

  it("follows CNAMEs like a resolver, and stops loops", function()
    local a = z:query("www.example.com", "TXT")
    assert.are.equal("NOERROR", a.rcode)
    assert.are.equal("CNAME", a.records[1].type)
    assert.are.equal("TXT", a.records[2].type)
    local loop = z:query("loop1.example.com", "A")
    assert.are.equal(0, #(function() local n = {} for _, r in ipairs(loop.records) do if r.type == "A" then n[#n + 1] = r end end return n end)())
    assert.are.equal("NXDOMAIN", z:query("dangling.example.com", "A").rcode)
  end)

  it("times out where TIMEOUT says so", function()
    local a, err = z:query("slow.example.com", "TXT")
    assert.is_nil(a)
    assert.are.equal("timeout", err.code)
    assert.are.equal("NOERROR", z:query("half.example.com", "TXT").rcode)
    assert.is_nil(z:query("half.example.com", "A"))
  end)

  it("stores SPF (type 99) records but the engine never asks for them", function()
    assert.are.equal("v=spf1 -all", z:query("example.com", "SPF").records[1].data[1])
    local r = spfkit.check{ ip = "192.0.2.10", sender = "a@example.com", dns = z }
    assert.are.equal("pass", r.result)
    for _, q in ipairs(r.trace) do assert.are_not.equal("SPF", q.type) end
  end)

  it("returns nil, err for malformed zone data", function()
    local bad = {
      { ["x.example"] = { { A = "999.1.1.1" } } },
      { ["x.example"] = { { MX = "mx" } } },
      { ["x.example"] = { { FOO = "bar" } } },
      { ["x.example"] = { { A = "192.0.2.1", TXT = "two keys" } } },
      { ["x.example"] = { 42 } },
      { [1] = { { A = "192.0.2.1" } } },
    }
    for _, data in ipairs(bad) do
      local zz, err = spfkit.zone(data)
      assert.is_nil(zz)
      assert.are.equal("bad-zone", err.code)
    end
  end)

  it("raises for a non-table argument", function()
    assert.has_error(function() spfkit.zone("x") end)
  end)

  it("has a useful tostring", function()
    assert.are.equal("spfkit.zone (10 names)", tostring(z))
  end)

  describe("CNAME chains (issue 10)", function()
    -- c1 -> c2 -> ... -> cN -> end.example, which has the A record
    local function chain(n)
      local data = { ["end.example"] = { { A = "192.0.2.1" }, { TXT = "v=spf1 ip4:192.0.2.1 -all" } } }
      for i = 1, n do
        data["c" .. i .. ".example"] = { { CNAME = i == n and "end.example" or ("c" .. (i + 1) .. ".example") } }
      end
      return assert(spfkit.zone(data))
    end

    local function a_records(ans)
      local n = 0
      for _, r in ipairs(ans.records) do if r.type == "A" then n = n + 1 end end
      return n
    end

    it("follows 11 CNAMEs in a row, as BIND and Unbound do by default", function()
      local ans = chain(11):query("c1.example", "A")
      assert.are.equal("NOERROR", ans.rcode)
      assert.are.equal(1, a_records(ans))
      assert.are.equal(12, #ans.records)       -- the 11 CNAMEs, then the address
      -- 9 in a row worked before only up to 8 (Unbound's old limit, NLnetLabs/unbound#438)
      assert.are.equal(1, a_records(chain(9):query("c1.example", "A")))
    end)

    it("a 12th CNAME is SERVFAIL, and the check a temperror", function()
      local long = chain(12)
      local ans = long:query("c1.example", "A")
      assert.are.equal("SERVFAIL", ans.rcode)
      assert.are.equal(0, a_records(ans))
      local r = spfkit.check{ ip = "192.0.2.1", sender = "x@c1.example", dns = long }
      assert.are.equal("temperror", r.result)
      assert.are.equal("pass", spfkit.check{ ip = "192.0.2.1", sender = "x@c1.example", dns = chain(11) }.result)
    end)
  end)
end)
