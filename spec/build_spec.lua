local spfkit = require "spfkit"

local zone = assert(spfkit.zone(dofile("spec/fixtures/toolkit/zone.lua")))

-- Terms of a record, each normalised the way merge compares them.
local function term_set(record)
  local rec = assert(spfkit.parse(record))
  local set = {}
  for _, t in ipairs(rec.terms) do set[(t.text:lower():gsub("^%+", ""))] = true end
  for _, m in ipairs(rec.modifier_list) do set[m.text:lower()] = true end
  return set
end

local function count_spf(record)
  local n = 0
  for _ in record:gmatch("v=spf1") do n = n + 1 end
  return n
end

describe("spfkit.build", function()
  it("builds seed 001's example verbatim", function()
    local r, info = spfkit.build{ providers = { { id = "willnet" }, { id = "google-workspace" } }, all = "~" }
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all", r)
    assert.are.equal(4, info.lookups)
    assert.is_false(info.lookups_exact)
    assert.are.equal("lookups-estimated", info.warnings[1].code)
  end)

  it("builds the Zenlogic record of seed 000 and the Sakura record of seed 002", function()
    assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", spfkit.build{ providers = { { id = "zenlogic", ip = "164.0.1.2" } } })
    assert.are.equal("v=spf1 a:www1234.sakura.ne.jp mx ~all",
      spfkit.build{ providers = { { id = "sakura", host = "www1234.sakura.ne.jp" } } })
  end)

  it("builds seed 004's BiND record and seed 001's second example", function()
    assert.are.equal("v=spf1 a mx ip4:122.219.43.142 ip4:122.219.46.7 ip4:122.219.46.23 ip4:122.219.46.39 "
      .. "ip4:122.219.46.55 ip4:210.131.150.91 ip4:210.131.150.92 ip4:122.219.45.73 ip4:122.219.40.14 ~all",
      spfkit.build{ providers = { { id = "bind" } } })
    assert.are.equal("v=spf1 a mx ip4:192.0.2.5 include:_spf.google.com ~all",
      spfkit.build{ providers = { { id = "willnet-vps", ip = "192.0.2.5" }, { id = "google-workspace" } } })
  end)

  it("uses ip6: for an IPv6 server, extra terms, and the all qualifier", function()
    assert.are.equal("v=spf1 ip6:2001:db8::25 -all",
      spfkit.build{ providers = { { id = "zenlogic", ip = "2001:db8::25" } }, all = "-" })
    assert.are.equal("v=spf1 include:_spf.google.com ip4:192.0.2.1 mx ?all",
      spfkit.build{ providers = { { id = "google-workspace" } }, terms = "ip4:192.0.2.1 mx", all = "?all" })
  end)

  it("drops duplicates", function()
    local r, info = spfkit.build{ providers = { { id = "willnet" }, { id = "willnet-vps", ip = "192.0.2.5" } },
      terms = { "MX", "+a" } }
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp ip4:192.0.2.5 ~all", r)
    assert.are.same({ "a", "mx", "MX", "+a" }, info.skipped)
  end)

  it("returns provider notes", function()
    local _, info = spfkit.build{ providers = { { id = "zenlogic", ip = "164.0.1.2" } } }
    assert.are.equal("zenlogic", info.notes[1].provider)
    assert.matches("DKIM", info.notes[1].ja)
  end)

  it("counts lookups through includes with dns", function()
    local r, info = spfkit.build{ providers = { { id = "willnet" }, { id = "google-workspace" } }, dns = zone,
      domain = "example.jp" }
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all", r)
    assert.are.equal(6, info.lookups)
    assert.is_true(info.lookups_exact)
    assert.are.same({}, info.warnings)
  end)

  it("returns nil, err for unknown providers and bad parameters", function()
    local r, err = spfkit.build{ providers = { { id = "nosuch" } } }
    assert.is_nil(r)
    assert.are.equal("unknown-provider", err.code)
    assert.matches("nosuch", err.message_ja)
    r, err = spfkit.build{ providers = { { id = "zenlogic" } } }
    assert.is_nil(r)
    assert.are.same({ "missing-param", "ip" }, { err.code, err.param })
    r, err = spfkit.build{ providers = { { id = "sakura", host = "not a host" } } }
    assert.is_nil(r)
    assert.are.equal("bad-param", err.code)
    r, err = spfkit.build{ terms = { "ip4:999.0.0.1" } }
    assert.is_nil(r)
    assert.are.equal("bad-term", err.code)
    assert.matches("IPv4", err.message_ja)
    r, err = spfkit.build{ providers = { { id = "willnet" } }, all = "+" }
    assert.is_nil(r)
    assert.are.equal("plus-all", err.code)
    r, err = spfkit.build{ providers = { { id = "willnet" } }, all = "maybe" }
    assert.is_nil(r)
    assert.are.equal("bad-all", err.code)
  end)

  it("raises on programmer errors", function()
    assert.has_error(function() spfkit.build() end)
    assert.has_error(function() spfkit.build{ provider = {} } end)
    assert.has_error(function() spfkit.build{ providers = { "willnet" } } end)
    assert.has_error(function() spfkit.build{ providers = { {} } } end)
    assert.has_error(function() spfkit.build{ terms = 5 } end)
  end)
end)

