local spfkit = require "spfkit"
local tree = require "spfkit.tree"
local errors = require "spfkit.errors"

local DATA = dofile("spec/fixtures/toolkit/zone.lua")
local zone = assert(spfkit.zone(DATA))

-- A zone that counts the questions it is asked.
local function counting(data)
  local z = assert(spfkit.zone(data))
  local c = { asked = {}, n = 0 }
  function c:query(name, qtype)
    local k = name .. "/" .. qtype
    self.asked[k] = (self.asked[k] or 0) + 1
    self.n = self.n + 1
    return z:query(name, qtype)
  end
  return c
end

local function child(node, domain)
  for _, c in ipairs(node.children) do
    if c.domain == domain then return c end
  end
end

describe("spfkit.tree", function()
  it("resolves the record and the include tree once, in record order", function()
    local root = assert(spfkit.tree{ domain = "Example.JP.", dns = zone })
    assert.are.equal("example.jp", root.domain)
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all", root.record)
    assert.are.same({ root.record }, root.records)
    assert.are.equal(4, root.lookups)          -- a, mx, 2 includes
    assert.are.equal(6, root.total_lookups)    -- and the 2 includes of _spf.google.com
    assert.are.equal(5, #root.terms)             -- all included
    assert.are.equal("include", root.terms[3].mechanism)
    assert.are.same({ "spf01.willnet.ad.jp", "_spf.google.com" }, { root.children[1].domain, root.children[2].domain })
    local g = root.children[2]
    assert.are.same({ "include", "include:_spf.google.com", 2, 2 }, { g.via, g.term, g.lookups, g.total_lookups })
    assert.are.same({ "_netblocks.google.com", "_netblocks2.google.com" },
      { g.children[1].domain, g.children[2].domain })
    assert.are.equal("ip6:2001:4860:4000::/36", g.children[2].addresses[1].term)
    assert.are.equal(36, g.children[2].addresses[1].cidr)
  end)

  it("gives the addresses a/mx/ip4/ip6 terms stand for, with their TTL", function()
    local root = assert(spfkit.tree{ domain = "ttl.example", dns = assert(spfkit.zone{
      ["ttl.example"] = { { TXT = "v=spf1 ip4:192.0.2.0/24 a/28 mx -all", ttl = 600 },
                          { A = "192.0.2.77", ttl = 120 }, { MX = { 10, "mx.ttl.example" } } },
      ["mx.ttl.example"] = { { A = "198.51.100.5", ttl = 60 }, { AAAA = "2001:db8::5", ttl = 90 } },
    }) })
    assert.are.equal(600, root.ttl)
    local by = {}
    for _, a in ipairs(root.addresses) do by[a.ip] = a end
    assert.are.same({ term = "ip4:192.0.2.0/24", ip = "192.0.2.0", cidr = 24, ttl = 600 }, by["192.0.2.0"])
    assert.are.same({ term = "a/28", ip = "192.0.2.77", cidr = 28, ttl = 120, name = "ttl.example" },
      by["192.0.2.77"])
    assert.are.equal(60, by["198.51.100.5"].ttl)
    assert.are.equal(128, by["2001:db8::5"].cidr)
    assert.are.equal("mx", by["2001:db8::5"].term)
  end)

  it("counts lookups and void lookups as the engine does", function()
    for _, d in ipairs({ "example.jp", "zen.example.jp", "redir.example.jp", "voids.example.jp",
                         "noinc.example.jp", "noaddr.example.jp" }) do
      local root = assert(spfkit.tree{ domain = d, dns = zone })
      local c = spfkit.check{ ip = "192.0.2.254", sender = "x@" .. d, dns = zone }
      assert.are.equal(c.lookups, root.total_lookups, d)
      assert.are.equal(c.void_lookups, root.total_void, d)
    end
  end)

  it("records DNS trouble in the nodes as error tables, never raises", function()
    local slow = assert(spfkit.tree{ domain = "slow.example.jp", dns = zone }).children[1]
    assert.are.equal("dns-temperror", slow.error.code)
    assert.is_true(errors.is(slow.error))
    assert.matches("^dns%-temperror: ", tostring(slow.error))
    local none = assert(spfkit.tree{ domain = "noinc.example.jp", dns = zone })
    assert.are.equal("no-record", none.children[1].error.code)
    assert.are.equal(1, none.void)                  -- a name with no TXT at all is a void lookup
    assert.are.equal("nxdomain", assert(spfkit.tree{ domain = "nx.example.jp", dns = zone }).error.code)
    local two = assert(spfkit.tree{ domain = "two.example.jp", dns = zone })
    assert.are.equal("multiple-records", two.error.code)
    assert.is_nil(two.record)
    assert.are.same({ "v=spf1 a -all", "v=spf1 include:_spf.google.com ~all" }, two.records)
    local bad = assert(spfkit.tree{ domain = "syntax.example.jp", dns = zone })
    assert.are.equal("syntax", bad.error.code)
    assert.are.equal(8, bad.error.position)
    assert.are.same({}, bad.children)
  end)

  it("marks a cycle and stops there", function()
    local root = assert(spfkit.tree{ domain = "loop.example.jp", dns = zone })
    local back = root.children[1].children[1]
    assert.are.equal("loop.example.jp", back.domain)
    assert.is_true(back.loop)
    assert.are.same({}, back.children)
  end)

  it("follows redirect only when there is no all", function()
    local root = assert(spfkit.tree{ domain = "redir.example.jp", dns = zone })
    assert.are.same({ "redirect", "_spf.example.jp" }, { root.children[1].via, root.children[1].domain })
    root = assert(spfkit.tree{ record = "v=spf1 -all redirect=_spf.example.jp", domain = "x.example.jp", dns = zone })
    assert.are.same({}, root.children)
    assert.are.equal(0, root.total_lookups)
  end)

  it("asks every question once per call", function()
    local c = counting(DATA)
    local root = assert(spfkit.tree{ domain = "many.example.jp", dns = c })
    assert.are.equal(13, root.total_lookups)
    for k, n in pairs(c.asked) do assert.are.equal(1, n, k) end
    assert.are.equal(1, c.asked["h1.example.net/A"])       -- in l1 and l3, and an MX host of h5
    assert.are.equal(c.n, root.questions)
  end)

  it("expands %{d}/%{o} targets; others are macro nodes", function()
    local root = assert(spfkit.tree{ domain = "mac.example", dns = assert(spfkit.zone{
      ["mac.example"] = { { TXT = "v=spf1 include:_s.%{d} include:%{i}._ip.example exists:%{l}.x.example -all" } },
      ["_s.mac.example"] = { { TXT = "v=spf1 ip4:192.0.2.1 -all" } },
    }) })
    assert.are.equal("_s.mac.example", root.children[1].domain)
    assert.is_true(root.children[2].macro)
    assert.are.equal(3, root.lookups)
    assert.are.equal("macro", root.results[3].status)
  end)

  it("keeps at most limits.mx MX hosts", function()
    local data = { ["mx.example"] = { { TXT = "v=spf1 mx -all" } } }
    for i = 1, 4 do
      data["mx.example"][#data["mx.example"] + 1] = { MX = { i, "h" .. i .. ".mx.example" } }
      data["h" .. i .. ".mx.example"] = { { A = "192.0.2." .. i } }
    end
    local z = assert(spfkit.zone(data))
    assert.are.equal(4, #assert(spfkit.tree{ domain = "mx.example", dns = z }).addresses)
    assert.are.equal(2, #assert(spfkit.tree{ domain = "mx.example", dns = z, limits = { mx = 2 } }).addresses)
  end)

  it("works with a yielding query function (deferred, cosocket style)", function()
    local asked = 0
    local co = coroutine.wrap(function()
      return spfkit.tree{ domain = "example.jp", query = function(name, qtype)
        asked = asked + 1
        return coroutine.yield(name, qtype)
      end }
    end)
    local name, qtype = co()
    local root
    while type(name) == "string" do
      name, qtype = co(zone:query(name, qtype))
      if type(name) == "table" then root = name end
    end
    assert.is_table(root)
    assert.are.equal(6, root.total_lookups)
    assert.are.equal(root.questions, asked)
  end)

  it("asks a level's questions together through query_many", function()
    local batches = {}
    local root = assert(spfkit.tree{ domain = "many.example.jp", query_many = function(qs)
      batches[#batches + 1] = #qs
      local out = {}
      for i, q in ipairs(qs) do out[i] = zone:query(q[1], q[2]) end
      return out
    end })
    assert.are.equal(13, root.total_lookups)
    -- root TXT; the level below: 3 TXT + MX; mail's A/AAAA; then l1..l3's terms
    assert.is_true(#batches < root.questions / 2, #batches .. " batches for " .. root.questions)
    assert.are.equal(4, batches[2])
  end)

  it("a source that raises or returns garbage is a temperror", function()
    local root = assert(spfkit.tree{ domain = "x.example", query = function(name)
      if name == "x.example" then return { rcode = "NOERROR", records = {
        { type = "TXT", data = "v=spf1 include:boom.example include:junk.example -all" } } } end
      if name == "boom.example" then error("socket closed") end
      return "junk"
    end })
    assert.are.equal("dns-temperror", root.children[1].error.code)
    assert.matches("socket closed", root.children[1].error.message, 1, true)
    assert.are.equal("dns-temperror", root.children[2].error.code)
  end)

  it("counts statically without a DNS source", function()
    local root = assert(spfkit.tree{ record = "v=spf1 a mx include:_spf.google.com ip4:192.0.2.1 ~all" })
    assert.are.equal(3, root.total_lookups)
    assert.are.same({}, root.children)
    assert.are.equal(1, #root.addresses)
  end)

  it("returns nil, err for a bad domain; raises on programmer mistakes", function()
    local r, err = spfkit.tree{ domain = "exa mple", dns = zone }
    assert.is_nil(r)
    assert.are.equal("bad-domain", err.code)
    assert.matches("^bad%-domain: ", tostring(err))
    assert.is_nil((spfkit.tree{ domain = "a..example", dns = zone }))
    assert.is_nil((spfkit.tree{ domain = ("a"):rep(250) .. ".example", dns = zone }))
    assert.has_error(function() spfkit.tree("example.jp") end)
    assert.has_error(function() spfkit.tree{ domain = "example.jp" } end)
    assert.has_error(function() spfkit.tree{ domain = "example.jp", dns = zone, bogus = 1 } end)
    assert.has_error(function() spfkit.tree{ domain = "example.jp", dns = {} } end)
    assert.has_error(function() spfkit.tree{ domain = "example.jp", dns = zone, limits = { nope = 1 } } end)
  end)

  it("each visits nodes depth-first in record order", function()
    local seen = {}
    tree.each(assert(spfkit.tree{ domain = "example.jp", dns = zone }), function(n, depth)
      seen[#seen + 1] = depth .. ":" .. n.domain
    end)
    assert.are.same({ "0:example.jp", "1:spf01.willnet.ad.jp", "1:_spf.google.com", "2:_netblocks.google.com",
                      "2:_netblocks2.google.com" }, seen)
    assert.is_table(child(assert(spfkit.tree{ domain = "dup.example.jp", dns = zone }), "dupinc.example.jp"))
  end)
end)

describe("the record toolkit below the facade (issue 10)", function()
  it("lint, build, txt, whatif and tree never load require 'spfkit'", function()
    local saved_loaded, saved_preload = {}, package.preload.spfkit
    for name, m in pairs(package.loaded) do
      if name == "spfkit" or (name:find("^spfkit%.") and name ~= "spfkit.core") then
        saved_loaded[name] = m
        package.loaded[name] = nil
      end
    end
    package.preload.spfkit = function() error("the facade was required") end
    local ok, err = pcall(function()
      local z = assert(require("spfkit.core").zone(DATA))
      assert.are.equal(6, require("spfkit.lint").lint{ domain = "example.jp", dns = z }.lookups)
      assert.is_string((require("spfkit.build").merge("v=spf1 -all", { "ip4:192.0.2.1" }, { dns = z })))
      assert.is_table(require("spfkit.txt").txt("v=spf1 -all"))
      assert.are.equal("pass", require("spfkit.whatif").whatif{ ip = "192.0.2.1", domain = "nospf.example.jp",
        dns = z, record = "v=spf1 ip4:192.0.2.1 -all" }.result)
      assert.is_table(require("spfkit.tree").tree{ domain = "example.jp", dns = z })
    end)
    package.preload.spfkit = saved_preload
    for name in pairs(package.loaded) do
      if name:find("^spfkit%.") and name ~= "spfkit.core" then package.loaded[name] = nil end
    end
    for name, m in pairs(saved_loaded) do package.loaded[name] = m end
    assert(ok, err)
  end)
end)
