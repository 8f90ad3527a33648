local spfkit = require "spfkit"

describe("spfkit.parse", function()
  it("parses mechanisms, qualifiers and modifiers", function()
    local rec = assert(spfkit.parse("v=spf1 ip4:192.0.2.0/24 -include:_spf.google.com ~a:mail.example.jp/28//64 ?mx ptr exists:%{i}.x.example.com redirect=_spf.example.jp exp=why.example.jp x-foo=bar"))
    local t = rec.terms
    assert.are.equal(6, #t)
    assert.are.same({ "+", "ip4", "192.0.2.0/24" }, { t[1].qualifier, t[1].mechanism, t[1].value })
    assert.are.equal("192.0.2.0", t[1].ip)
    assert.are.equal(24, t[1].cidr4)
    assert.are.same({ "-", "include", "_spf.google.com" }, { t[2].qualifier, t[2].mechanism, t[2].domain })
    assert.are.same({ "~", "a", "mail.example.jp", 28, 64 }, { t[3].qualifier, t[3].mechanism, t[3].domain, t[3].cidr4, t[3].cidr6 })
    assert.are.equal("?", t[4].qualifier)
    assert.is_nil(t[4].domain)
    assert.are.equal("%{i}.x.example.com", t[6].domain)
    assert.are.equal("_spf.example.jp", rec.modifiers.redirect)
    assert.are.equal("why.example.jp", rec.modifiers.exp)
    assert.are.equal("bar", rec.modifiers["x-foo"])
    assert.are.equal(3, #rec.modifier_list)
    -- include a mx ptr exists + redirect
    assert.are.equal(6, rec.dns_terms)
  end)

  it("gives 1-based byte positions of terms", function()
    local rec = assert(spfkit.parse("v=spf1  a   -all"))
    assert.are.equal(9, rec.terms[1].position)
    assert.are.equal(13, rec.terms[2].position)
  end)

  it("is case-insensitive for the version, mechanisms and modifiers", function()
    local rec = assert(spfkit.parse("V=SPF1 IP4:192.0.2.1 MX:Example.COM REDIRECT=x.example.com"))
    assert.are.equal("ip4", rec.terms[1].mechanism)
    assert.are.equal("mx", rec.terms[2].mechanism)
    assert.are.equal("x.example.com", rec.modifiers.redirect)
  end)

  it("accepts a bare version and trailing spaces", function()
    assert.are.equal(0, #assert(spfkit.parse("v=spf1")).terms)
    assert.are.equal(1, #assert(spfkit.parse("v=spf1 -all   ")).terms)
  end)

  local bad = {
    -- record, code, position
    { "v=spf10 -all", "not-spf", 1 },
    { "spf1 -all", "not-spf", 1 },
    { "v=spf1 -all moo", "unknown-mechanism", 13 },
    { "v=spf1 ip4:192.0.2.1/33", "bad-cidr", 8 },
    { "v=spf1 ip4:192.0.2.1/032", "bad-cidr", 8 },
    { "v=spf1 ip4:192.0.02.1", "bad-ip4", 8 },
    { "v=spf1 ip4:192.0.2", "bad-ip4", 8 },
    { "v=spf1 ip4:192.0.2.1//64", "bad-cidr", 8 },
    { "v=spf1 ip6:2001:db8::/129", "bad-cidr", 8 },
    { "v=spf1 ip6:2001:db8::zz", "bad-ip6", 8 },
    { "v=spf1 ip6", "bad-ip6", 8 },
    { "v=spf1 a/33", "bad-cidr", 8 },
    { "v=spf1 mx//129", "bad-cidr", 8 },
    { "v=spf1 a/024", "bad-cidr", 8 },
    { "v=spf1 a:", "missing-domain", 8 },
    { "v=spf1 include", "missing-domain", 8 },
    { "v=spf1 exists", "missing-domain", 8 },
    { "v=spf1 -all:foo", "bad-all", 8 },
    { "v=spf1 all/8", "bad-all", 8 },
    { "v=spf1 ptr/24", "bad-cidr", 8 },
    { "v=spf1 a:example", "bad-domain", 8 },
    { "v=spf1 a:example.123", "bad-domain", 8 },
    { "v=spf1 a:mail.example.com:8080", "bad-domain", 8 },
    { "v=spf1 a:%{c}.example.com", "bad-domain", 8 },
    { "v=spf1 a:%{x}.example.com", "bad-domain", 8 },
    { "v=spf1 a:%(d).example.com", "bad-domain", 8 },
    { "v=spf1 exists:foo%.example.com", "bad-domain", 8 },
    { "v=spf1 redirect=a.example.com redirect=b.example.com", "duplicate-modifier", 31 },
    { "v=spf1 exp=a.example.com EXP=b.example.com", "duplicate-modifier", 26 },
    { "v=spf1 redirect=", "missing-domain", 8 },
    { "v=spf1 x-mod=%{z}", "bad-macro", 8 },
    { "v=spf1 =foo", "bad-modifier", 8 },
    { "v=spf1 a:caf\xc3\xa9.example.com", "non-ascii", 8 },
    { "v=spf1 -all\r\n", "control-character", 8 },
    { "v=spf1 ip4:192.0.2.1\0 -all", "control-character", 8 },
    { "v=spf1\t-all", "not-spf", 1 },
    { "v=spf1 ~all =all", "bad-modifier", 13 },
    { "v=spf1 redirect:example.com", "unknown-mechanism", 8 },
    -- domain-end must be a toplabel or a macro, not a dot after a macro
    { "v=spf1 a:%{d}. -all", "bad-domain", 8 },
  }
  for _, case in ipairs(bad) do
    it(("rejects %q with %s at %d"):format(case[1], case[2], case[3]), function()
      local rec, err = spfkit.parse(case[1])
      assert.is_nil(rec)
      assert.are.equal(case[2], err.code)
      assert.are.equal(case[3], err.position)
      assert.is_string(err.message)
    end)
  end

  local good = {
    "v=spf1 ip4:0.0.0.0/0 ip6:::/0 a/0 mx/0//0 -all",
    "v=spf1 ip6:::ffff:192.0.2.1 ip6:2001:db8::1/128 -all",
    "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
    "v=spf1 include:%{d2}",
    "v=spf1 mx:foo-bar.example.1-2 -all",
    "v=spf1 moo.cow-far_out=man:dog/cat ~all",
    "v=spf1 x=%{c}%{r}%{t}%_%-%%",
    "v=spf1 exp=%{d}",
    "v=spf1 a:.example.com",
  }
  for _, text in ipairs(good) do
    it("accepts " .. text, function()
      local rec, err = spfkit.parse(text)
      assert.is_table(rec, err and err.message)
    end)
  end

  it("raises on a non-string argument (programmer error)", function()
    assert.has_error(function() spfkit.parse(nil) end)
    assert.has_error(function() spfkit.parse({}) end)
  end)

  it("handles a 10 KB record and a 4000-term record", function()
    local text = "v=spf1 " .. ("ip4:192.0.2.1 "):rep(750) .. "-all"
    assert.is_true(#text > 10000)
    assert.are.equal(751, #assert(spfkit.parse(text)).terms)
    local rec, err = spfkit.parse("v=spf1 " .. ("a "):rep(4000) .. "moo")
    assert.is_nil(rec)
    assert.are.equal(8 + 2 * 4000, err.position)
  end)
end)
