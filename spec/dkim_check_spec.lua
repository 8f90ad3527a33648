-- spfkit.dkim.check, selectors, discover, split and guidance (issue 12,
-- items 2, 3 and 5) over zones with keys generated at test time.
local spfkit = require "spfkit"
local dkim = require "spfkit.dkim"
local i18n = require "spfkit.i18n"
local dk = require "spec.support.dkim"

local function codes(res)
  local out = {}
  for _, f in ipairs(res.findings) do out[#out + 1] = f.code end
  table.sort(out)
  return table.concat(out, " ")
end

local function finding(res, code)
  for _, f in ipairs(res.findings) do if f.code == code then return f end end
end

describe("spfkit.dkim.check", function()
  if not dk.available() then
    pending("needs openssl and python3-dkim")
    return
  end
  local ctx, key, short, zone
  setup(function()
    ctx = dk.new()
    key, short = ctx:genkey("rsa", 2048), ctx:genkey("rsa", 1024)
    local strings = dkim.split(key.record)
    zone = spfkit.zone{
      ["default._domainkey.example.jp"] = { { TXT = strings } },
      ["short._domainkey.example.jp"] = { { TXT = short.record } },
      ["selector1._domainkey.example.jp"] = { { CNAME = "selector1-example-jp._domainkey.contoso.onmicrosoft.com" } },
      ["selector1-example-jp._domainkey.contoso.onmicrosoft.com"] = { { TXT = strings } },
      ["selector2._domainkey.example.jp"] = { { CNAME = "selector2-example-jp._domainkey.contoso.onmicrosoft.com" } },
      ["loop._domainkey.example.jp"] = { { CNAME = "loop2._domainkey.example.jp" } },
      ["loop2._domainkey.example.jp"] = { { CNAME = "loop._domainkey.example.jp" } },
      -- the customer's mistakes
      ["default._domainkey.doubled.jp.doubled.jp"] = { { TXT = strings } },
      ["default.nolabel.jp"] = { { TXT = strings } },
      ["default._domainkey.spftype.jp"] = { { SPF = key.record }, { A = "192.0.2.1" } },
      ["default._domainkey.multi.jp"] = { { TXT = strings }, { TXT = short.record } },
      ["default._domainkey.cut.jp"] = { { TXT = "v=DKIM1; k=rsa; p=" .. key.p:sub(1, 236) } },
      ["default._domainkey.quoted.jp"] = { { TXT = 'v=DKIM1; k=rsa; p=' .. key.p:sub(1, 200) .. '" "' .. key.p:sub(201) } },
      ["default._domainkey.revoked.jp"] = { { TXT = "v=DKIM1; k=rsa; p=" } },
      ["default._domainkey.nodata.jp"] = { { A = "192.0.2.1" } },
      ["default._domainkey.slow.jp"] = { "TIMEOUT" },
      ["default._domainkey.syntax.jp"] = { { TXT = '"v=DKIM1; k=rsa; p=' .. key.p .. '"' } },
    }
  end)
  teardown(function() ctx:cleanup() end)

  it("finds a valid key split into 255-byte strings", function()
    local r = dkim.check{ domain = "example.jp", selector = "default", dns = zone }
    assert.are.equal("ok", r.status)
    assert.are.equal("default._domainkey.example.jp", r.name)
    assert.are.same({ type = "rsa", bits = 2048 }, r.key)
    assert.are.equal(300, r.ttl)
    assert.are.equal("", codes(r))
    assert.are.same({}, r.cname_chain)
  end)

  it("follows CNAMEs (Microsoft 365) and reports the chain", function()
    local r = dkim.check{ domain = "Example.JP.", selector = "selector1", dns = zone }
    assert.are.equal("ok", r.status)
    assert.are.equal(1, #r.cname_chain)
    assert.are.equal("selector1-example-jp._domainkey.contoso.onmicrosoft.com", r.cname_chain[1].to)
    local d = dkim.check{ domain = "example.jp", selector = "selector2", dns = zone }
    assert.are.equal("missing", d.status)
    assert.are.equal("dkim-cname-dangling", codes(d))
    local l = dkim.check{ domain = "example.jp", selector = "loop", dns = zone }
    assert.are.equal("missing", l.status)
    assert.are.equal("dkim-cname-loop", codes(l))
  end)

  it("tells NXDOMAIN from NODATA", function()
    local nx = dkim.check{ domain = "none.jp", selector = "default", dns = zone }
    assert.are.equal("missing", nx.status)
    assert.is_true(finding(nx, "dkim-no-key").params.nxdomain)
    local nd = dkim.check{ domain = "nodata.jp", selector = "default", dns = zone }
    assert.is_false(finding(nd, "dkim-no-key").params.nxdomain)
  end)

  it("finds the key at the doubled name, without _domainkey, or on the SPF type", function()
    local d = dkim.check{ domain = "doubled.jp", selector = "default", dns = zone }
    assert.are.equal("missing", d.status)
    local f = finding(d, "dkim-doubled-name")
    assert.are.equal("default._domainkey.doubled.jp.doubled.jp", f.params.found)
    assert.are.equal(2048, d.misplaced.key.bits)
    assert.matches("default._domainkey", i18n.text(f.code, "ja", f.params), 1, true)
    local n = dkim.check{ domain = "nolabel.jp", selector = "default", dns = zone }
    assert.are.equal("default.nolabel.jp", finding(n, "dkim-no-domainkey-label").params.found)
    local s = dkim.check{ domain = "spftype.jp", selector = "default", dns = zone }
    assert.are.equal("SPF", finding(s, "dkim-wrong-type").params.type)
    local off = dkim.check{ domain = "doubled.jp", selector = "default", dns = zone, probe = false }
    assert.are.equal("dkim-no-key", codes(off))
  end)

  it("asks the doubled name only when the right name has no valid key", function()
    local asked = {}
    local function query(name, qtype)
      asked[#asked + 1] = name .. " " .. qtype
      return zone:query(name, qtype)
    end
    assert.are.equal("ok", dkim.check{ domain = "example.jp", selector = "default", query = query }.status)
    assert.are.same({ "default._domainkey.example.jp TXT" }, asked)
  end)

  it("judges what is there: several records, a cut value, pasted quotes, revoked, short, quoted whole", function()
    local m = dkim.check{ domain = "multi.jp", selector = "default", dns = zone }
    assert.are.equal("broken", m.status)
    assert.are.equal(2, finding(m, "dkim-multiple-records").params.count)
    local c = dkim.check{ domain = "cut.jp", selector = "default", dns = zone }
    assert.are.equal("broken", c.status)
    assert.are.equal("truncated", finding(c, "dkim-key-not-a-key").params.cause)
    local q = dkim.check{ domain = "quoted.jp", selector = "default", dns = zone }
    assert.are.equal("quotes", finding(q, "dkim-key-not-a-key").params.cause)
    local r = dkim.check{ domain = "revoked.jp", selector = "default", dns = zone }
    assert.are.equal("revoked", r.status)
    local s = dkim.check{ domain = "example.jp", selector = "short", dns = zone }
    assert.are.equal("ok", s.status)
    assert.are.equal("dkim-key-short", codes(s))
    local y = dkim.check{ domain = "syntax.jp", selector = "default", dns = zone }
    assert.are.equal("broken", y.status)
    assert.is_true(finding(y, "dkim-record-syntax").params.quotes)
  end)

  it("reports DNS trouble as temperror", function()
    local t = dkim.check{ domain = "slow.jp", selector = "default", dns = zone }
    assert.are.equal("temperror", t.status)
    assert.are.equal("dkim-temperror", codes(t))
    local e = dkim.check{ domain = "x.jp", selector = "default", query = function() error("boom") end }
    assert.are.equal("temperror", e.status)
  end)

  it("works over a yielding query function (deferred, as in nginx)", function()
    local co = coroutine.create(function()
      return dkim.check{ domain = "example.jp", selector = "selector1",
                         query = function(name, qtype) return coroutine.yield(name, qtype) end }
    end)
    local ok, a, b = coroutine.resume(co)
    local rounds = 0
    while coroutine.status(co) ~= "dead" do
      assert.is_true(ok)
      rounds = rounds + 1
      ok, a, b = coroutine.resume(co, zone:query(a, b))
    end
    assert.is_true(ok)
    assert.are.equal("ok", a.status)
    assert.are.equal(1, rounds)
  end)

  it("takes keys as a table", function()
    local r = dkim.check{ domain = "example.jp", selector = "k", keys = { ["k._domainkey.example.jp"] = key.record } }
    assert.are.equal("ok", r.status)
  end)

  it("raises on programmer mistakes only", function()
    assert.has_error(function() dkim.check{ domain = "example.jp", selector = "x", dns = zone, bogus = 1 } end)
    assert.has_error(function() dkim.check{ domain = "example.jp", dns = zone } end)
    assert.has_error(function() dkim.check{ domain = "example.jp", selector = "x", dns = 42 } end)
    assert.has_no.errors(function()
      dkim.check{ domain = ("a"):rep(300), selector = ("b."):rep(100), dns = zone }
      dkim.check{ domain = "example.jp", selector = "x", query = function() return "garbage" end }
      dkim.check{ domain = "example.jp", selector = "x", query = function()
        return { rcode = "NOERROR", records = { { type = "TXT", data = "not a table" }, { type = "CNAME" } } }
      end }
    end)
  end)
end)

describe("spfkit.dkim.selectors", function()
  it("takes s= and d= from a DKIM-Signature first", function()
    local l = dkim.selectors{ signature = "v=1; a=rsa-sha256; d=Example.JP; s=mx2024; h=from; bh=x; b=y" }
    assert.are.same({ { selector = "mx2024", domain = "example.jp", source = "signature" } }, l)
    local broken = dkim.selectors{ signature = "v=1; d=example.jp; s=abc; h=" }
    assert.are.equal("abc", broken[1].selector)
  end)

  it("puts the provider's selectors first, then the documented common ones", function()
    local l = dkim.selectors{ provider = "microsoft365" }
    assert.are.equal("selector1", l[1].selector)
    assert.are.equal("provider", l[1].source)
    local seen = {}
    for _, e in ipairs(l) do
      assert.is_nil(seen[e.selector], e.selector)
      seen[e.selector] = true
    end
    for _, s in ipairs({ "default", "google", "selector1", "selector2", "k1", "s1" }) do assert.is_true(seen[s], s) end
    assert.are.equal("default", dkim.selectors{}[1].selector)
    assert.are.equal("default", dkim.selectors{ provider = "mixhost" }[1].selector)
  end)
end)

describe("spfkit.dkim.discover", function()
  local zone = spfkit.zone{
    ["google._domainkey.example.jp"] = { { TXT = "v=DKIM1; k=rsa; p=" } },
    ["s1._domainkey.example.jp"] = { { TXT = "v=DKIM1; p=MIIB" } },
  }

  it("tries the selectors and says which were tried and found", function()
    local r = dkim.discover{ domain = "example.jp", dns = zone }
    assert.are.same(dkim.COMMON_SELECTORS, r.tried)
    assert.are.equal(2, #r.found)
    assert.are.equal("google", r.found[1].selector)
    assert.are.equal("revoked", r.found[1].status)
    assert.are.equal("broken", r.found[2].status)
    assert.is_nil(r.selector)
  end)

  it("asks all selectors in one round through query_many", function()
    local rounds, single = {}, 0
    local r = dkim.discover{ domain = "example.jp", selectors = { "default", "google", "s1" },
      query = function(name, qtype) single = single + 1 return zone:query(name, qtype) end,
      query_many = function(qs)
        rounds[#rounds + 1] = #qs
        local out = {}
        for i, q in ipairs(qs) do out[i] = zone:query(q[1], q[2]) end
        return out
      end }
    assert.are.same({ 3 }, rounds)
    assert.are.equal(0, single)
    assert.are.same({ "default", "google", "s1" }, r.tried)
  end)

  it("uses the signature's selector when given", function()
    local r = dkim.discover{ domain = "example.jp", dns = zone, signature = "d=example.jp; s=google" }
    assert.are.same({ "google" }, r.tried)
  end)
end)

describe("spfkit.dkim.split", function()
  it("cuts a 2048-bit key record into strings of at most 255 bytes that join back", function()
    local value = "v=DKIM1; k=rsa; p=" .. ("A"):rep(392)
    local strings, presentation = dkim.split(value)
    assert.are.equal(2, #strings)
    assert.are.equal(255, #strings[1])
    assert.are.equal(value, table.concat(strings))
    assert.are.equal('"' .. strings[1] .. '" "' .. strings[2] .. '"', presentation)
    assert.are.equal(5, #dkim.split(value, 100))
    assert.has_error(function() dkim.split(value, 256) end)
  end)
end)

describe("spfkit.dkim.guidance", function()
  it("says who signs, what to publish and where the value is", function()
    local z = dkim.guidance("zenlogic")
    assert.is_false(z.signs)
    assert.matches("DKIM", z.notes.ja, 1, true)
    local m = dkim.guidance("mixhost", { domain = "example.jp" })
    assert.is_true(m.signs)
    assert.are.same({ { name = "default._domainkey.example.jp", type = "TXT", value_from = "panel" } }, m.records)
    assert.matches("Email Deliverability", m.panel.en, 1, true)
    local g = dkim.guidance("google-workspace")
    assert.are.equal("google._domainkey", g.records[1].name)
    local ms = dkim.guidance("microsoft365", { domain = "example.co.jp", tenant = "contoso" })
    assert.are.equal(2, #ms.records)
    assert.are.equal("CNAME", ms.records[2].type)
    assert.are.equal("selector2-example-co-jp._domainkey.contoso.onmicrosoft.com", ms.records[2].value)
    assert.is_nil(dkim.guidance("no-such-provider"))
  end)

  it("is keyed by provider ids that exist", function()
    local ids = {}
    for _, p in ipairs(require("spfkit.providers.data")) do ids[p.id] = true end
    for id in pairs(require("spfkit.providers.dkim")) do assert.is_true(ids[id] ~= nil, id) end
  end)
end)
