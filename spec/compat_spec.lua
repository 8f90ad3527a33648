-- The libspf2 compatibility engine (issue 5): spfkit.check{ engine = "libspf2" },
-- spfkit.compat.compile and the CVE-2023-42118 screen.
local spfkit = require "spfkit"
local compat = require "spfkit.compat"

local function zone(t) return assert(spfkit.zone(t)) end

-- one spfkit and one libspf2 evaluation of the same question
local function both(z, ip, sender, extra)
  local opts = { ip = ip, sender = sender, helo = "mail.example.net", dns = z }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local a = assert(spfkit.check(opts))
  opts.engine = "libspf2"
  local b = assert(spfkit.check(opts))
  return a, b
end

local function lib(z, ip, sender, extra)
  local _, b = both(z, ip, sender, extra)
  return b
end

-- n %{d} macros in an a: term followed by a long literal (the CVE shape)
local function cve(n, tail)
  return "v=spf1 a:" .. ("%{d}"):rep(n) .. ("A"):rep(tail or 4000) .. " -all"
end

describe("spfkit.compat", function()
  it("knows libspf2's version", function()
    assert.are.equal("1.2.10", compat.version)
  end)

  describe("check, where libspf2 and spfkit agree", function()
    local z = zone{
      ["example.jp"] = { { TXT = "v=spf1 ip4:203.0.113.0/28 include:_spf.example.jp mx a:host.example.jp ~all" },
                         { MX = { 10, "mail.example.jp" } } },
      ["_spf.example.jp"] = { { TXT = "v=spf1 ip4:198.51.100.7 ip6:2001:db8:7::/48 -all" } },
      ["mail.example.jp"] = { { A = "192.0.2.20" } },
      ["host.example.jp"] = { { A = "192.0.2.30" }, { AAAA = "2001:db8::30" } },
      ["q.example.jp"] = { { TXT = "v=spf1 -ip4:192.0.2.1 ~ip4:192.0.2.2 ?ip4:192.0.2.3 +ip4:192.0.2.4" } },
      ["redir.example.jp"] = { { TXT = "v=spf1 redirect=_spf.example.jp" } },
      ["exp.example.jp"] = { { TXT = "v=spf1 include:_spf.example.jp -all exp=why.example.jp" } },
      ["why.example.jp"] = { { TXT = "Denied." } },
      ["verify.example.jp"] = { { TXT = "google-site-verification=abc" } },
      ["split.example.jp"] = { { TXT = { "v=spf1 ip4:192.0.2.77 ", "-all" } } },
      ["www.example.jp"] = { { CNAME = "example.jp" } },
    }
    local cases = {
      { "198.51.100.7", "u@example.jp", "pass" },        -- through include
      { "2001:db8:7::1", "u@example.jp", "pass" },       -- ip6 in the include
      { "192.0.2.20", "u@example.jp", "pass" },          -- mx
      { "192.0.2.30", "u@example.jp", "pass" },          -- a:host
      { "2001:db8::30", "u@example.jp", "pass" },        -- a:host AAAA
      { "203.0.113.9", "u@example.jp", "pass" },         -- ip4 cidr
      { "192.0.2.99", "u@example.jp", "softfail" },      -- ~all
      { "192.0.2.1", "u@q.example.jp", "fail" },
      { "192.0.2.2", "u@q.example.jp", "softfail" },
      { "192.0.2.3", "u@q.example.jp", "neutral" },
      { "192.0.2.4", "u@q.example.jp", "pass" },
      { "192.0.2.5", "u@q.example.jp", "neutral" },      -- no match, no all
      { "198.51.100.7", "u@redir.example.jp", "pass" },  -- redirect
      { "192.0.2.5", "u@redir.example.jp", "fail" },
      { "192.0.2.5", "u@verify.example.jp", "none" },    -- no SPF record
      { "192.0.2.5", "u@nx.example.jp", "none" },        -- NXDOMAIN
      { "192.0.2.77", "u@split.example.jp", "pass" },    -- multi-string TXT
      { "192.0.2.20", "u@www.example.jp", "pass" },      -- CNAME followed by the zone
    }
    for _, c in ipairs(cases) do
      it(("gives %s for %s from %s"):format(c[3], c[1], c[2]), function()
        local a, b = both(z, c[1], c[2])
        assert.are.equal(c[3], a.result)
        assert.are.equal(c[3], b.result)
        assert.are.equal("libspf2", b.engine)
        assert.are.equal(c[3], b.libspf2_result)
      end)
    end

    it("returns the result shape of spfkit.check", function()
      local r = lib(z, "198.51.100.7", "u@example.jp")
      assert.are.equal("example.jp", r.domain)
      assert.are.equal("mailfrom", r.identity)
      assert.are.equal("u@example.jp", r.sender)
      assert.are.equal("198.51.100.7", r.ip)
      assert.are.equal("mechanism", r.reason)
      assert.are.equal(1, r.lookups)          -- the include matched; mx was not reached
      assert.is_string(r.received_spf)
      assert.truthy(r.received_spf:find("^Received%-SPF: Pass "))
      assert.truthy(r.authentication_results:find("^spf=pass "))
      assert.truthy(r.libspf2_received_spf:find("^Received%-SPF: pass"))
      assert.are.same({ "example.jp", "TXT", "NOERROR" },
                      { r.trace[1].name, r.trace[1].type, r.trace[1].rcode })
      assert.are.same({ { "v=spf1 ip4:198.51.100.7 ip6:2001:db8:7::/48 -all" } }, r.trace[2].answers)
      assert.is_number(r.trace[1].ms)
      assert.is_string(r.trace_note)
    end)

    it("records A, MX and AAAA questions in the trace", function()
      local r = lib(z, "2001:db8::30", "u@example.jp")
      local seen = {}
      for _, q in ipairs(r.trace) do seen[q.name .. "/" .. q.type] = q end
      assert.are.same({ { 10, "mail.example.jp" } }, seen["example.jp/MX"].answers)
      assert.are.same({ "2001:db8::30" }, seen["host.example.jp/AAAA"].answers)
    end)

    it("checks the HELO identity when the sender is empty", function()
      local hz = zone{ ["mail.example.net"] = { { TXT = "v=spf1 a -all" }, { A = "192.0.2.50" } } }
      local a, b = both(hz, "192.0.2.50", "")
      assert.are.equal("pass", a.result)
      assert.are.equal("pass", b.result)
      assert.are.equal("helo", b.identity)
      assert.are.equal("postmaster@mail.example.net", b.sender)
      assert.are.equal("mail.example.net", b.domain)
    end)

    it("gives libspf2's explanation for fail; the trace keeps repeated questions", function()
      local r = lib(z, "192.0.2.5", "u@exp.example.jp")
      assert.are.equal("fail", r.result)
      assert.are.equal("Denied.", r.explanation)
      assert.truthy(r.smtp_comment:find("Denied.", 1, true))
      local n = 0
      for _, q in ipairs(r.trace) do if q.name == "why.example.jp" then n = n + 1 end end
      assert.are.equal(2, n)   -- libspf2 asked twice (after an include); not deduplicated
    end)

    it("gives temperror when a lookup times out inside an include", function()
      local tz = zone{
        ["t.example.jp"] = { { TXT = "v=spf1 include:slow.example.jp -all" } },
        ["slow.example.jp"] = { "TIMEOUT" },
      }
      local a, b = both(tz, "192.0.2.1", "u@t.example.jp")
      assert.are.equal("temperror", a.result)
      assert.are.equal("temperror", b.result)
      assert.are.equal("TIMEOUT", b.trace[2].rcode)
    end)
  end)

  describe("check, documented differences (notes/libspf2-conformance.md)", function()
    local z = zone{
      ["a0.example.jp"] = { { TXT = "v=spf1 a/0 -all" }, { A = "192.0.2.1" } },
      ["ip0.example.jp"] = { { TXT = "v=spf1 ip4:0.0.0.0/0 -all" } },
      ["bad.example.jp"] = { { TXT = "v=spf1 ip4:192.0.2.1 foo:bar -all" } },
      ["mapped.example.jp"] = { { TXT = "v=spf1 ip4:192.0.2.1 -all" } },
      ["slow.example.jp"] = { "TIMEOUT" },
      ["void.example.jp"] = { { TXT = "v=spf1 a:n1.example.jp a:n2.example.jp a:n3.example.jp "
                                     .. "a:n4.example.jp ip4:192.0.2.1 -all" } },
    }
    -- ten includes of one DNS term each: 20 lookups through the tree
    local wide = { ["wide.example.jp"] = {} }
    local terms = {}
    for i = 1, 10 do
      terms[#terms + 1] = "include:i" .. i .. ".example.jp"
      wide["i" .. i .. ".example.jp"] = { { TXT = "v=spf1 a:h" .. i .. ".example.jp -all" } }
      wide["h" .. i .. ".example.jp"] = { { A = "198.51.100." .. i } }
    end
    wide["wide.example.jp"] = { { TXT = "v=spf1 " .. table.concat(terms, " ") .. " ip4:192.0.2.1 -all" } }
    local wz = zone(wide)

    it("rejects a/0 that RFC 7208 allows: invalid, read as permerror", function()
      local a, b = both(z, "192.0.2.9", "u@a0.example.jp")
      assert.are.equal("pass", a.result)
      assert.are.equal("permerror", b.result)
      assert.are.equal("invalid", b.libspf2_result)
      assert.truthy(b.problem:find("CIDR netmask (=0)", 1, true))
      assert.truthy(b.notes[1]:find("'invalid'", 1, true))
      assert.truthy(b.received_spf:find("^Received%-SPF: PermError"))
    end)

    it("rejects ip4:0.0.0.0/0 the same way", function()
      local a, b = both(z, "192.0.2.9", "u@ip0.example.jp")
      assert.are.equal("pass", a.result)
      assert.are.equal("invalid", b.libspf2_result)
    end)

    it("returns invalid for an unknown mechanism, where spfkit says permerror", function()
      local a, b = both(z, "192.0.2.1", "u@bad.example.jp")
      assert.are.equal("permerror", a.result)
      assert.are.equal("invalid", b.libspf2_result)
      assert.are.equal("permerror", b.result)
    end)

    it("returns invalid for a top-level TXT timeout, read as temperror", function()
      local a, b = both(z, "192.0.2.1", "u@slow.example.jp")
      assert.are.equal("temperror", a.result)
      assert.are.equal("invalid", b.libspf2_result)
      assert.are.equal("temperror", b.result)
    end)

    it("resets the lookup counter in each include", function()
      local a, b = both(wz, "192.0.2.1", "u@wide.example.jp")
      assert.are.equal("permerror", a.result)        -- 20 > 10
      assert.are.equal("pass", b.result)
      assert.are.equal(10, b.lookups)                 -- only the top level's includes
    end)

    it("evaluates an IPv4-mapped IPv6 client as IPv6", function()
      local a, b = both(z, "::ffff:192.0.2.1", "u@mapped.example.jp")
      assert.are.equal("pass", a.result)
      assert.are.equal("fail", b.result)
      assert.are.equal("::ffff:192.0.2.1", b.ip)
    end)

    it("has no void-lookup limit", function()
      local a, b = both(z, "192.0.2.1", "u@void.example.jp", { limits = { void_lookups = 2 } })
      assert.are.equal("permerror", a.result)
      assert.are.equal("pass", b.result)
      assert.truthy(b.notes[#b.notes]:find("void%-lookup"))
    end)

    it("passes loopback clients without DNS", function()
      local b = lib(z, "127.0.0.1", "u@ip0.example.jp")
      assert.are.equal("pass", b.result)
      assert.are.equal("localhost", b.reason)
      assert.are.equal(0, #b.trace)
    end)
  end)

  describe("the CVE-2023-42118 screen", function()
    it("screens the crashing shape (127 macros) before libspf2 sees it", function()
      local z = zone{ ["cve.example.jp"] = { { TXT = cve(127) } } }
      local r = lib(z, "192.0.2.1", "u@cve.example.jp")
      assert.are.equal("screened", r.result)
      assert.are.equal("libspf2", r.engine)
      assert.truthy(r.explanation:find("CVE-2023-42118", 1, true))
      assert.is_true(r.trace[1].screened)
      assert.is_nil(r.libspf2_result)
      assert.is_nil(r.received_spf)    -- no RFC result, no header
    end)

    it("screens 126 macros too (a clean error in libspf2, but too close)", function()
      local z = zone{ ["cve.example.jp"] = { { TXT = cve(126) } } }
      assert.are.equal("screened", lib(z, "192.0.2.1", "u@cve.example.jp").result)
    end)

    it("screens by compiled size, not record length", function()
      -- 127 macros and a short tail: 640 bytes, under the length cap
      assert.truthy(compat.screen(cve(127, 100)):find("macros", 1, true))
      -- three macros between long literals reach the same 508 bytes
      local few = "v=spf1 a:" .. ("A"):rep(244) .. "%{d}" .. ("A"):rep(244) .. "%{d}%{d}"
        .. ("A"):rep(4000)
      assert.truthy(compat.screen(few))
      -- modifiers are compiled the same way (unknown modifier, redirect=)
      assert.truthy(compat.screen("v=spf1 -all foo=" .. ("%{d}"):rep(127)))
      assert.truthy(compat.screen("v=spf1 redirect=" .. ("%{d}"):rep(100)))
      -- explanation text: libspf2 takes " {" as a macro there too
      assert.truthy(compat.screen(("x {d}"):rep(100), "exp"))
      assert.is_nil(compat.screen("%{i} is not allowed to send for %{d}", "exp"))
      -- real macro records pass
      assert.is_nil(compat.screen("v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} include:%{d2} -all"))
      assert.is_nil(compat.screen("v=spf1 a:" .. ("a"):rep(60) .. "." .. ("b"):rep(60) .. ".example.jp -all"))
      -- a long record passes up to the cap, not beyond
      assert.is_nil(compat.screen("v=spf1 " .. ("ip4:192.0.2.1 "):rep(100) .. "-all"))
      assert.truthy(compat.screen("v=spf1 " .. ("ip4:192.0.2.1 "):rep(200) .. "-all"):find("bytes"))
    end)

    it("lets a record with some macros reach libspf2", function()
      local z = zone{
        ["m.example.jp"] = { { TXT = "v=spf1 exists:%{i}._ip.%{d} -all" } },
        ["192.0.2.1._ip.m.example.jp"] = { { A = "127.0.0.2" } },
      }
      local a, b = both(z, "192.0.2.1", "u@m.example.jp")
      assert.are.equal("pass", a.result)
      assert.are.equal("pass", b.result)
    end)

    it("screens inside an include target and stops libspf2 there", function()
      local z = zone{
        ["top.example.jp"] = { { TXT = "v=spf1 include:evil.example.jp ip4:192.0.2.1 -all" } },
        ["evil.example.jp"] = { { TXT = cve(127) } },
      }
      local r = lib(z, "192.0.2.1", "u@top.example.jp")
      assert.are.equal("screened", r.result)
      assert.truthy(r.explanation:find("evil.example.jp", 1, true))
      assert.are.equal(2, #r.trace)
      assert.is_true(r.trace[2].screened)
    end)

    it("screens a redirect target", function()
      local z = zone{
        ["r.example.jp"] = { { TXT = "v=spf1 redirect=evil.example.jp" } },
        ["evil.example.jp"] = { { TXT = cve(127, 10) } },
      }
      assert.are.equal("screened", lib(z, "192.0.2.1", "u@r.example.jp").result)
    end)

    it("screens explanation text (libspf2 compiles the exp= TXT)", function()
      local z = zone{
        ["e.example.jp"] = { { TXT = "v=spf1 -all exp=why.example.jp" } },
        ["why.example.jp"] = { { TXT = ("%{d}"):rep(127) .. ("A"):rep(400) } },
      }
      local r = lib(z, "192.0.2.1", "u@e.example.jp")
      assert.are.equal("screened", r.result)
      assert.truthy(r.explanation:find("explanation text", 1, true))
    end)

    it("screens the default explanation", function()
      local z = zone{ ["e.example.jp"] = { { TXT = "v=spf1 -all" } } }
      local r = lib(z, "192.0.2.1", "u@e.example.jp",
                    { default_explanation = ("%{d}"):rep(127) .. ("A"):rep(400) })
      assert.are.equal("screened", r.result)
      assert.are.equal(0, #r.trace)
    end)

    it("survives many screened and unscreened evaluations", function()
      local z = zone{
        ["a.example.jp"] = { { TXT = cve(127) } },
        ["b.example.jp"] = { { TXT = "v=spf1 ip4:192.0.2.1 -all" } },
      }
      for _ = 1, 50 do
        assert.are.equal("screened", lib(z, "192.0.2.1", "u@a.example.jp").result)
        assert.are.equal("pass", lib(z, "192.0.2.1", "u@b.example.jp").result)
      end
    end)
  end)

  describe("compile", function()
    it("reports libspf2 rejecting ip4:0.0.0.0/0, which RFC 7208 accepts", function()
      assert.truthy(spfkit.parse("v=spf1 ip4:0.0.0.0/0 -all"))
      local r = compat.compile("v=spf1 ip4:0.0.0.0/0 -all")
      assert.is_false(r.ok)
      assert.truthy(r.message:find("Invalid IPv4 CIDR netmask (=0)", 1, true))
      assert.are.equal("Invalid CIDR length", r.error)
      assert.is_false(compat.compile("v=spf1 a/0 -all").ok)
    end)

    it("reports libspf2 accepting records RFC 7208 rejects", function()
      for _, rec in ipairs{ "v=spf1 a: -all", "v=spf1 ip4:192.0.2.1/032 -all",
                            "v=spf1 exp= -all", "v=spf1 a:foo.example.jp:8080 -all" } do
        assert.is_nil(spfkit.parse(rec), rec)
        assert.is_true(compat.compile(rec).ok, rec)
      end
    end)

    it("accepts a valid record, with libspf2's warnings", function()
      local r = compat.compile("v=spf1 include:_spf.google.com ~all")
      assert.is_true(r.ok)
      assert.are.same({}, r.messages)
      r = compat.compile("v=spf1 a:numeric.123 -all")
      assert.is_true(r.ok)
      assert.truthy(r.messages[1].message:find("TLD", 1, true))
      assert.is_false(r.messages[1].error)
    end)

    it("screens the CVE shape instead of compiling it", function()
      for _, n in ipairs{ 126, 127 } do
        local r = compat.compile(cve(n))
        assert.is_false(r.ok)
        assert.is_true(r.screened)
        assert.truthy(r.message:find("^not passed to libspf2"))
      end
    end)

    it("raises on a non-string", function()
      assert.has_error(function() compat.compile(nil) end)
    end)
  end)

  describe("errors", function()
    local z = zone{ ["example.jp"] = { { TXT = "v=spf1 -all" } } }

    it("returns nil, err for a bad ip or sender, like spfkit", function()
      for _, ip in ipairs{ "192.0.2", "300.1.1.1", "hello", "2001:db8::1::2" } do
        local r, err = spfkit.check{ ip = ip, sender = "u@example.jp", dns = z, engine = "libspf2" }
        assert.is_nil(r)
        assert.are.equal("bad-ip", err.code)
      end
      local r, err = spfkit.check{ ip = "192.0.2.1", sender = "", dns = z, engine = "libspf2" }
      assert.is_nil(r)
      assert.are.equal("bad-sender", err.code)
      r, err = spfkit.check{ sender = "u@example.jp", dns = z, engine = "libspf2" }
      assert.is_nil(r)
      assert.are.equal("bad-ip", err.code)
    end)

    it("refuses query= (deferred DNS)", function()
      local r, err = spfkit.check{ ip = "192.0.2.1", sender = "u@example.jp", engine = "libspf2",
                                   query = function() return { rcode = "NXDOMAIN", records = {} } end }
      assert.is_nil(r)
      assert.are.equal("unsupported", err.code)
      assert.truthy(err.message:find("query=", 1, true))
    end)

    it("refuses a missing dns source", function()
      local r, err = spfkit.check{ ip = "192.0.2.1", sender = "u@example.jp", engine = "libspf2" }
      assert.is_nil(r)
      assert.are.equal("unsupported", err.code)
    end)

    it("refuses a deferred source that has no answer yet", function()
      local store = require("spfkit.core").answers()
      local r, err = spfkit.check{ ip = "192.0.2.1", sender = "u@example.jp", engine = "libspf2",
                                   dns = store }
      store:close()
      assert.is_nil(r)
      assert.are.equal("unsupported", err.code)
      assert.truthy(err.message:find("example.jp TXT", 1, true))
    end)

    it("prints nothing and keeps libspf2's messages in the result", function()
      local bz = zone{ ["w.example.jp"] = { { TXT = "v=spf1 a:numeric.123 -all" } } }
      local r = lib(bz, "192.0.2.1", "u@w.example.jp")
      assert.are.equal("fail", r.result)
      assert.truthy(r.messages[1].message:find("TLD", 1, true))
    end)
  end)
end)