describe("spfkit.merge", function()
  it("merges seed 000's example verbatim", function()
    local r, info = spfkit.merge("v=spf1 include:_spf.example.jp ~all", { "ip4:164.0.1.2" })
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", r)
    assert.are.same({ "ip4:164.0.1.2" }, info.added)
  end)

  it("puts addresses after the leading address terms, others before all", function()
    assert.are.equal("v=spf1 ip4:192.0.2.1 ip4:164.0.1.2 a include:_spf.example.jp include:_spf.google.com ~all",
      spfkit.merge("v=spf1 ip4:192.0.2.1 a include:_spf.example.jp ~all", { "include:_spf.google.com", "ip4:164.0.1.2" }))
    assert.are.equal("v=spf1 ip6:2001:db8::1 mx -all",
      spfkit.merge("v=spf1 mx -all", "ip6:2001:db8::1"))
  end)

  it("takes a whole provider record or provider specs as additions", function()
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp a mx include:spf01.willnet.ad.jp ~all",
      spfkit.merge("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all",
        '"v=spf1 a mx include:spf01.willnet.ad.jp ~all"'))
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all",
      spfkit.merge("v=spf1 include:_spf.example.jp ~all", { { id = "zenlogic", ip = "164.0.1.2" } }))
  end)

  it("keeps the existing all unless opts.all says otherwise", function()
    assert.are.equal("v=spf1 ip4:192.0.2.1 a -all", spfkit.merge("v=spf1 a -all", { "ip4:192.0.2.1", "~all" }))
    assert.are.equal("v=spf1 ip4:192.0.2.1 a ~all", spfkit.merge("v=spf1 a -all", { "ip4:192.0.2.1" }, { all = "~" }))
    -- no all and no redirect: merge does not add one
    assert.are.equal("v=spf1 a mx", spfkit.merge("v=spf1 a", { "mx" }))
    assert.are.equal("v=spf1 a mx -all", spfkit.merge("v=spf1 a", { "mx" }, { all = "-" }))
  end)

  it("keeps redirect last and adds before it", function()
    assert.are.equal("v=spf1 include:_spf.google.com redirect=_spf.example.jp",
      spfkit.merge("v=spf1 redirect=_spf.example.jp", { "include:_spf.google.com" }))
  end)

  it("builds a new record when there is none (seed 000: TXT present, no SPF)", function()
    local r, info = spfkit.merge({ "google-site-verification=***" }, { "ip4:164.0.1.2" })
    assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", r)
    assert.are.same({ "google-site-verification=***" }, info.ignored)
    assert.are.equal("not-spf-ignored", info.warnings[1].code)
    assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", spfkit.merge(nil, { "ip4:164.0.1.2" }))
  end)

  it("merges several v=spf1 records into one (multiple-records)", function()
    local r, info = spfkit.merge({ "v=spf1 a -all", "v=spf1 include:_spf.google.com ~all" })
    assert.are.equal("v=spf1 a include:_spf.google.com -all", r)
    assert.are.equal("all-conflict", info.warnings[1].code)
    -- a redirect from a record without all becomes an include
    r = spfkit.merge({ "v=spf1 ip4:192.0.2.1 -all", "v=spf1 redirect=_spf.example.jp" })
    assert.are.equal("v=spf1 ip4:192.0.2.1 include:_spf.example.jp -all", r)
    -- two exp= keep the first
    local _, info2 = spfkit.merge({ "v=spf1 a -all exp=e1.example.jp", "v=spf1 mx -all exp=e2.example.jp" })
    assert.are.equal("exp-dropped", info2.warnings[1].code)
  end)

  it("does not add a term the record already has with another qualifier", function()
    local r, info = spfkit.merge("v=spf1 -ip4:192.0.2.1 a ~all", { "ip4:192.0.2.1" })
    assert.are.equal("v=spf1 -ip4:192.0.2.1 a ~all", r)
    assert.are.equal("qualifier-conflict", info.warnings[1].code)
  end)

  it("treats equivalent spellings as duplicates", function()
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all",
      spfkit.merge("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all",
        { "ip4:164.0.1.2/32", "+INCLUDE:_spf.example.jp.", "ip4:164.0.1.2" }))
  end)

  it("refuses over 10 lookups with a flattening proposal marked stale", function()
    local r, err = spfkit.merge("v=spf1 include:l1.example.net include:l2.example.net mx ~all",
      { "include:_spf.google.com", "include:l3.example.net" }, { dns = zone, domain = "many.example.jp" })
    assert.is_nil(r)
    assert.are.equal("merge-too-many-lookups", err.code)
    assert.are.equal(16, err.lookups)
    assert.matches("16", err.message_ja)
    local f = assert(err.flatten)
    assert.is_true(f.stale)
    assert.is_true(f.lookups <= 10)
    assert.are.same({ "include:l1.example.net", "include:l2.example.net" }, f.flattened)
    assert.are.equal("v=spf1 ip4:198.51.100.1 ip4:198.51.100.2 ip6:2001:db8::3 ip4:198.51.100.4 mx "
      .. "include:_spf.google.com include:l3.example.net ~all", f.record)
    assert.matches("stale", f.message.en)
    assert.matches("古く", f.message.ja)
    -- the proposal itself passes lint's count
    assert.are.equal(f.lookups, spfkit.lint{ record = f.record, dns = zone, domain = "many.example.jp" }.lookups)
  end)

  it("refuses without a proposal when there is no DNS to flatten with", function()
    local many = "v=spf1 " .. ("include:a.example.jp include:b.example.jp include:c.example.jp "):rep(1)
      .. "a mx ptr exists:x.example.jp include:d.example.jp include:e.example.jp include:f.example.jp ~all"
    local r, err = spfkit.merge(many, { "include:g.example.jp" })
    assert.is_nil(r)
    assert.are.equal(11, err.lookups)
    assert.is_nil(err.flatten)
    assert.matches("dns=", err.flatten_message.en, 1, true)
  end)

  it("returns nil, err for a broken existing record or term", function()
    local r, err = spfkit.merge("v=spf1 ip4:164.0.1.2/33 ~all", { "mx" })
    assert.is_nil(r)
    assert.are.same({ "syntax", 8 }, { err.code, err.position })
    r, err = spfkit.merge("v=spf1 ~all", { "mx:" })
    assert.is_nil(r)
    assert.are.equal("bad-term", err.code)
  end)

  it("raises on programmer errors", function()
    assert.has_error(function() spfkit.merge(5, {}) end)
    assert.has_error(function() spfkit.merge("v=spf1 -all", 5) end)
    assert.has_error(function() spfkit.merge("v=spf1 -all", {}, { bogus = true }) end)
    assert.has_error(function() spfkit.merge("v=spf1 -all", { 5 }) end)
    assert.has_error(function() spfkit.merge({ "v=spf1 -all", 5 }, {}) end)
  end)

  describe("properties", function()
    local existing = {
      "v=spf1 include:_spf.example.jp ~all",
      "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 a mx -all",
      "v=spf1 a ~all ip4:192.0.2.9",
      "v=spf1 redirect=_spf.example.jp",
      "v=spf1 -ip4:192.0.2.66 include:_spf.google.com ?all exp=why.example.jp",
      "v=spf1 ip6:2001:db8::/32 mx:mail.example.jp/24 ~all",
      "v=spf1",
    }
    local additions = {
      { "ip4:164.0.1.2" }, { "include:_spf.google.com" }, { "a", "mx" }, { "ip6:2001:db8::25", "a:www.example.jp" },
      "v=spf1 a mx include:spf01.willnet.ad.jp ~all", { "ip4:192.0.2.66" }, {}, { "x-note=hello" },
    }

    it("is idempotent, gives one record, and keeps every existing term", function()
      for _, e in ipairs(existing) do
        for _, a in ipairs(additions) do
          local once = assert(spfkit.merge(e, a))
          assert.are.equal(once, (spfkit.merge(once, a)), e)
          assert.are.equal(1, count_spf(once))
          local have = term_set(once)
          for k in pairs(term_set(e)) do assert.is_true(have[k], k .. " kept in " .. once) end
        end
      end
    end)

    it("gives one record from several", function()
      for i = 1, #existing - 1 do
        local r = assert(spfkit.merge({ existing[i], existing[i + 1] }, { "ip4:164.0.1.2" }))
        assert.are.equal(1, count_spf(r))
        assert.is_table(spfkit.parse(r))
        local have = term_set(r)
        for _, e in ipairs({ existing[i], existing[i + 1] }) do
          for k in pairs(term_set(e)) do
            if not k:find("^redirect=") and not k:find("^exp=") and not k:find("all$") then assert.is_true(have[k], k .. " in " .. r) end
          end
        end
      end
    end)
  end)
end)
