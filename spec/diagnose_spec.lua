-- spfkit.diagnose end to end: raw bounce -> report, over the master file
-- spec/fixtures/diagnose/cases.zone (read with spfkit.zone_file) and small
-- table zones for the DNS states a master file cannot express.
local spfkit = require "spfkit"
local schema = require "spec.support.report_schema"

local DIR = "spec/fixtures/diagnose/"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local zone = assert(spfkit.zone_file(DIR .. "cases.zone"))

-- A Postfix bounce of Gmail's 550 5.7.26 for (domain, ip), as in the notices.
local function gmail_bounce(domain, ip, opts)
  opts = opts or {}
  local code = opts.code or "5.7.26"
  local text = opts.text or ("This mail is unauthenticated, which poses a security risk to the\n"
    .. "550-" .. code .. " sender and Gmail users, and has been blocked. The sender must\n"
    .. "550-" .. code .. " authenticate with at least one of SPF or DKIM. For this message,\n"
    .. "550-" .. code .. " DKIM checks did not pass and SPF check for [" .. domain .. "] did\n"
    .. "550-" .. code .. " not pass with ip: [" .. ip .. "]. The sender should visit\n"
    .. "550 " .. code .. " https://support.google.com/mail/answer/81126#authentication")
  return table.concat({
    "Return-Path: <>",
    "Date: Wed, 31 May 2023 10:12:03 +0900 (JST)",
    "From: MAILER-DAEMON@mail.hosting.example (Mail Delivery System)",
    "Subject: Undelivered Mail Returned to Sender",
    "To: info@" .. domain,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "This is the mail system at host mail.hosting.example.",
    "",
    "<user@gmail.com>: host gmail-smtp-in.l.google.com[142.250.157.26] said:",
    "550-" .. code .. " " .. text,
    "",
    "--- Below this line is a copy of the message.",
    "",
    "Return-Path: <info@" .. domain .. ">",
    "From: Info <info@" .. domain .. ">",
    "To: user@gmail.com",
    "Subject: test",
    "",
    "Hello",
  }, "\n")
end

