local spfkit = require "spfkit"
local lint = require "spfkit.lint"

local zone = assert(spfkit.zone(dofile("spec/fixtures/toolkit/zone.lua")))

local function codes(r)
  local out = {}
  for _, f in ipairs(r.findings) do out[f.code] = out[f.code] or f end
  return out
end

local function finding(r, code)
  return codes(r)[code]
end

-- Run `f` with spfkit.compat hidden, so lint uses its static knowledge
-- of libspf2 (the fallback when the engine is not built).
local function without_compat(f)
  local saved = package.loaded["spfkit.compat"]
  package.loaded["spfkit.compat"] = {}
  local ok, err = pcall(f)
  package.loaded["spfkit.compat"] = saved
  assert(ok, err)
end

describe("spfkit.lint", function()
  describe("on a given record", function()
    it("passes the notices' records without findings", function()
      for _, rec in ipairs({
        "v=spf1 ip4:164.0.1.2 ~all",                                            -- seed 000
        "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all",                    -- seed 000 merged
        "v=spf1 a mx include:spf01.willnet.ad.jp ~all",                         -- seed 001
        "v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all", -- seed 001
        "v=spf1 a:www1234.sakura.ne.jp mx ~all",                                -- seed 002
        "v=spf1 a mx ip4:122.219.43.142 ip4:122.219.46.7 ip4:122.219.46.23 ip4:122.219.46.39 "
          .. "ip4:122.219.46.55 ip4:210.131.150.91 ip4:210.131.150.92 ip4:122.219.45.73 ip4:122.219.40.14 ~all", -- 004
      }) do
        local r = spfkit.lint{ record = rec }
        assert.are.same({}, r.findings, rec)
        assert.are.equal(rec, r.record)
      end
    end)

    it("counts lookups statically without DNS", function()
      local r = spfkit.lint{ record = "v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all" }
      assert.are.equal(4, r.lookups)
      assert.are.equal(0, r.void_lookups)
      assert.are.equal(4, r.tree.lookups)
      assert.are.same({}, r.tree.children)
      -- terms after all are never evaluated; redirect next to all is ignored
      assert.are.equal(1, spfkit.lint{ record = "v=spf1 a -all mx redirect=x.example.jp" }.lookups)
      -- redirect without all counts
      assert.are.equal(2, spfkit.lint{ record = "v=spf1 a redirect=x.example.jp" }.lookups)
      assert.are.equal(0, spfkit.lint{ record = "v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all" }.lookups)
    end)

    it("takes a list of TXT strings", function()
      local r = spfkit.lint{ record = { "v=spf1 ip4:192.0.2.1 ", "-all" } }
      assert.are.equal("v=spf1 ip4:192.0.2.1 -all", r.record)
      assert.are.same({}, r.findings)
    end)

    it("reports syntax errors with the 1-based position of the term", function()
      local r = spfkit.lint{ record = "v=spf1 ip4:164.0.1.2 a:mail.example.jp:25 ~all" }
      local f = assert(finding(r, "syntax"))
      assert.are.equal("error", f.severity)
      assert.are.equal(22, f.position)
      assert.are.equal("a:mail.example.jp:25", f.term)
      assert.matches("character 22", f.message.en, 1, true)
      assert.matches("22文字目", f.message.ja, 1, true)
      r = spfkit.lint{ record = "v=spf1 ip4:164.0.1.2/33 ~all" }
      assert.are.equal(8, finding(r, "syntax").position)
      assert.are.equal("ip4:164.0.1.2/33", finding(r, "syntax").term)
    end)

    it("repairs quotes and says how (ASCII: warning, typographic: error)", function()
      local r = spfkit.lint{ record = '"v=spf1 ip4:164.0.1.2 ~all"' }
      local f = assert(finding(r, "quoted-value"))
      assert.are.equal("warning", f.severity)
      assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", f.fix)
      assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", r.record)
      -- seed 000 prints the value with typographic quotes: “v=spf1 ip4:164.0.1.2 ~all”
      r = spfkit.lint{ record = "“v=spf1 ip4:164.0.1.2 ~all”" }
      f = assert(finding(r, "quoted-value"))
      assert.are.equal("error", f.severity)
      assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", f.fix)
      assert.matches("“ ”", f.message.ja, 1, true)
      -- only one side quoted
      r = spfkit.lint{ record = "v=spf1 ip4:164.0.1.2 ~all”" }
      assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", finding(r, "quoted-value").fix)
      assert.is_nil(finding(r, "syntax"))
    end)

    it("reads a zone-file presentation of several strings", function()
      local r = spfkit.lint{ record = '"v=spf1 ip4:192.0.2.1 " "include:_spf.google.com ~all"' }
      assert.are.equal("v=spf1 ip4:192.0.2.1 include:_spf.google.com ~all", r.record)
    end)

    it("finds version typos (version-typo)", function()
      for text, fixed in pairs({
        ["v=spf 1 a mx ~all"] = "v=spf1 a mx ~all",
        ["v = spf1 a mx ~all"] = "v=spf1 a mx ~all",
        [" v=spf1 mx ~all"] = "v=spf1 mx ~all",
        ["spf1 mx -all"] = "v=spf1 mx -all",
        ["v=sfp1 mx -all"] = "v=spf1 mx -all",
      }) do
        local r = spfkit.lint{ record = text }
        local f = finding(r, "version-typo")
        if fixed then
          assert.is_table(f, text)
          assert.are.equal(fixed, f.fix)
          assert.are.equal("error", f.severity)
        end
      end
      assert.is_nil(finding(spfkit.lint{ record = "spf2.0/pra mx -all" }, "version-typo"))
      assert.is_table(finding(spfkit.lint{ record = "spf2.0/pra mx -all" }, "syntax"))
    end)

    it("finds full-width characters typed with a Japanese IME", function()
      local r = spfkit.lint{ record = "v=spf1\227\128\128ip4:164.0.1.2\227\128\128\239\189\158all" } -- 全角スペース, ～
      local f = assert(finding(r, "fullwidth-character"))
      assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", f.fix)
      assert.are.equal(7, f.position)
      assert.is_nil(finding(r, "syntax"))
      r = spfkit.lint{ record = "v=spf1 ip4\239\188\154164.0.1.2 ~all" }                    -- full-width colon
      assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", finding(r, "fullwidth-character").fix)
    end)

    it("flags +all, ptr, no-all, after-all, redirect-ignored", function()
      local c = codes(spfkit.lint{ record = "v=spf1 ptr +all" })
      assert.are.equal("error", c["plus-all"].severity)
      assert.are.equal("+all", c["plus-all"].term)
      assert.are.equal("warning", c.ptr.severity)
      assert.is_table(codes(spfkit.lint{ record = "v=spf1 all" })["plus-all"])
      assert.is_nil(codes(spfkit.lint{ record = "v=spf1 ~all" })["plus-all"])
      c = codes(spfkit.lint{ record = "v=spf1 a mx" })
      assert.are.equal("warning", c["no-all"].severity)
      assert.is_nil(codes(spfkit.lint{ record = "v=spf1 a redirect=_spf.example.jp" })["no-all"])
      c = codes(spfkit.lint{ record = "v=spf1 a ~all ip4:192.0.2.1" })
      assert.are.equal("ip4:192.0.2.1", c["after-all"].term)
      assert.are.equal(15, c["after-all"].position)
      c = codes(spfkit.lint{ record = "v=spf1 a ~all redirect=_spf.example.jp" })
      assert.are.equal("redirect=_spf.example.jp", c["redirect-ignored"].term)
    end)

    it("flags a long record and long strings", function()
      local text = "v=spf1 " .. ("ip4:192.0.2.1 "):rep(33) .. "-all"      -- 469 bytes
      local r = spfkit.lint{ record = text }
      local f = assert(finding(r, "record-too-long"))
      assert.are.equal("warning", f.severity)
      assert.not_matches("512", f.message.en)
      assert.are.equal("warning", finding(r, "string-too-long").severity)    -- one string of 469
      text = "v=spf1 " .. ("ip4:192.0.2.1 "):rep(37) .. "-all"            -- 525 bytes
      assert.matches("512", finding(spfkit.lint{ record = text }, "record-too-long").message.en)
      assert.is_nil(finding(spfkit.lint{ record = ("v=spf1 " .. ("a "):rep(100) .. "-all") },
        "record-too-long"))
      -- as strings: each under 255 is fine, one over is an error
      r = spfkit.lint{ record = { ("v=spf1 " .. ("ip4:192.0.2.1 "):rep(17)), "-all" } }
      assert.is_nil(finding(r, "string-too-long"))
      r = spfkit.lint{ record = { ("v=spf1 " .. ("ip4:192.0.2.1 "):rep(19)), "-all" } }
      assert.are.equal("error", finding(r, "string-too-long").severity)
    end)

    it("flags a duplicate include in the same record", function()
      local f = finding(spfkit.lint{ record = "v=spf1 include:_spf.google.com INCLUDE:_spf.google.com. ~all" },
        "duplicate-include")
      assert.are.equal(32, f.position)
    end)

    it("flags private addresses and wide ranges", function()
      local c = codes(spfkit.lint{ record = "v=spf1 ip4:192.168.1.10 ip4:10.0.0.0/8 ip6:fd00::1 -all" })
      assert.are.equal("ip4:192.168.1.10", c["private-address"].term)
      c = codes(spfkit.lint{ record = "v=spf1 ip4:64.0.0.0/8 ~all" })
      assert.matches("16,777,216", c["wide-range"].message.en, 1, true)
      assert.is_nil(codes(spfkit.lint{ record = "v=spf1 ip4:64.233.160.0/19 ~all" })["wide-range"])
    end)

    it("reports libspf2 differences (compat-libspf2) from the compat engine", function()
      local c = codes(spfkit.lint{ record = "v=spf1 ip4:0.0.0.0/0 -all" })
      assert.are.equal("cidr0", c["compat-libspf2"].kind)
      assert.are.equal("warning", c["compat-libspf2"].severity)
      c = codes(spfkit.lint{ record = "v=spf1 a/0 -all" })
      assert.are.equal("cidr0", c["compat-libspf2"].kind)
      c = codes(spfkit.lint{ record = "v=spf1 a: -all" })
      assert.are.equal("empty-domain", c["compat-libspf2"].kind)
      assert.are.equal("info", c["compat-libspf2"].severity)
      c = codes(spfkit.lint{ record = "v=spf1 redirect=a.example.com redirect=b.example.com" })
      assert.are.equal("duplicate-modifier", c["compat-libspf2"].kind)
      c = codes(spfkit.lint{ record = "v=spf1 moo.cow=x -all" })
      assert.are.equal("dotted-modifier", c["compat-libspf2"].kind)
      assert.is_nil(codes(spfkit.lint{ record = "v=spf1 ip4:192.0.2.0/24 -all" })["compat-libspf2"])
    end)

    it("knows libspf2's differences without the compat engine", function()
      without_compat(function()
        for rec, kind in pairs({
          ["v=spf1 ip4:0.0.0.0/0 -all"] = "cidr0", ["v=spf1 mx/0 -all"] = "cidr0",
          ["v=spf1 ip6:::/0 -all"] = "cidr0", ["v=spf1 a:numeric.123 -all"] = "bad-domain",
          ["v=spf1 mx: -all"] = "empty-domain", ["v=spf1 exp= -all"] = "empty-domain",
          ["v=spf1 exp=a.example.com exp=b.example.com"] = "duplicate-modifier",
          ["v=spf1 ip4:192.0.2.0/032"] = "leading-zero-cidr",
          ["v=spf1 redirect:example.com"] = "redirect-colon",
          ["v=spf1 moo.cow=x -all"] = "dotted-modifier",
        }) do
          local f = finding(spfkit.lint{ record = rec }, "compat-libspf2")
          assert.is_table(f, rec)
          assert.are.equal(kind, f.kind, rec)
          assert.is_string(f.message.ja)
        end
      end)
    end)

    it("never raises on bad input", function()
      local inputs = { "", " ", "v=spf1", "\0", "v=spf1 \0", ("x"):rep(5000), "v=spf1 " .. ("include:a.example.jp "):rep(300),
        "“”", '"', '""', "v=spf1 %{", "v=spf1 a:%{d}.%{z}", "\255\254", "v=spf1\239\188" }
      math.randomseed(5)
      for _ = 1, 200 do
        local t = {}
        for i = 1, math.random(0, 40) do t[i] = string.char(math.random(0, 255)) end
        inputs[#inputs + 1] = "v=spf1 " .. table.concat(t)
      end
      for _, s in ipairs(inputs) do
        local r = spfkit.lint{ record = s }
        assert.is_table(r.findings)
        assert.is_number(r.lookups)
        r = spfkit.lint{ record = s, dns = zone, domain = "example.jp" }
        assert.is_table(r.findings)
      end
    end)

    it("raises on programmer errors", function()
      assert.has_error(function() spfkit.lint() end)
      assert.has_error(function() spfkit.lint("v=spf1 -all") end)
      assert.has_error(function() spfkit.lint{ record = "v=spf1 -all", bogus = 1 } end)
      assert.has_error(function() spfkit.lint{ record = 42 } end)
      assert.has_error(function() spfkit.lint{ record = { "a", 1 } } end)
      assert.has_error(function() spfkit.lint{ domain = "example.jp" } end)       -- no dns
      assert.has_error(function() spfkit.lint{ dns = zone } end)                  -- nothing to lint
      assert.has_error(function() spfkit.lint{ record = "v=spf1", dns = {} } end) -- no :query
    end)
  end)

  describe("on a domain's DNS", function()
    it("counts lookups through includes and builds the tree", function()
      local r = spfkit.lint{ domain = "example.jp", dns = zone }
      assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all", r.record)
      -- a, mx, 2 includes, and the 2 includes inside _spf.google.com
      assert.are.equal(6, r.lookups)
      assert.are.equal(0, r.void_lookups)
      local t = r.tree
      assert.are.equal("example.jp", t.domain)
      assert.are.equal(4, t.lookups)
      assert.are.equal(6, t.total_lookups)
      assert.are.equal(2, #t.children)
      assert.are.same({ "include", "spf01.willnet.ad.jp", "v=spf1 ip4:203.0.113.0/24 -all", 0 },
        { t.children[1].via, t.children[1].domain, t.children[1].record, t.children[1].lookups })
      local g = t.children[2]
      assert.are.equal("include:_spf.google.com", g.term)
      assert.are.equal(2, g.lookups)
      assert.are.equal(2, #g.children)
      assert.are.equal("_netblocks2.google.com", g.children[2].domain)
    end)

    it("agrees with the engine's count where the engine evaluates every term", function()
      for _, d in ipairs({ "example.jp", "zen.example.jp", "redir.example.jp" }) do
        local r = spfkit.lint{ domain = d, dns = zone }
        local c = spfkit.check{ ip = "192.0.2.254", sender = "x@" .. d, dns = zone }
        assert.are.equal(c.lookups, r.lookups, d)
        assert.are.equal(c.void_lookups, r.void_lookups, d)
      end
    end)

    it("follows redirect", function()
      local r = spfkit.lint{ domain = "redir.example.jp", dns = zone }
      assert.are.equal(1, r.lookups)
      assert.are.equal("redirect", r.tree.children[1].via)
      assert.are.equal("_spf.example.jp", r.tree.children[1].domain)
    end)

    it("no-record (none and NXDOMAIN)", function()
      local f = finding(spfkit.lint{ domain = "nospf.example.jp", dns = zone }, "no-record")
      assert.are.equal("error", f.severity)
      assert.matches("v=spf1", f.message.ja, 1, true)
      local r = spfkit.lint{ domain = "does-not-exist.example.jp", dns = zone }
      assert.is_nil(r.record)
      assert.matches("does not exist", finding(r, "no-record").message.en)
    end)

    it("multiple-records, with the merged record as the fix", function()
      local r = spfkit.lint{ domain = "two.example.jp", dns = zone }
      local f = finding(r, "multiple-records")
      assert.are.equal("error", f.severity)
      assert.is_nil(r.record)
      assert.are.same({ "v=spf1 a -all", "v=spf1 include:_spf.google.com ~all" }, r.records)
      assert.are.equal("v=spf1 a include:_spf.google.com -all", f.fix)
      assert.matches("2 件", f.message.ja, 1, true)
    end)

    it("a published record with quotes, a typo or full-width characters", function()
      for d, code in pairs({ ["quoted.example.jp"] = "quoted-value", ["curly.example.jp"] = "quoted-value",
                             ["typo.example.jp"] = "version-typo", ["zenkaku.example.jp"] = "fullwidth-character" }) do
        local r = spfkit.lint{ domain = d, dns = zone }
        local f = finding(r, code)
        assert.is_table(f, d)
        assert.are.equal("error", f.severity, d)
        assert.is_string(f.fix)
        assert.is_nil(finding(r, "syntax"), d)
      end
      assert.is_table(finding(spfkit.lint{ domain = "quoted.example.jp", dns = zone }, "no-record"))
      assert.matches("published", finding(spfkit.lint{ domain = "quoted.example.jp", dns = zone },
        "quoted-value").message.en, 1, true)
    end)

    it("syntax in the published record", function()
      local f = finding(spfkit.lint{ domain = "syntax.example.jp", dns = zone }, "syntax")
      assert.are.equal(8, f.position)
      assert.are.equal("syntax.example.jp", f.domain)
    end)

    it("string-too-long on a published string over 255 bytes", function()
      local f = finding(spfkit.lint{ domain = "longstr.example.jp", dns = zone }, "string-too-long")
      assert.are.equal("error", f.severity)
      assert.matches("at most " .. spfkit.LIMITS.txt_string .. " bytes", f.message.en, 1, true)
      assert.is_nil(finding(spfkit.lint{ domain = "split.example.jp", dns = zone }, "string-too-long"))
    end)

    it("spf-rr-type when the domain publishes type 99 SPF", function()
      local f = finding(spfkit.lint{ domain = "example.jp", dns = zone }, "spf-rr-type")
      assert.are.equal("warning", f.severity)
      assert.matches("TXT", f.message.ja, 1, true)
      assert.is_nil(finding(spfkit.lint{ domain = "zen.example.jp", dns = zone }, "spf-rr-type"))
      -- also when a proposed record is linted for the domain
      assert.is_table(finding(spfkit.lint{ record = "v=spf1 a -all", domain = "example.jp", dns = zone },
        "spf-rr-type"))
    end)

    it("a-no-address and mx-no-address", function()
      local c = codes(spfkit.lint{ domain = "noaddr.example.jp", dns = zone })
      assert.are.equal("a", c["a-no-address"].term)
      assert.are.equal("mx", c["mx-no-address"].term)
      assert.matches("no MX", c["mx-no-address"].message.en)
      c = codes(spfkit.lint{ domain = "nomxaddr.example.jp", dns = zone })
      assert.matches("have no IP", c["mx-no-address"].message.en)
      -- bare a/mx of a given record use the domain
      c = codes(spfkit.lint{ record = "v=spf1 a mx -all", domain = "nospf.example.jp", dns = zone })
      assert.is_nil(c["a-no-address"])
      assert.is_table(c["mx-no-address"])
    end)

    it("include-loop", function()
      local r = spfkit.lint{ domain = "loop.example.jp", dns = zone }
      local f = finding(r, "include-loop")
      assert.are.equal("error", f.severity)
      assert.are.equal("loop2.example.jp", f.domain)
      assert.is_true(r.tree.children[1].children[1].loop)
    end)

    it("include-no-record", function()
      local r = spfkit.lint{ domain = "noinc.example.jp", dns = zone }
      local f = finding(r, "include-no-record")
      assert.are.equal("include:nothing.example.jp", f.term)
      assert.are.equal(8, f.position)
      -- the engine agrees: permerror, and it counts as a void lookup
      local c = spfkit.check{ ip = "192.0.2.9", sender = "x@noinc.example.jp", dns = zone }
      assert.are.equal("permerror", c.result)
      assert.are.equal(c.void_lookups, r.void_lookups)
    end)

    it("duplicate-include across the tree", function()
      local f = finding(spfkit.lint{ domain = "dup.example.jp", dns = zone }, "duplicate-include")
      assert.are.equal("dupinc.example.jp", f.domain)
      assert.are.equal("info", f.severity)
    end)

    it("too-many-lookups, at the term that passes the limit", function()
      local r = spfkit.lint{ domain = "many.example.jp", dns = zone }
      assert.are.equal(13, r.lookups)
      local f = finding(r, "too-many-lookups")
      assert.are.equal("include:l3.example.net", f.term)
      assert.matches("13", f.message.ja, 1, true)
      assert.are.equal("include-limit", finding(r, "compat-libspf2").kind)
      local c = spfkit.check{ ip = "192.0.2.254", sender = "x@many.example.jp", dns = zone }
      assert.are.equal("permerror", c.result)
    end)

    it("too-many-void-lookups", function()
      local r = spfkit.lint{ domain = "voids.example.jp", dns = zone }
      assert.are.equal(3, r.void_lookups)
      assert.is_table(finding(r, "too-many-void-lookups"))
      local c = spfkit.check{ ip = "192.0.2.254", sender = "x@voids.example.jp", dns = zone }
      assert.are.equal("too-many-void-lookups", c.problem_code)
    end)

    it("dns-temperror when a lookup times out", function()
      local r = spfkit.lint{ domain = "slow.example.jp", dns = zone }
      local f = finding(r, "dns-temperror")
      assert.are.equal("timeout.example.jp", r.tree.children[1].domain)
      assert.matches("timeout.example.jp", f.message.en, 1, true)
      assert.is_table(finding(spfkit.lint{ domain = "timeout.example.jp", dns = zone }, "dns-temperror"))
    end)

    it("accepts any object with :query", function()
      local calls = 0
      local dns = { query = function(_, name, qtype) calls = calls + 1 return zone:query(name, qtype) end }
      local r = spfkit.lint{ domain = "example.jp", dns = dns }
      assert.are.equal(6, r.lookups)
      assert.is_true(calls > 0)
      -- a source that raises or fails gives temperror findings, not an error
      local bad = { query = function() error("boom") end }
      assert.is_table(finding(spfkit.lint{ domain = "example.jp", dns = bad }, "dns-temperror"))
    end)
  end)

  describe("findings as data (issue 10)", function()
    it("carry code, severity and params; lang renders message in one language", function()
      local r = spfkit.lint{ domain = "many.example.jp", dns = zone, lang = "ja" }
      local f = finding(r, "too-many-lookups")
      assert.are.same({ 13, spfkit.LIMITS.lookups }, { f.params.lookups, f.params.limit })
      assert.is_string(f.message)
      assert.are.equal(require("spfkit.i18n").text("too-many-lookups", "ja", f.params), f.message)
      local en = finding(spfkit.lint{ domain = "many.example.jp", dns = zone, lang = "en" }, "too-many-lookups")
      assert.matches("13", en.message, 1, true)
      assert.has_error(function() spfkit.lint{ record = "v=spf1 -all", lang = "fr" } end)
    end)

    it("the tree is the spfkit.tree of the record", function()
      local r = spfkit.lint{ domain = "example.jp", dns = zone }
      assert.are.equal(r.tree.total_lookups, r.lookups)
      assert.is_table(r.tree.parsed)
      assert.are.equal(2, #r.tree.addresses)
      local nx = spfkit.lint{ domain = "noinc.example.jp", dns = zone }.tree.children[1]
      assert.are.equal("no-record", nx.error.code)
    end)

    it("returns nil, err (an error table) for a name that is not a domain", function()
      local r, err = spfkit.lint{ domain = "exa mple.jp", dns = zone }
      assert.is_nil(r)
      assert.are.equal("bad-domain: not a domain name: exa mple.jp", tostring(err))
    end)

    it("the multiple-records fix is left out when the merged record is over the limit", function()
      local z = assert(spfkit.zone{ ["m.example"] = {
        { TXT = "v=spf1 a:a1.example a:a2.example a:a3.example a:a4.example a:a5.example a:a6.example -all" },
        { TXT = "v=spf1 a:b1.example a:b2.example a:b3.example a:b4.example a:b5.example ~all" } } })
      local f = finding(spfkit.lint{ domain = "m.example", dns = z }, "multiple-records")
      assert.is_nil(f.fix)
    end)
  end)

  it("has a severity for every code it can report", function()
    for code, sev in pairs(lint.CODES) do
      assert.is_truthy(({ error = true, warning = true, info = true })[sev], code)
    end
  end)
end)
