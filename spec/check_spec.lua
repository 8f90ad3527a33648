local spfkit = require "spfkit"

local function zone(t) return assert(spfkit.zone(t)) end

local function check(z, ip, sender, extra)
  local opts = { ip = ip, sender = sender, helo = "mail.example.net", dns = z }
  for k, v in pairs(extra or {}) do opts[k] = v end
  return assert(spfkit.check(opts))
end

describe("spfkit.check", function()
  local z = zone{
    ["example.jp"] = { { TXT = "v=spf1 ip4:203.0.113.0/28 include:_spf.example.jp ~all" } },
    ["_spf.example.jp"] = { { TXT = "v=spf1 ip4:198.51.100.7 -all" } },
    ["q.example.jp"] = { { TXT = "v=spf1 -ip4:192.0.2.1 ~ip4:192.0.2.2 ?ip4:192.0.2.3 +ip4:192.0.2.4" } },
    ["mx.example.jp"] = { { TXT = "v=spf1 mx/30 a:host.example.jp -all" }, { MX = { 10, "mail.example.jp" } } },
    ["mail.example.jp"] = { { A = "192.0.2.20" } },
    ["host.example.jp"] = { { AAAA = "2001:db8::25" } },
    ["redir.example.jp"] = { { TXT = "v=spf1 redirect=_spf.example.jp" } },
    ["redirall.example.jp"] = { { TXT = "v=spf1 ?all redirect=_spf.example.jp" } },
    ["two.example.jp"] = { { TXT = "v=spf1 -all" }, { TXT = "v=spf1 +all" }, { TXT = "google-site-verification=abc" } },
    ["noinc.example.jp"] = { { TXT = "v=spf1 include:none.example.jp -all" } },
    ["none.example.jp"] = { { A = "192.0.2.9" } },
    ["exp.example.jp"] = { { TXT = "v=spf1 -all exp=why.example.jp" } },
    ["why.example.jp"] = { { TXT = "%{i} is not allowed to send for %{d} (%{l})" } },
    ["incexp.example.jp"] = { { TXT = "v=spf1 -include:exp.example.jp ~all" } },
    ["slow.example.jp"] = { { TXT = "v=spf1 a:timeout.example.jp -all" } },
    ["timeout.example.jp"] = { "TIMEOUT" },
    ["helo.example.net"] = { { TXT = "v=spf1 a -all" }, { A = "192.0.2.50" } },
    ["verify.example.jp"] = { { TXT = "google-site-verification=abc" } },
    ["bad.example.jp"] = { { TXT = "v=spf1 ip4:192.0.2.1 a:bad.example.123 -all" } },
  }

  it("evaluates qualifiers", function()
    assert.are.equal("fail", check(z, "192.0.2.1", "a@q.example.jp").result)
    assert.are.equal("softfail", check(z, "192.0.2.2", "a@q.example.jp").result)
    assert.are.equal("neutral", check(z, "192.0.2.3", "a@q.example.jp").result)
    assert.are.equal("pass", check(z, "192.0.2.4", "a@q.example.jp").result)
    -- no match and no redirect: neutral
    assert.are.equal("neutral", check(z, "192.0.2.5", "a@q.example.jp").result)
  end)

  it("reports the matching term, lookups and the trace", function()
    local r = check(z, "198.51.100.7", "user@example.jp")
    assert.are.equal("pass", r.result)
    assert.are.equal("include:_spf.example.jp", r.mechanism)
    assert.are.equal("ip4:198.51.100.7", r.matched_term)
    assert.are.equal("_spf.example.jp", r.matched_domain)
    assert.are.equal("example.jp", r.domain)
    assert.are.equal(1, r.lookups)
    assert.are.equal(0, r.void_lookups)
    assert.are.equal(2, #r.trace)
    assert.are.same({ "example.jp", "TXT", "NOERROR" }, { r.trace[1].name, r.trace[1].type, r.trace[1].rcode })
    assert.are.same({ { "v=spf1 ip4:198.51.100.7 -all" } }, r.trace[2].answers)
    assert.is_number(r.trace[1].ms)
    assert.are.equal("v=spf1 ip4:203.0.113.0/28 include:_spf.example.jp ~all", r.record)
  end)

  it("does not let a failing include match", function()
    local r = check(z, "192.0.2.99", "user@example.jp")
    assert.are.equal("softfail", r.result)
    assert.are.equal("~all", r.mechanism)
    assert.are.equal("~all", r.matched_term)
  end)

  it("evaluates mx and a with CIDR lengths, per address family", function()
    assert.are.equal("pass", check(z, "192.0.2.22", "a@mx.example.jp").result)
    assert.are.equal("fail", check(z, "192.0.2.24", "a@mx.example.jp").result)
    assert.are.equal("pass", check(z, "2001:db8::25", "a@mx.example.jp").result)
    assert.are.equal("fail", check(z, "2001:db8::26", "a@mx.example.jp").result)
  end)

  it("treats IPv4-mapped IPv6 clients as IPv4", function()
    local r = check(z, "::ffff:198.51.100.7", "user@example.jp")
    assert.are.equal("pass", r.result)
    assert.are.equal("198.51.100.7", r.ip)
  end)

  it("follows redirect, and ignores it when the record has all", function()
    assert.are.equal("fail", check(z, "192.0.2.1", "a@redir.example.jp").result)
    assert.are.equal("pass", check(z, "198.51.100.7", "a@redir.example.jp").result)
    assert.are.equal("neutral", check(z, "192.0.2.1", "a@redirall.example.jp").result)
  end)

  it("gives permerror for several SPF records, keeping other TXT records out", function()
    local r = check(z, "192.0.2.1", "a@two.example.jp")
    assert.are.equal("permerror", r.result)
    assert.are.equal("multiple-records", r.problem_code)
  end)

  it("gives permerror for an include without a record", function()
    local r = check(z, "192.0.2.1", "a@noinc.example.jp")
    assert.are.equal("permerror", r.result)
    assert.are.equal("include-no-record", r.problem_code)
  end)

  it("gives permerror with the position for a syntax error", function()
    local r = check(z, "192.0.2.1", "a@bad.example.jp")
    assert.are.equal("permerror", r.result)
    assert.are.equal("bad-domain", r.problem_code)
    assert.are.equal(22, r.problem_position)
  end)

  it("gives none without a record, for NXDOMAIN and for malformed domains", function()
    assert.are.equal("none", check(z, "192.0.2.1", "a@verify.example.jp").result)
    assert.are.equal("none", check(z, "192.0.2.1", "a@nxdomain.example.jp").result)
    assert.are.equal("none", check(z, "192.0.2.1", "a@" .. ("x"):rep(64) .. ".example.jp").result)
    assert.are.equal("none", check(z, "192.0.2.1", "a@localhost").result)
    assert.are.equal("none", check(z, "192.0.2.1", "a@bad..example.jp").result)
    assert.are.equal("none", check(z, "192.0.2.1", "a@[192.0.2.1]").result)
  end)

  it("gives temperror on a DNS timeout", function()
    local r = check(z, "192.0.2.1", "a@slow.example.jp")
    assert.are.equal("temperror", r.result)
    assert.are.equal("TIMEOUT", r.trace[2].rcode)
  end)

  it("explains a fail with exp= macros, only at the top level", function()
    local r = check(z, "192.0.2.1", "joe@exp.example.jp")
    assert.are.equal("fail", r.result)
    assert.are.equal("192.0.2.1 is not allowed to send for exp.example.jp (joe)", r.explanation)
    r = check(z, "192.0.2.1", "joe@incexp.example.jp", { default_explanation = "DEFAULT" })
    assert.are.equal("softfail", r.result)
    r = check(z, "192.0.2.1", "joe@mx.example.jp", { default_explanation = "see %{d}" })
    assert.are.equal("see %{d}", r.explanation)
  end)

  it("uses the HELO identity when the sender is empty or has no domain", function()
    for _, sender in ipairs{ "", "user@" } do
      local r = assert(spfkit.check{ ip = "192.0.2.50", sender = sender, helo = "helo.example.net", dns = z })
      assert.are.equal("pass", r.result)
      assert.are.equal("helo", r.identity)
      assert.are.equal("postmaster@helo.example.net", r.sender)
      assert.are.equal("helo.example.net", r.domain)
      assert.matches("identity=helo$", r.received_spf)
      assert.matches("smtp.helo=helo.example.net", r.authentication_results)
    end
  end)

  it("uses postmaster for an empty local part", function()
    local r = check(z, "192.0.2.1", "@exp.example.jp")
    assert.are.equal("192.0.2.1 is not allowed to send for exp.example.jp (postmaster)", r.explanation)
  end)

  it("writes Received-SPF and Authentication-Results", function()
    local r = check(z, "198.51.100.7", "user@example.jp", { receiver = "mx.gmail.test", authserv_id = "mx.gmail.test" })
    assert.are.equal('Received-SPF: Pass (mx.gmail.test: domain of user@example.jp designates 198.51.100.7 as '
      .. 'permitted sender) client-ip=198.51.100.7; envelope-from="user@example.jp"; helo=mail.example.net; '
      .. 'receiver=mx.gmail.test; mechanism="include:_spf.example.jp"; identity=mailfrom', r.received_spf)
    assert.are.equal('Authentication-Results: mx.gmail.test; spf=pass (domain of user@example.jp designates '
      .. '198.51.100.7 as permitted sender) smtp.mailfrom=user@example.jp', r.authentication_results)
    local p = check(z, "192.0.2.1", "a@bad.example.jp")
    assert.matches("^Received%-SPF: PermError %(", p.received_spf)
    assert.matches('problem="', p.received_spf, 1, true)
  end)

  it("never asks the same (name, type) twice in one check", function()
    local zz = zone{
      ["dup.example"] = { { TXT = "v=spf1 a:h.dup.example a:h.dup.example mx mx include:i.dup.example include:i.dup.example -all" },
                          { MX = { 1, "h.dup.example" } } },
      ["h.dup.example"] = { { A = "192.0.2.1" } },
      ["i.dup.example"] = { { TXT = "v=spf1 a:h.dup.example -all" } },
    }
    local asked = {}
    local r = assert(spfkit.check{ ip = "192.0.2.200", sender = "a@dup.example", query = function(name, qtype)
      local key = name .. "/" .. qtype
      asked[key] = (asked[key] or 0) + 1
      return zz:query(name, qtype)
    end })
    assert.are.equal("fail", r.result)
    assert.are.equal(8, r.lookups)   -- 6 terms here + a: twice in i.dup.example
    for key, n in pairs(asked) do assert.are.equal(1, n, key) end
    local seen = {}
    for _, q in ipairs(r.trace) do
      local key = q.name .. "/" .. q.type
      assert.is_nil(seen[key], key)
      seen[key] = true
    end
  end)
end)

describe("spfkit.check limits", function()
  local function chain(n, last)
    local t = {}
    for i = 1, n do
      t["i" .. i .. ".example"] = { { TXT = "v=spf1 include:i" .. (i + 1) .. ".example -all" } }
    end
    t["i" .. (n + 1) .. ".example"] = { { TXT = last } }
    return zone(t)
  end

  it("counts 10 DNS-querying terms across the include tree", function()
    -- 10 includes: the 10th reaches a record with ip4 only: pass
    local r = check(chain(10, "v=spf1 ip4:192.0.2.1 -all"), "192.0.2.1", "a@i1.example")
    assert.are.equal("pass", r.result)
    assert.are.equal(10, r.lookups)
    -- one more DNS term anywhere in the tree: permerror
    r = check(chain(10, "v=spf1 a ip4:192.0.2.1 -all"), "192.0.2.1", "a@i1.example")
    assert.are.equal("permerror", r.result)
    assert.are.equal("too-many-lookups", r.problem_code)
    assert.are.equal(11, r.lookups)
  end)

  it("honours limits given per call", function()
    local r = check(chain(3, "v=spf1 ip4:192.0.2.1 -all"), "192.0.2.1", "a@i1.example", { limits = { lookups = 2 } })
    assert.are.equal("permerror", r.result)
  end)

  it("allows two void lookups and fails the third", function()
    local z = zone{
      ["v2.example"] = { { TXT = "v=spf1 a:n1.v2.example a:n2.v2.example ip4:192.0.2.1 -all" } },
      ["v3.example"] = { { TXT = "v=spf1 a:n1.v3.example mx:n2.v3.example exists:n3.v3.example ip4:192.0.2.1 -all" } },
      ["n1.v3.example"] = { { TXT = "nodata for A" } },
    }
    local r = check(z, "192.0.2.1", "a@v2.example")
    assert.are.equal("pass", r.result)
    assert.are.equal(2, r.void_lookups)
    r = check(z, "192.0.2.1", "a@v3.example")
    assert.are.equal("permerror", r.result)
    assert.are.equal("too-many-void-lookups", r.problem_code)
    assert.are.equal(3, r.void_lookups)
  end)

  it("refuses more than 10 MX names", function()
    local function mxzone(n)
      local recs = { { TXT = "v=spf1 mx -all" } }
      local t = {}
      for i = 1, n do
        recs[#recs + 1] = { MX = { i, "mx" .. i .. ".m.example" } }
        t["mx" .. i .. ".m.example"] = { { A = "192.0.2." .. i } }
      end
      t["m.example"] = recs
      return zone(t)
    end
    assert.are.equal("pass", check(mxzone(10), "192.0.2.10", "a@m.example").result)
    local r = check(mxzone(11), "192.0.2.1", "a@m.example")
    assert.are.equal("permerror", r.result)
    assert.are.equal("too-many-mx", r.problem_code)
    r = check(mxzone(30), "192.0.2.1", "a@m.example")
    assert.are.equal("permerror", r.result)
  end)

  it("uses only the first 10 PTR names", function()
    local t = { ["p.example"] = { { TXT = "v=spf1 ptr -all" } } }
    local ptrs = {}
    for i = 1, 12 do
      ptrs[#ptrs + 1] = { PTR = "h" .. i .. ".p.example" }
      t["h" .. i .. ".p.example"] = { { A = "192.0.2.1" } }
    end
    t["1.2.0.192.in-addr.arpa"] = ptrs
    -- only h11 and h12 would match this domain; they are ignored
    t["q.example"] = { { TXT = "v=spf1 ptr:h11.p.example ptr:h12.p.example ptr:h10.p.example -all" } }
    local z = zone(t)
    local r = check(z, "192.0.2.1", "a@q.example")
    assert.are.equal("pass", r.result)
    assert.are.equal("ptr:h10.p.example", r.mechanism)
    assert.are.equal("pass", check(z, "192.0.2.1", "a@p.example").result)
  end)
end)

describe("spfkit.check arguments", function()
  local z = zone{ ["example.jp"] = { { TXT = "v=spf1 -all" } } }

  it("returns nil, err for a bad IP or sender", function()
    for _, ip in ipairs{ "999.1.1.1", "192.0.2", "", "2001:db8::1::2", "192.0.2.1 ", "fe80::1%eth0" } do
      local r, err = spfkit.check{ ip = ip, sender = "a@example.jp", dns = z }
      assert.is_nil(r)
      assert.are.equal("bad-ip", err.code)
    end
    local r, err = spfkit.check{ sender = "a@example.jp", dns = z }
    assert.is_nil(r)
    assert.are.equal("bad-ip", err.code)
    r, err = spfkit.check{ ip = "192.0.2.1", sender = "", dns = z }
    assert.is_nil(r)
    assert.are.equal("bad-sender", err.code)
  end)

  it("raises for programmer mistakes", function()
    assert.has_error(function() spfkit.check() end)
    assert.has_error(function() spfkit.check{ ip = "192.0.2.1", sender = "a@example.jp", dsn = z } end)
    assert.has_error(function() spfkit.check{ ip = 1, sender = "a@example.jp", dns = z } end)
    assert.has_error(function() spfkit.check{ ip = "192.0.2.1", sender = "a@example.jp", dns = {} } end)
    assert.has_error(function() spfkit.check{ ip = "192.0.2.1", sender = "a@example.jp", dns = z, limits = { lookup = 3 } } end)
    assert.has_error(function() spfkit.check{ ip = "192.0.2.1", sender = "a@example.jp", dns = z, limits = { lookups = -1 } } end)
    assert.has_error(function() spfkit.check{ ip = "192.0.2.1", sender = "a@example.jp", dns = z, engine = "nope" } end)
    assert.has_error(function() spfkit.check{ ip = "192.0.2.1", sender = "a@example.jp", dns = z, query = print } end)
  end)
end)

describe("spfkit.check deferred mode", function()
  local z = zone{
    ["d.example"] = { { TXT = "v=spf1 mx include:i.d.example ptr:p.example -all" },
                      { MX = { 10, "m1.d.example" } }, { MX = { 20, "m2.d.example" } }, { MX = { 30, "m3.d.example" } } },
    ["m1.d.example"] = { { A = "192.0.2.11" } },
    ["m2.d.example"] = { { A = "192.0.2.12" } },
    ["m3.d.example"] = { { A = "192.0.2.13" } },
    ["i.d.example"] = { { TXT = "v=spf1 a:x.d.example" } },
    ["x.d.example"] = { "TIMEOUT" },
  }

  local function strip(trace)
    local out = {}
    for i, q in ipairs(trace) do out[i] = { q.name, q.type, q.rcode, q.answers } end
    return out
  end

  it("gives the blocking result and trace from a yielding coroutine", function()
    for _, ip in ipairs{ "192.0.2.12", "192.0.2.99", "2001:db8::1" } do
      local blocking = assert(spfkit.check{ ip = ip, sender = "a@d.example", dns = z })
      local co = coroutine.wrap(function()
        return spfkit.check{ ip = ip, sender = "a@d.example", query = function(name, qtype)
          local ans = coroutine.yield(name, qtype)
          if not ans then return nil, { code = "timeout" } end
          return ans
        end }
      end)
      local name, qtype = co()
      local r
      while true do
        local ans, err = z:query(name, qtype)
        name, qtype = co(ans, err)
        if type(name) == "table" then r = name break end
      end
      assert.are.equal(blocking.result, r.result)
      assert.are.equal(blocking.mechanism, r.mechanism)
      assert.are.equal(blocking.lookups, r.lookups)
      assert.are.same(strip(blocking.trace), strip(r.trace))
    end
  end)

  it("returns the addresses of all MX names together", function()
    local rounds = {}
    local r = spfkit.check{ ip = "192.0.2.99", sender = "a@d.example", query = function(name, qtype)
      rounds[#rounds + 1] = name
      return z:query(name, qtype)
    end }
    assert.are.equal("temperror", r.result)
    -- the three A queries were asked one after the other in one round
    local joined = table.concat(rounds, " ")
    assert.matches("m1.d.example m2.d.example m3.d.example", joined, 1, true)
  end)

  it("turns query errors and malformed answers into temperror", function()
    local r = spfkit.check{ ip = "192.0.2.1", sender = "a@d.example", query = function() error("boom") end }
    assert.are.equal("temperror", r.result)
    r = spfkit.check{ ip = "192.0.2.1", sender = "a@d.example", query = function() return { rcode = "WHAT" } end }
    assert.are.equal("temperror", r.result)
    r = spfkit.check{ ip = "192.0.2.1", sender = "a@d.example", query = function() return { rcode = "SERVFAIL" } end }
    assert.are.equal("temperror", r.result)
  end)
end)
