local spfkit = require "spfkit"

local zone = assert(spfkit.zone(dofile("spec/fixtures/toolkit/zone.lua")))

describe("spfkit.whatif", function()
  it("proves seed 000's merged record lets the Zenlogic server pass", function()
    local r = assert(spfkit.whatif{ ip = "164.0.1.2", sender = "info@zen.example.jp", dns = zone,
      record = "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all" })
    assert.are.equal("pass", r.result)
    assert.are.equal("softfail", r.before.result)
    assert.is_true(r.changed)
    assert.are.equal("ip4:164.0.1.2", r.mechanism)
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", r.record)
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", r.proposed_record)
    assert.are.equal("whatif-fixed", r.summary.code)
    assert.matches("164.0.1.2", r.summary.message.ja, 1, true)
    assert.matches("^Received%-SPF: Pass", r.received_spf)
  end)

  it("keeps the include's servers passing, and everything else from DNS", function()
    local r = spfkit.whatif{ ip = "198.51.100.7", sender = "info@zen.example.jp", dns = zone,
      record = "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all" }
    assert.are.equal("pass", r.result)
    assert.are.equal("whatif-unchanged", r.summary.code)
    assert.is_false(r.changed)
  end)

  it("keeps the domain's other TXT records and drops its SPF ones", function()
    local r = spfkit.whatif{ ip = "192.0.2.3", domain = "two.example.jp", dns = zone, record = "v=spf1 a -all" }
    assert.are.equal("permerror", r.before.result)       -- two records now
    assert.are.equal("pass", r.result)
    local seen
    for _, t in ipairs(r.trace) do
      if t.name == "two.example.jp" and t.type == "TXT" then seen = t end
    end
    assert.are.equal(1, #seen.answers)
    r = spfkit.whatif{ ip = "192.0.2.99", domain = "zen.example.jp", dns = zone, record = "v=spf1 -all" }
    for _, t in ipairs(r.trace) do
      if t.name == "zen.example.jp" and t.type == "TXT" then seen = t end
    end
    assert.are.equal(2, #seen.answers)                   -- google-site-verification kept
  end)

  it("warns when the proposal breaks what passes now", function()
    local r = spfkit.whatif{ ip = "203.0.113.5", sender = "a@example.jp", dns = zone, record = "v=spf1 mx -all" }
    assert.are.equal("pass", r.before.result)
    assert.are.equal("fail", r.result)
    assert.are.equal("whatif-broken", r.summary.code)
  end)

  it("says when it does not fix it", function()
    local r = spfkit.whatif{ ip = "192.0.2.200", sender = "a@example.jp", dns = zone,
      record = "v=spf1 a mx ip4:164.0.1.2 ~all" }
    assert.are.equal("softfail", r.result)
    assert.are.equal("whatif-still-failing", r.summary.code)
  end)

  it("evaluates a broken proposal as receivers would", function()
    local r = spfkit.whatif{ ip = "164.0.1.2", domain = "zen.example.jp", dns = zone,
      record = "v=spf1 ip4:164.0.1.2/33 ~all" }
    assert.are.equal("permerror", r.result)
    assert.are.equal("whatif-changed", r.summary.code)
  end)

  it("works for a domain that has no record yet, and without dns", function()
    local r = spfkit.whatif{ ip = "164.0.1.2", domain = "nospf.example.jp", dns = zone,
      record = "v=spf1 ip4:164.0.1.2 ~all" }
    assert.are.equal("none", r.before.result)
    assert.are.equal("pass", r.result)
    r = spfkit.whatif{ ip = "164.0.1.2", domain = "new.example", record = "v=spf1 ip4:164.0.1.2 ~all" }
    assert.are.equal("pass", r.result)
  end)

  it("takes the record as TXT strings, and splits long records", function()
    local r = spfkit.whatif{ ip = "192.0.2.2", domain = "nospf.example.jp", dns = zone,
      record = { "v=spf1 ip4:192.0.2.1 ", "ip4:192.0.2.2 -all" } }
    assert.are.equal("pass", r.result)
    local long = "v=spf1 " .. ("ip4:203.0.113.123 "):rep(20) .. "ip4:192.0.2.2 -all"
    r = spfkit.whatif{ ip = "192.0.2.2", domain = "nospf.example.jp", dns = zone, record = long }
    assert.are.equal("pass", r.result)
    assert.are.equal(long, r.proposed_record)
  end)

  it("passes a DNS timeout through", function()
    local r = spfkit.whatif{ ip = "164.0.1.2", domain = "slow.example.jp", dns = zone,
      record = "v=spf1 include:timeout.example.jp ip4:164.0.1.2 -all" }
    assert.are.equal("temperror", r.result)
  end)

  it("returns nil, err for a bad IP", function()
    local r, err = spfkit.whatif{ ip = "not-an-ip", domain = "zen.example.jp", dns = zone, record = "v=spf1 -all" }
    assert.is_nil(r)
    assert.is_string(err.code)
  end)

  it("raises on programmer errors", function()
    assert.has_error(function() spfkit.whatif() end)
    assert.has_error(function() spfkit.whatif{ ip = "192.0.2.1", domain = "x.jp" } end)          -- no record
    assert.has_error(function() spfkit.whatif{ ip = "192.0.2.1", record = "v=spf1 -all" } end)  -- no domain
    assert.has_error(function() spfkit.whatif{ ip = "192.0.2.1", domain = "x.jp", record = "v=spf1", x = 1 } end)
    assert.has_error(function() spfkit.whatif{ ip = "192.0.2.1", domain = "x.jp", record = "v=spf1", dns = 5 } end)
  end)
end)
