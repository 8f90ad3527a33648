-- The diagnosis stages, each alone (issue 10): evidence -> evaluate and
-- findings -> proposal -> verify -> render; findings are codes and params,
-- words appear only when a report is rendered, in any language, later.
local spfkit = require "spfkit"
local report = require "spfkit.report"
local errors = require "spfkit.errors"
local context = require "spfkit.diagnose.context"
local evidence = require "spfkit.diagnose.evidence"
local spf = require "spfkit.diagnose.spf"
local proposal = require "spfkit.diagnose.proposal"
local verify = require "spfkit.diagnose.verify"
local bounces = require "spec.support.bounces"

local function gmail_bounce(domain, ip, extra)
  return bounces.gmail(domain, ip, { extra = extra })
end

local zone = spfkit.zone{
  ["shop.example"] = { { TXT = "v=spf1 include:_spf.mail.example ~all" }, { TXT = "site-verification=abc" },
                       { MX = { 10, "mx.shop.example" } } },
  ["_spf.mail.example"] = { { TXT = "v=spf1 ip4:198.51.100.0/24 -all" } },
  ["mx.shop.example"] = { { A = "198.51.100.7" } },
  ["bare.example"] = { { A = "192.0.2.80" } },
  ["two.example"] = { { TXT = "v=spf1 mx -all" }, { TXT = "v=spf1 ip4:192.0.2.0/33 ~all" },
                      { MX = { 10, "mx.two.example" } } },
  ["mx.two.example"] = { { A = "192.0.2.90" } },
}

local function ctx_over(dns, opts)
  local ctx = context.new(opts or {})
  ctx:use_dns(dns)
  return ctx
end

local function has_words(t)
  for _, f in ipairs(t) do
    if f.message ~= nil or f.text ~= nil and type(f.text) == "string" then return true end
  end
  return false
end

describe("stage evidence", function()
  it("reads domain, IP, sender and kind from a bounce, without DNS", function()
    local ev = evidence.collect{ bounce = gmail_bounce("shop.example", "203.0.113.45") }
    assert.are.equal("auth", ev.kind)
    assert.are.equal("shop.example", ev.domain)
    assert.are.equal("203.0.113.45", ev.ip)
    assert.are.equal("bounce", ev.ip_from)
    assert.are.equal("info@shop.example", ev.sender)
    assert.are.equal("shop.example", ev.from_domain)
  end)

  it("lets the caller's ip and domain override the bounce's", function()
    local ev = evidence.collect{ bounce = gmail_bounce("shop.example", "203.0.113.45"), ip = "192.0.2.9",
                                 domain = "Other.Example." }
    assert.are.equal("192.0.2.9", ev.ip)
    assert.are.equal("caller", ev.ip_from)
    assert.are.equal("other.example", ev.domain)
    assert.are.equal("postmaster@other.example", ev.sender)
  end)

  it("takes a domain and IP alone", function()
    local ev = evidence.collect{ domain = "shop.example", ip = "192.0.2.1" }
    assert.are.same({ "domain", "spf", "shop.example", "192.0.2.1" }, { ev.input, ev.kind, ev.domain, ev.ip })
  end)

  it("says what is wrong with unusable input, as codes", function()
    assert.are.equal("input-not-bounce", evidence.collect{ bounce = "Subject: hi\n\nhello\n" }.error.code)
    assert.are.equal("input-bad-domain", evidence.collect{ domain = "no spaces.example" }.error.code)
  end)
end)

describe("stages evaluate and findings", function()
  it("gives codes and params, never words", function()
    local ctx = ctx_over(zone)
    local t = { domain = "shop.example", ip = "203.0.113.45", sender = "info@shop.example" }
    local facts = spf.evaluate(ctx, t)
    assert.are.equal("softfail", facts.check.result)
    assert.are.same({ "v=spf1 include:_spf.mail.example ~all" }, facts.pub.spf)
    local case, plan = spf.judge(ctx, t, facts)
    assert.are.equal("spf-fail", case)
    assert.are.equal("merge", plan.action)
    assert.is_false(has_words(ctx.findings))
    assert.are.equal("spf-not-authorized", ctx.findings[1].code)
    assert.are.equal("203.0.113.45", ctx.findings[1].params.ip)
  end)

  it("plans a replace for two records", function()
    local ctx = ctx_over(zone)
    local t = { domain = "two.example", ip = "203.0.113.45", sender = "info@two.example" }
    local case, plan = spf.judge(ctx, t, spf.evaluate(ctx, t))
    assert.are.equal("spf-permerror", case)
    assert.are.equal("replace", plan.action)
  end)
end)