-- Every report the spec makes goes through the schema and the language check.
local made = {}
local function diagnose(opts)
  opts.dns = opts.dns or zone
  local r = spfkit.diagnose(opts)
  made[#made + 1] = r
  local v, why = schema.check(r:json())
  assert(v, why)
  if r.lang ~= "ja" then
    -- the same diagnosis in Japanese, for the language check below
    local ja = {}
    for k, x in pairs(opts) do ja[k] = x end
    ja.lang = "ja"
    local rj = spfkit.diagnose(ja)
    assert.are.equal(r.case, rj.case)
    assert.are.equal(r.fix.value, rj.fix.value)
    assert.are.equal(#r.findings, #rj.findings)
    made[#made + 1] = rj
  end
  return r
end

local function codes(list)
  local out = {}
  for _, x in ipairs(list) do out[#out + 1] = x.code end
  return out
end

local function has_code(list, code)
  for _, x in ipairs(list) do if x.code == code then return x end end
  return nil
end

local function assert_code(list, code)
  assert(has_code(list, code), code .. " not in { " .. table.concat(codes(list), ", ") .. " }")
end

describe("spfkit.diagnose", function()
  describe("5.7.26 with an SPF domain and IP", function()
    it("merges the bounce's address into the one existing record (Zenlogic)", function()
      local r = diagnose{ bounce = read("spec/fixtures/bounces/postfix-notice-5.7.26.eml"), lang = "en" }
      assert.are.equal("spf-fail", r.case)
      assert.are.equal("problem", r.status)
      assert.are.equal("authfailure", r.reason)
      assert.are.equal("example.jp", r.domain)
      assert.are.equal("203.0.113.45", r.ip)
      assert.are.equal("user@gmail.com", r.bounce.recipient)
      local f = r.fix
      assert.are.equal("merge", f.action)
      assert.are.equal("TXT", f.type)
      assert.are.equal("@", f.name)
      assert.are.equal("example.jp.", f.fqdn)
      assert.are.equal("v=spf1 ip4:203.0.113.45 include:_spf.example.jp ~all", f.value)
      assert.are.equal('"v=spf1 ip4:203.0.113.45 include:_spf.example.jp ~all"', f.presentation)
      assert.are.equal("v=spf1 include:_spf.example.jp ~all", f.before)
      assert.are.equal(3600, f.ttl)
      assert.are.equal("pass", r.whatif.result)
      assert.are.equal("softfail", r.whatif.before)
      assert.are.equal("spf-not-authorized", r.findings[1].code)
      assert.are.equal("error", r.findings[1].severity)
      assert.are.same({ "step-open-dns", "step-edit-txt", "step-quotes-panel", "step-keep-other-txt", "step-wait",
                        "step-verify-dns", "step-verify-gmail" }, codes(r.steps))
      for i, s in ipairs(r.steps) do assert.are.equal(i, s.number) end
      -- the verification step names the headers a customer looks at
      assert.matches("Received-SPF", r.steps[7].text, 1, true)
      assert.matches("Authentication-Results", r.steps[7].text, 1, true)
      -- the wait is the current record's TTL
      assert.matches("1 hour (3600 seconds)", r.steps[5].text, 1, true)
    end)

    it("adds a record when there is none, from the bounce IP with ~all", function()
      local r = diagnose{ bounce = gmail_bounce("none.example.jp", "203.0.113.45") }
      assert.are.equal("spf-none", r.case)
      assert.are.equal("add", r.fix.action)
      assert.are.equal("v=spf1 ip4:203.0.113.45 ~all", r.fix.value)
      assert.is_nil(r.fix.before)
      assert.are.equal("pass", r.whatif.result)
      assert.are.equal("none", r.whatif.before)
      assert_code(r.findings, "spf-no-record")
      assert_code(r.steps, "step-add-txt")
      assert.is_nil(has_code(r.steps, "step-edit-txt"))
    end)

    it("adds ip6: for an IPv6 bounce address", function()
      local r = diagnose{ bounce = gmail_bounce("none.example.jp", "2001:db8::45") }
      assert.are.equal("v=spf1 ip6:2001:db8::45 ~all", r.fix.value)
      assert.are.equal("pass", r.whatif.result)
    end)

    it("uses the provider templates when the customer names them", function()
      local r = diagnose{ bounce = gmail_bounce("none.example.jp", "203.0.113.45"),
                          providers = { { id = "zenlogic" } } }
      assert.are.equal("v=spf1 ip4:203.0.113.45 ~all", r.fix.value)     -- {ip} filled from the bounce
      r = diagnose{ bounce = gmail_bounce("none.example.jp", "203.0.113.45"),
                    providers = { { id = "google-workspace" } } }
      -- Google's ranges do not hold the address Gmail saw: it is added too
      assert.are.equal("v=spf1 ip4:203.0.113.45 include:_spf.google.com ~all", r.fix.value)
      assert_code(r.findings, "diag-provider-no-ip")
      assert.are.equal("pass", r.whatif.result)
    end)

    it("reports an unusable provider and falls back to the address", function()
      local r = diagnose{ bounce = gmail_bounce("none.example.jp", "203.0.113.45"),
                          providers = { { id = "no-such-provider" } } }
      assert_code(r.findings, "diag-provider-unusable")
      assert.are.equal("v=spf1 ip4:203.0.113.45 ~all", r.fix.value)
    end)

    it("fixes a syntax error first, showing its position", function()
      local r = diagnose{ bounce = gmail_bounce("syntax.example.jp", "203.0.113.45") }
      assert.are.equal("spf-permerror", r.case)
      assert.are.equal("replace", r.fix.action)
      assert.are.equal("v=spf1 ip4:203.0.113.45 a ~all", r.fix.value)
      assert.are.equal("pass", r.whatif.result)
      local syn = has_code(r.findings, "syntax")
      assert(syn, table.concat(codes(r.findings), ","))
      assert.are.equal(8, syn.evidence.position)
      assert.are.equal("ip4:203.0.113.0/33", syn.evidence.term)
      assert.matches("character 8", syn.message, 1, true)
      assert.are.same({ "ip4:203.0.113.0/33" }, has_code(r.findings, "spf-terms-removed").evidence.terms)
      assert.are.equal(8, r.spf.problem_position)
    end)

    it("merges two SPF records into one", function()
      local r = diagnose{ bounce = gmail_bounce("multi.example.jp", "203.0.113.45") }
      assert.are.equal("replace", r.fix.action)
      assert.are.equal("v=spf1 ip4:203.0.113.45 a include:_spf.google.com -all", r.fix.value)
      assert_code(r.findings, "multiple-records")
      assert_code(r.steps, "step-replace-multiple")
      assert.are.equal(2, #r.spf.records)
      assert.are.equal("pass", r.whatif.result)
    end)

    it("proposes flattening over ten lookups", function()
      local r = diagnose{ bounce = gmail_bounce("many.example.jp", "203.0.113.45") }
      assert.are.equal("spf-too-many-lookups", r.case)
      assert.are.equal("replace", r.fix.action)
      assert_code(r.findings, "too-many-lookups")
      assert_code(r.findings, "spf-flatten")
      assert_code(r.steps, "step-flatten-maintain")
      assert.matches("^v=spf1 ip4:203%.0%.113%.45 ", r.fix.value)
      assert.matches("ip4:198.51.100.1 ", r.fix.value, 1, true)   -- just enough includes replaced
      local lr = spfkit.lint{ record = r.fix.value, domain = "many.example.jp", dns = zone }
      assert.is_true(lr.lookups <= 10)
      assert.are.equal("pass", r.whatif.result)
    end)

    it("says when the record passes now (fixed since, or propagating: TTL) and points at DKIM", function()
      local r = diagnose{ bounce = gmail_bounce("pass.example.jp", "203.0.113.45"), lang = "en" }
      assert.are.equal("spf-pass", r.case)
      assert.are.equal("ok", r.status)
      assert.are.equal("none", r.fix.action)
      assert.is_nil(r.whatif)
      local f = has_code(r.findings, "spf-pass-now")
      assert.matches("2 hours", f.message, 1, true)
      assert.matches("7200", f.message, 1, true)
      assert_code(r.findings, "spf-pass-check-dkim")
    end)

    it("does not propose a record the what-if check cannot prove", function()
      local r = diagnose{ bounce = gmail_bounce("deny.example.jp", "203.0.113.45") }
      assert.are.equal("none", r.fix.action)
      assert.is_nil(r.fix.value)
      assert.are.equal("problem", r.status)
      local f = has_code(r.findings, "spf-fix-not-verified")
      assert.are.equal("fail", f.evidence.result)
      assert.are_not.equal("pass", r.whatif.result)
    end)

    it("turns an SPF-type-only record into a TXT record", function()
      local r = diagnose{ bounce = gmail_bounce("spfrr.example.jp", "203.0.113.45") }
      assert.are.equal("add", r.fix.action)
      assert.are.equal("v=spf1 ip4:203.0.113.45 a -all", r.fix.value)
      assert_code(r.findings, "spf-rr-type-only")
      assert_code(r.steps, "step-delete-spf-type")
    end)

    it("reports temperror and NXDOMAIN without proposing anything", function()
      local slow = spfkit.zone{ ["slow.example.jp"] = { "TIMEOUT" } }
      local r = diagnose{ bounce = gmail_bounce("slow.example.jp", "203.0.113.45"), dns = slow }
      assert.are.equal("spf-temperror", r.case)
      assert.are.equal("none", r.fix.action)
      assert.are.equal("problem", r.status)
      r = diagnose{ bounce = gmail_bounce("gone.example.jp", "203.0.113.45") }
      assert.are.equal("domain-nxdomain", r.case)
      assert.are.equal("none", r.fix.action)
    end)

    it("keeps verification strings: one record per domain", function()
      local r = diagnose{ bounce = gmail_bounce("example.jp", "203.0.113.45") }
      assert.are.same({ "google-site-verification=c3Bma2l0LXNwZWMtZml4dHVyZQ" }, r.spf.other_txt)
      assert.is_nil(r.fix.value:find("google", 1, true))
      assert.matches("1 ", has_code(r.steps, "step-keep-other-txt").text, 1, true)
    end)
  end)

  describe("DMARC", function()
    it("explains alignment when the mailer's envelope domain is not the From domain", function()
      local r = diagnose{ bounce = read(DIR .. "dmarc-gmail.eml") }
      assert.are.equal("dmarc", r.case)
      assert.are.equal("news.example.jp", r.domain)
      assert.are.equal("none", r.fix.action)
      local d = r.dmarc
      assert.are.equal("_dmarc.example.jp", d.name)          -- inherited from the organizational domain
      assert.is_true(d.inherited)
      assert.are.equal("quarantine", d.p)
      assert.are.equal("reject", d.sp)
      assert.are.equal("reject", d.policy)
      assert.are.equal("s", d.adkim)
      assert.are.same({ "mailto:dmarc-reports@example.jp" }, d.rua)
      assert.is_false(d.spf_aligned)
      assert.is_false(d.dkim_aligned)
      assert_code(r.findings, "dmarc-spf-not-aligned")
      assert_code(r.findings, "dmarc-dkim-not-aligned")
      assert_code(r.findings, "dmarc-policy")
      assert_code(r.steps, "step-dkim-setup")
      for _, f in ipairs(r.findings) do
        -- DMARC explained, and DKIM judged (the other half of "SPF or DKIM")
        if f.code:find("^dmarc") == nil and f.code:find("^dkim") == nil then error("non-dmarc finding " .. f.code) end
      end
    end)

    it("fixes SPF when the envelope domain is aligned and the IP is known", function()
      local raw = read(DIR .. "dmarc-gmail.eml"):gsub("Return%-Path: <bounce%-4711@mailer%.example%.net>",
                                                      "Return-Path: <news@news.example.jp>")
      raw = raw:gsub("To: bounce%-4711@mailer%.example%.net", "To: news@news.example.jp")
      local r = diagnose{ bounce = raw, ip = "203.0.113.45" }
      assert.are.equal("dmarc", r.case)
      assert.is_true(r.dmarc.spf_aligned)
      assert.are.equal("merge", r.fix.action)
      assert.are.equal("v=spf1 ip4:203.0.113.45 include:_spf.example.jp -all", r.fix.value)
      assert.are.equal("pass", r.whatif.result)
      assert_code(r.findings, "dmarc-spf-aligned")
      -- without the IP: DKIM advice, no record
      r = diagnose{ bounce = raw }
      assert.are.equal("none", r.fix.action)
      assert_code(r.findings, "spf-no-ip")
    end)

    it("parses DMARC records and flags bad tags", function()
      local dmarc = require "spfkit.diagnose.dmarc"
      local rec, problems = dmarc.parse("v=DMARC1; p=Reject; pct=50; rua=mailto:a@x.jp, mailto:b@y.jp; aspf=s")
      assert.are.equal("reject", rec.p)
      assert.are.equal(50, rec.pct)
      assert.are.equal("s", rec.aspf)
      assert.are.equal("r", rec.adkim)
      assert.are.same({ "mailto:a@x.jp", "mailto:b@y.jp" }, rec.rua)
      assert.are.same({}, problems)
      rec, problems = dmarc.parse("v=DMARC1; p=block; pct=150")
      assert.is_nil(rec.p)
      assert.are.equal(2, #problems)        -- p value, pct
      assert.are.same({ tag = "p", value = "" }, select(2, dmarc.parse("v=DMARC1; rua=mailto:a@x.jp"))[1])
      local z = spfkit.zone{ ["_dmarc.bad.example.jp"] = { { TXT = "v=DMARC1; p=block" } },
                             ["bad.example.jp"] = { { TXT = "v=spf1 -all" } } }
      local r = diagnose{ domain = "bad.example.jp", ip = "203.0.113.45", dns = z }
      assert_code(r.findings, "dmarc-syntax")
    end)

    it("checks alignment with organizational domains", function()
      local aligned = require("spfkit.diagnose.dmarc").aligned
      assert.is_true(aligned("example.co.jp", "mail.example.co.jp", "r"))
      assert.is_false(aligned("example.co.jp", "mail.example.co.jp", "s"))
      assert.is_false(aligned("a.co.jp", "b.co.jp", "r"))
      assert.is_true(aligned("news.example.jp", "example.jp", "r"))
    end)
  end)

  describe("5.7.25 reverse DNS", function()
    local raw = read("spec/fixtures/bounces/postfix-ptr-5.7.25-ipv6.eml")
    local REV = "5.2.0.0." .. string.rep("0.", 16) .. "0.1.0.0.8.b.d.0.1.0.0.2.ip6.arpa"

    it("finds the missing PTR and says the IP owner must set it", function()
      local z = spfkit.zone{ ["example.org"] = { { MX = { 10, "mx2.example.org" } } },
                             ["mx2.example.org"] = { { AAAA = "2001:db8:10::25" } } }
      local r = diagnose{ bounce = raw, dns = z }
      assert.are.equal("ptr", r.case)
      assert.are.equal("problem", r.status)
      assert.are.equal("2001:db8:10::25", r.ip)
      assert_code(r.findings, "ptr-none")
      assert_code(r.findings, "ptr-owner")
      assert.are.equal("ip-owner", r.fix.owner)
      assert.are.equal("none", r.fix.action)
      assert.are.equal(REV .. ".", r.ptr.reverse_name)
      assert.are.equal("mx2.example.org", r.ptr.suggested)      -- its MX already points at the IP
      local ask = has_code(r.steps, "step-ptr-ask-provider")
      assert.matches("mx2.example.org.", ask.text, 1, true)
      assert.is_nil(has_code(r.steps, "step-ptr-forward"))
    end)

    it("finds a PTR name that does not resolve back", function()
      local z = spfkit.zone{ [REV] = { { PTR = "host-25.vps.example.net" } },
                             ["host-25.vps.example.net"] = { { AAAA = "2001:db8:10::99" } } }
      local r = diagnose{ bounce = raw, dns = z }
      assert_code(r.findings, "ptr-not-confirmed")
      assert.is_false(r.ptr.confirmed)
      assert_code(r.steps, "step-ptr-forward")
    end)

    it("says when reverse DNS is correct now", function()
      local z = spfkit.zone{ [REV] = { { PTR = "mx2.example.org" } },
                             ["mx2.example.org"] = { { AAAA = "2001:db8:10:0::25" } } }
      local r = diagnose{ bounce = raw, dns = z }
      assert_code(r.findings, "ptr-ok")
      assert.is_true(r.ptr.confirmed)
      assert.are.equal("ok", r.status)
    end)
  end)

  describe("forwarding and mailing lists", function()
    it("explains that a forwarded message cannot pass the original domain's SPF", function()
      local r = diagnose{ bounce = read(DIR .. "forwarded.eml") }
      assert.are.equal("forwarded", r.case)
      assert.are.equal("none", r.fix.action)
      assert.are.equal("forwarder", r.fix.owner)
      assert.are.equal("taro@example.jp", r.relay.via)
      assert.are.equal("taro@example.jp", r.bounce.original_recipient)
      assert.are.equal("fail", r.spf.result)
      assert_code(r.findings, "relay-forwarded")
      assert.are.same({ "step-forward-fetch", "step-forward-srs", "step-forward-dkim" }, codes(r.steps))
    end)

    it("points a list's bounce at the list domain's own record", function()
      local r = diagnose{ bounce = read(DIR .. "mailing-list.eml") }
      assert.are.equal("mailing-list", r.case)
      assert.are.equal("<staff.lists.example.jp>", r.relay.list)
      assert_code(r.findings, "relay-mailing-list")
      assert.are.equal("lists.example.jp.", r.fix.fqdn)
      assert.are.equal("v=spf1 ip4:203.0.113.90 ~all", r.fix.value)
      assert_code(r.steps, "step-list-dkim")
    end)
  end)

  describe("bounces DNS will not fix", function()
    it("says so for 4.7.28 rate limiting / reputation", function()
      local r = diagnose{ bounce = read("spec/fixtures/bounces/postfix-delayed-4.7.28.eml") }
      assert.are.equal("reputation", r.case)
      assert.are.equal("none", r.fix.action)
      assert_code(r.findings, "bounce-reputation")
      assert.matches("will not fix", r.summary, 1, true)
    end)

    it("says so for user unknown, with advice", function()
      local r = diagnose{ bounce = read("spec/fixtures/bounces/exim-rcpt-userunknown.eml") }
      assert.are.equal("not-auth", r.case)
      assert.are.equal("userunknown", r.reason)
      assert.are.equal("none", r.fix.action)
      assert_code(r.steps, "advice-userunknown")
      r = diagnose{ bounce = read("spec/fixtures/bounces/exim-rcpt-userunknown.eml"), lang = "ja" }
      assert.matches("DNS レコードの変更では解決しません", r.summary, 1, true)
    end)

    it("is not alarmed by an auto-reply", function()
      local r = diagnose{ bounce = read("spec/fixtures/bounces/autoreply-vacation-ja.eml") }
      assert.are.equal("ok", r.status)
      assert.are.equal("not-failure", r.case)
    end)
  end)

  describe("input", function()
    it("diagnoses a domain and IP without a bounce", function()
      local r = diagnose{ domain = "example.jp", ip = "203.0.113.45", lang = "ja" }
      assert.are.equal("merge", r.fix.action)
      assert.is_nil(r.bounce)
      r = diagnose{ domain = "pass.example.jp", ip = "203.0.113.45" }
      assert.are.equal("ok", r.status)
      assert.is_nil(r.summary:find("bounce", 1, true))      -- there was none
      assert.are.same({ "step-verify-gmail" }, codes(r.steps))
      r = diagnose{ domain = "none.example.jp" }
      assert.are.equal("spf-no-ip", r.case)
      assert.are.equal("none", r.fix.action)
    end)

    it("returns error reports for unusable input, never raising", function()
      local cases = {
        { bounce = "" }, { bounce = "\0\1\2\255\254garbage" },
        { bounce = "From: a@b.example\nTo: c@d.example\nSubject: hi\n\nnot a bounce\n" },
        { bounce = string.rep("X-Junk: " .. string.rep("a", 900) .. "\n", 3000) .. "\n" .. string.rep("\255", 5e5) },
        { domain = "not a domain", ip = "203.0.113.45" },
        { domain = "example.jp", ip = "203.0.113.999" },
        { bounce = gmail_bounce("example.jp", "203.0.113.45"), entry = 7 },
      }
      for i, opts in ipairs(cases) do
        local r = diagnose(opts)
        assert.are.equal("error", r.status, "case " .. i)
        assert.is_string(r.error.code)
        assert.is_string(r.error.message)
        assert.are.equal(r.error.message, r.summary)
      end
    end)

    it("raises on programmer errors", function()
      assert.has_error(function() spfkit.diagnose("x") end)
      assert.has_error(function() spfkit.diagnose{ bounce = "x", colour = "red" } end)
      assert.has_error(function() spfkit.diagnose{ bounce = "x", lang = "fr" } end)
      assert.has_error(function() spfkit.diagnose{ bounce = "x", providers = { "zenlogic" } } end)
      assert.has_error(function() spfkit.diagnose{} end)
    end)

    it("survives a DNS source that raises or returns junk", function()
      local bad = { query = function(_, name) if name:find("_dmarc") then return "junk" end error("boom") end }
      local r = diagnose{ bounce = gmail_bounce("example.jp", "203.0.113.45"), dns = bad }
      assert.are.equal("problem", r.status)
      assert.are.equal("spf-temperror", r.case)
    end)
  end)

  describe("renderers", function()
    local raw = read(DIR .. "markup.eml")

    it("escape markup from the bounce in HTML", function()
      local r = diagnose{ bounce = raw }
      local html = r:html()
      assert.matches("^<section", html)
      html = html:gsub("<script>(.-)</script>", function(js)
        assert.are.equal(require("spfkit.report.html").SCRIPT, js) return "" end)
      assert.is_nil(html:find("<script", 1, true))
      assert.is_nil(html:find("<img", 1, true))
      assert.is_nil(html:find("<iframe", 1, true))
      assert.matches("&lt;script&gt;", html, 1, true)
      assert.matches("&amp; more", html, 1, true)
      -- only our own tags remain
      for tag in html:gmatch("<(/?[%w]+)") do
        assert.is_truthy(({ section = 1, style = 1, h2 = 1, h3 = 1, p = 1, ul = 1, li = 1, code = 1, table = 1,
          tr = 1, th = 1, td = 1, strong = 1, ol = 1, details = 1, summary = 1, pre = 1, div = 1, span = 1,
          button = 1 })[tag:gsub("^/", "")], tag)
      end
      -- no external resources, no scripts
      assert.is_nil(html:find("<[^>]*src="))
      assert.is_nil(html:find("<[^>]*href="))
    end)

    it("keep JSON valid and free of raw markup", function()
      local r = diagnose{ bounce = raw }
      local json = r:json()
      assert.is_nil(json:find("<", 1, true))
      local v = assert(schema.check(json))
      assert.matches("<script>", v.bounce.diagnostic, 1, true)        -- the value survives, escaped
      assert.are.equal(r.fix.value, v.fix.value)
    end)

    it("give text for tostring, with the record to paste", function()
      local r = diagnose{ bounce = gmail_bounce("example.jp", "203.0.113.45"), lang = "ja" }
      assert.are.equal(r:text(), tostring(r))
      local t = tostring(r)
      assert.matches('"v=spf1 ip4:203.0.113.45 include:_spf.example.jp ~all"', t, 1, true)
      assert.matches("既存の SPF レコードを編集", t, 1, true)
      assert.is_nil(t:find("<script", 1, true))
    end)

    it("write valid UTF-8 JSON from invalid bytes", function()
      local report = require "spfkit.report"
      assert.are.equal('"a\\u003cb\\u003e\\u0026\\"\\n\239\191\189"', report.json_encode("a<b>&\"\n\255"))
      assert.are.equal("[]", report.json_encode(report.array()))
      assert.are.equal('{"a":[1,2],"b":{"c":true}}', report.json_encode({ b = { c = true }, a = { 1, 2 } }))
    end)
  end)

  it("writes Japanese reports without English prose", function()
    -- words allowed in Japanese output: product names, protocol names,
    -- header names and the short codes of results and DMARC tags
    local ALLOWED = {}
    for w in ([[SPF DKIM DMARC DNS TXT TTL PTR ARC SRS POP IP IPv IPv4 IPv6 Gmail Yahoo Google Postmaster Tools
      Received Authentication Results Return Path From spfkit check dig short NS NXDOMAIN SERVFAIL TIMEOUT Workspace
      pass fail softfail neutral none permerror temperror include all aspf adkim reject quarantine
      spf dmarc mailto selector domainkey AAAA CNAME MX Web VPS ptr exists redirect timeout ERROR]]):gmatch("%S+") do
      ALLOWED[w] = true
    end
    local n = 0
    for _, r in ipairs(made) do
      if r.lang == "ja" then
        n = n + 1
        local t = r:text()
        -- values come from DNS and the bounce: records, names, addresses, codes
        for _, v in pairs({ r.fix.value, r.fix.before, r.fix.zone_line, r.fix.host, r.spf and r.spf.record,
                            r.bounce and r.bounce.diagnostic, r.reason }) do
          t = t:gsub(v:gsub("%p", "%%%0"), "")
        end
        for _, e in ipairs(require("spfkit.providers.data")) do     -- product names
          t = t:gsub(e.name.ja:gsub("%p", "%%%0"), "")
        end
        t = t:gsub("%[[%w%-]+%]", "")                         -- finding codes
        t = t:gsub("[%w%.%-_]+@[%w%.%-]+", "")                -- addresses
        t = t:gsub("[%w%-_]+%.[%w%.%-_]+", "")                 -- domain names
        t = t:gsub("v=spf1[^」\"]*", "")
        t = t:gsub("%w+%-[%w%-]+", "")                         -- codes and ids: no-such-provider
        t = t:gsub("with ip: %[%.%.%.%]", "")                  -- Gmail's words, quoted to find them
        t = t:gsub("「[%w%p ]+」", "")                          -- values quoted in the message
        for word in t:gmatch("%a%a%a+") do
          assert(ALLOWED[word], "English in Japanese output: " .. word .. "\n" .. r:text())
        end
      end
    end
    assert.is_true(n >= 30)
  end)
end)
