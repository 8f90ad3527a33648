local spfkit = require "spfkit"

-- RFC 7208 section 7.4 examples
local ctx = { ip = "192.0.2.3", sender = "strong-bad@email.example.com", helo = "mx.example.org" }

describe("spfkit.expand", function()
  local examples = {
    { "%{s}", "strong-bad@email.example.com" },
    { "%{o}", "email.example.com" },
    { "%{d}", "email.example.com" },
    { "%{d4}", "email.example.com" },
    { "%{d3}", "email.example.com" },
    { "%{d2}", "example.com" },
    { "%{d1}", "com" },
    { "%{dr}", "com.example.email" },
    { "%{d2r}", "example.email" },
    { "%{l}", "strong-bad" },
    { "%{l-}", "strong.bad" },
    { "%{lr}", "strong-bad" },
    { "%{lr-}", "bad.strong" },
    { "%{l1r-}", "strong" },
    { "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
    { "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
    { "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
    { "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com" },
    { "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
    { "%{h}", "mx.example.org" },
    { "%{d}.", "email.example.com" },  -- trailing dot removed
  }
  for _, e in ipairs(examples) do
    it(e[1] .. " -> " .. e[2], function()
      assert.are.equal(e[2], spfkit.expand(e[1], ctx))
    end)
  end

  it("expands IPv6 i and v in dot format (RFC 7208 7.4)", function()
    local got = spfkit.expand("%{ir}.%{v}._spf.%{d2}", { ip = "2001:db8::cb01", sender = ctx.sender })
    assert.are.equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
                     got:lower())
  end)

  it("uses postmaster when the local part is empty", function()
    assert.are.equal("postmaster", spfkit.expand("%{l}", { ip = "192.0.2.3", sender = "@example.com" }))
  end)

  it("handles %% %_ %- and c, r, t in explanations", function()
    local e = { ip = "192.0.2.3", sender = ctx.sender, receiver = "mx.example.net", now = 1700000000, exp = true }
    assert.are.equal("% x%20 192.0.2.3 mx.example.net 1700000000",
                     spfkit.expand("%%%_x%-%_%{c} %{r} %{t}", e))
    assert.are.equal("2001:db8::cb01", spfkit.expand("%{c}", { ip = "2001:DB8::CB01", sender = "a@b.c", exp = true }))
  end)

  it("URL-escapes upper-case macros with upper-case hex", function()
    local got = spfkit.expand("%{L}", { ip = "192.0.2.3", sender = "jack&jill=up@example.com", exp = true })
    assert.are.equal("jack%26jill%3Dup", got)
  end)

  it("joins parts with dots whatever the delimiter", function()
    assert.are.equal("c.b.a", spfkit.expand("%{lr+-}", { ip = "192.0.2.3", sender = "a-b+c@x.example" }))
    assert.are.equal("b.c", spfkit.expand("%{l2+-}", { ip = "192.0.2.3", sender = "a-b+c@x.example" }))
  end)

  it("refuses c, r, t outside explanations and unknown letters", function()
    local r, err = spfkit.expand("%{c}.example.com", ctx)
    assert.is_nil(r)
    assert.are.equal("bad-macro", err.code)
    assert.is_nil(spfkit.expand("%{x}", ctx))
    assert.is_nil(spfkit.expand("%{d0}", ctx))
    assert.is_nil(spfkit.expand("50%", ctx))
    assert.is_nil(spfkit.expand("%x", ctx))
  end)

  it("validates %{p} through the given name", function()
    assert.are.equal("mx.example.org", spfkit.expand("%{p}", { ip = "192.0.2.3", sender = ctx.sender, p = "mx.example.org" }))
    assert.are.equal("example.org", spfkit.expand("%{p2}", { ip = "192.0.2.3", sender = ctx.sender, p = "mx.example.org" }))
    assert.are.equal("unknown", spfkit.expand("%{p}", { ip = "192.0.2.3", sender = ctx.sender }))
  end)

  it("truncates expanded domains over 253 octets from the left, by labels", function()
    local sender = ("a"):rep(60) .. "." .. ("b"):rep(60) .. "." .. ("c"):rep(60) .. "@x.example.com"
    local got = assert(spfkit.expand("%{l}.%{l}.example.com", { ip = "192.0.2.3", sender = sender }))
    assert.is_true(#got <= 253)
    assert.are.equal("example.com", got:sub(-11))
    -- only whole labels were removed
    assert.is_truthy(got:match("^[abc]+%."))
    assert.are.equal(60, #got:match("^([abc]+)%."))
  end)

  it("keeps output bounded for absurd input", function()
    local sender = ("x."):rep(10000) .. "@example.com"
    local got = assert(spfkit.expand(("%{l}"):rep(500) .. ".example.com", { ip = "192.0.2.3", sender = sender }))
    assert.is_true(#got <= 253)
    assert.are.equal("example.com", got:sub(-11))
    got = assert(spfkit.expand("%{l999999999999999999999r}.example.com", { ip = "192.0.2.3", sender = sender }))
    assert.is_true(#got <= 253)
    local exp = assert(spfkit.expand(("%{s}"):rep(3000), { ip = "192.0.2.3", sender = sender, exp = true }))
    assert.is_true(#exp <= 4096)
  end)

  describe("a zero transformer %{d0} (issue 10: RFC 7208 7.1 ABNF allows it, 7.3 forbids expanding it)", function()
    local zone = assert(spfkit.zone{
      ["mod.example"] = { { TXT = "v=spf1 ip4:192.0.2.1 x-note=%{d0} -all" } },
      ["late.example"] = { { TXT = "v=spf1 ip4:192.0.2.1 a:%{d0}.example -all" } },
      ["exp.example"] = { { TXT = "v=spf1 ip4:192.0.2.1 exp=%{d0}.exp.example -all" } },
      ["any.example"] = { { TXT = "v=spf1 a:%{d0}.example -all" } },
    })

    local function check(domain, ip)
      return spfkit.check{ ip = ip, sender = "x@" .. domain, dns = zone }
    end

    it("parses in an unknown modifier and in a term", function()
      assert.is_table(spfkit.parse("v=spf1 x-note=%{d0} -all"))
      assert.is_table(spfkit.parse("v=spf1 a:%{d0}.example.com -all"))
      assert.is_table(spfkit.parse("v=spf1 exists:%{l01r}.example.com -all"))   -- 01 is one
    end)

    it("never matters in a modifier never expanded or a term never reached", function()
      assert.are.equal("pass", check("mod.example", "192.0.2.1").result)
      assert.are.equal("fail", check("mod.example", "192.0.2.2").result)
      assert.are.equal("pass", check("late.example", "192.0.2.1").result)
    end)

    it("is a permerror when a reached term expands it", function()
      local r = check("late.example", "192.0.2.9")
      assert.are.equal("permerror", r.result)
      assert.are.equal("bad-macro", r.problem_code)
      assert.are.equal("permerror", check("any.example", "192.0.2.1").result)
      assert.are.equal("bad-macro", select(2, spfkit.expand("%{d00}", ctx)).code)
    end)
  end)
end)