describe("stages proposal and verify", function()
  it("merges the IP into the customer's record and proves it", function()
    local ctx = ctx_over(zone)
    local t = { domain = "shop.example", ip = "203.0.113.45", sender = "info@shop.example" }
    local facts = spf.evaluate(ctx, t)
    local _, plan = spf.judge(ctx, t, facts)
    local p = proposal.propose(ctx, t, facts.pub, plan)
    assert.are.equal("v=spf1 ip4:203.0.113.45 include:_spf.mail.example ~all", p.record)
    assert.is_true(verify.verify(ctx, t, facts.pub, p))
    assert.are.equal("pass", ctx.whatif.result)
    assert.are.equal(p.record, ctx.fix.value)
    assert.are.equal("step-open-dns", ctx.steps[1].code)
  end)

  it("drops a candidate that does not pass, with a finding", function()
    local ctx = ctx_over(zone)
    local t = { domain = "shop.example", ip = "203.0.113.45", sender = "info@shop.example" }
    local facts = spf.evaluate(ctx, t)
    local ok = verify.verify(ctx, t, facts.pub, { action = "merge", record = "v=spf1 -all" })
    assert.is_false(ok)
    assert.are.equal("spf-fix-not-verified", ctx.findings[#ctx.findings].code)
    assert.are.equal("none", ctx.fix.action)
    assert.are.equal("fix-none-unverified", ctx.fix.reason)
  end)

  it("drops the broken terms of a broken record", function()
    local ctx = ctx_over(zone)
    local rec, removed = proposal.clean_record(ctx, "v=spf1 ip4:192.0.2.0/33 mx ~all", "two.example")
    assert.are.equal("v=spf1 mx ~all", rec)
    assert.are.same({ "ip4:192.0.2.0/33" }, removed)
  end)
end)

describe("stage render", function()
  local raw = gmail_bounce("shop.example", "203.0.113.45")

  local function strip_words(v)
    if type(v) ~= "table" then return v end
    local t = {}
    for k, x in pairs(v) do
      if k ~= "message" and k ~= "summary" and k ~= "lang" and k ~= "reason_message" and k ~= "text" then
        t[k] = strip_words(x)
      end
    end
    return t
  end

  it("renders a stored report in another language without asking DNS", function()
    local asked = 0
    local counting = { query = function(_, n, q) asked = asked + 1 return zone:query(n, q) end }
    local en = spfkit.diagnose{ bounce = raw, dns = counting }
    local before = asked
    local ja = en:render("ja")
    assert.are.equal(before, asked)
    assert.are.equal("ja", ja.lang)
    assert.are.equal("en", en.lang)
    assert.are_not.equal(en.summary, ja.summary)
    assert.truthy(ja.summary:find("[\227-\233]"))
    assert.are.same(strip_words(en:render("en")), strip_words(ja))
    assert.are.equal(en:text(), ja:render("en"):text())
  end)

  it("means the same in every language (JSON codes and params)", function()
    local en = spfkit.diagnose{ bounce = raw, dns = zone, lang = "en" }
    local ja = spfkit.diagnose{ bounce = raw, dns = zone, lang = "ja" }
    local a, b = report.from_json(en:json()), report.from_json(ja:json())
    assert.are.same(strip_words(a), strip_words(b))
    assert.are.same(en.summary_code, ja.summary_code)
    for i, f in ipairs(en.findings) do
      assert.are.same(f.params, ja.findings[i].params)
    end
  end)

  it("rebuilds a report from its JSON", function()
    local en = spfkit.diagnose{ bounce = raw, dns = zone }
    local back = assert(report.from_json(en:json()))
    assert.are.equal(en:json(), back:json())
    assert.are.equal(en:text(), back:text())
    assert.are.equal(en:render("ja"):html(), back:render("ja"):html())
  end)

  it("refuses what is not a report, with an assertable error", function()
    for _, s in ipairs({ "", "{", "[1,2]", '{"schema":"other/1"}', '{"schema":"spfkit.diagnosis/1"}', "nul" }) do
      local r, err = report.from_json(s)
      assert.is_nil(r)
      assert.are.equal("bad-report", err.code)
      assert.truthy(tostring(err):find("^bad%-report: "))
    end
  end)
end)

describe("rounds of DNS (#14)", function()
  it("asks independent questions together when the source can", function()
    local rounds, asked = {}, 0
    local batching = {
      query = function(_, n, q) rounds[#rounds + 1] = 1 asked = asked + 1 return zone:query(n, q) end,
      query_many = function(_, list)
        rounds[#rounds + 1] = #list
        local out = {}
        for i, q in ipairs(list) do asked = asked + 1 out[i] = zone:query(q[1], q[2]) end
        return out
      end,
    }
    local r = spfkit.diagnose{ bounce = gmail_bounce("shop.example", "203.0.113.45"), dns = batching }
    assert.are.equal("merge", r.fix.action)
    assert.is_true(rounds[1] >= 4, "first round: " .. tostring(rounds[1]))
    assert.is_true(#rounds < asked, #rounds .. " rounds for " .. asked .. " questions")
    -- the same report as one question at a time
    local plain = spfkit.diagnose{ bounce = gmail_bounce("shop.example", "203.0.113.45"), dns = zone }
    assert.are.equal(plain:json(), r:json())
  end)
end)

describe("no internal error, no empty report (#10)", function()
  it("explains a 5.7.25 from a domain without A record and an IP without PTR", function()
    local raw = table.concat({
      "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>",
      "To: <info@bare.example>",
      "Subject: Returned mail: see transcript for details",
      "Content-Type: text/plain",
      "",
      "   ----- The following addresses had permanent fatal errors -----",
      "<someone@gmail.com>",
      "    (reason: 550-5.7.25 [192.0.2.200] The IP address sending this message does not have a PTR record)",
      "",
      "   ----- Transcript of session follows -----",
      "... while talking to gmail-smtp-in.l.google.com.:",
      ">>> DATA",
      "<<< 550-5.7.25 [192.0.2.200] The IP address sending this message does not have a",
      "<<< 550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not",
      "<<< 550 5.7.25 point to the sending IP. https://support.google.com/mail/answer/81126",
      "554 5.0.0 Service unavailable",
    }, "\n")
    local r = spfkit.diagnose{ bounce = raw, dns = zone }
    assert.are_not.equal("error", r.status)
    assert.are.equal("ptr", r.case)
    assert.truthy(r.summary ~= "")
    assert.are.equal("fix-none-ip-owner", r.fix.reason)
  end)

  it("says what to do with two records, one of them broken", function()
    local r = spfkit.diagnose{ domain = "two.example", ip = "192.0.2.90", dns = zone }
    assert.truthy(r.summary ~= "")
    assert.are.equal("replace", r.fix.action)
    assert.truthy(r.fix.value:find(" mx ", 1, true))
    assert.is_nil(r.fix.value:find("/33", 1, true))
    assert.are.equal("pass", r.whatif.result)
  end)
end)

describe("one error shape (#10)", function()
  it("errors of every module read as 'code: message'", function()
    local _, e1 = spfkit.parse("v=spf1 ip4:192.0.2.0/33")
    assert.are.equal("bad-cidr: " .. e1.message, tostring(e1))
    local ok, e2 = pcall(function() return assert(spfkit.parse("v=spf1 bogus")) end)
    assert.is_false(ok)
    assert.truthy(tostring(e2):find("^unknown%-mechanism: "))
    local _, e3 = spfkit.check{ sender = "a@b.example" }
    assert.are.equal("bad-ip: ip is required", tostring(e3))
    local _, e4 = spfkit.providers.terms("no-such-provider")
    assert.truthy(tostring(e4):find("^unknown%-provider: "))
    local e5 = errors.new("x-code", "a message", { position = 3 })
    assert.are.equal("x-code: a message", tostring(e5))
    assert.are.equal(3, e5.position)
    assert.is_true(errors.is(e1) and errors.is(e4) and errors.is(e5))
  end)
end)
