-- Issue 11: the customers' real mistakes, as the notices warn of them, each
-- over a zone that reproduces it; the provider inferred from the bounce;
-- the record's zone and host; quoting advice; the receiver that refused.
local spfkit = require "spfkit"
local schema = require "spec.support.report_schema"
local evidence = require "spfkit.diagnose.evidence"
local pitfalls = require "spfkit.diagnose.pitfalls"
local bounces = require "spec.support.bounces"

-- A Postfix bounce of Gmail's 5.7.26 written by `host` for (domain, ip).
local function bounce(domain, ip, host)
  return bounces.gmail(domain, ip, { host = host, rcpt = "someone" })
end

local zone = spfkit.zone{
  -- the Willnet include, with its servers
  ["spf01.willnet.ad.jp"] = { { TXT = "v=spf1 ip4:198.51.100.0/24 -all" } },
  -- value typed without quotes: five strings
  ["unquoted.example.jp"] = { { TXT = { "v=spf1", "a", "mx", "include:spf01.willnet.ad.jp", "~all" } },
                              { A = "192.0.2.10" }, { MX = { 10, "unquoted.example.jp" } } },
  -- name typed without its trailing dot
  ["kaisha.co.jp.kaisha.co.jp"] = { { TXT = "v=spf1 a mx include:spf01.willnet.ad.jp ~all" } },
  ["kaisha.co.jp"] = { { A = "192.0.2.20" }, { MX = { 10, "kaisha.co.jp" } } },
  ["mail.shoten.jp.shoten.jp"] = { { TXT = "v=spf1 ip4:192.0.2.30 ~all" } },
  ["mail.shoten.jp"] = { { A = "192.0.2.31" } },
  -- SPF appended to a site verification value
  ["verified.example.net"] = { { TXT = { "google-site-verification=abc123", "v=spf1 ip4:164.0.1.2 ~all" } } },
  -- include typo
  ["typo.example.jp"] = { { TXT = "v=spf1 a mx include:spf01.wilnet.ad.jp ~all" }, { A = "192.0.2.40" } },
  -- a Sakura customer without SPF; the server name points at the sending IP
  ["hanaya.example"] = { { A = "192.0.2.50" } },
  ["www1234.sakura.ne.jp"] = { { A = "203.0.113.77" } },
  -- a subdomain sender
  ["news.example.org"] = { { A = "192.0.2.60" } },
  ["example.org"] = { { TXT = "v=spf1 -all" } },
}

local function diagnose(opts)
  opts.dns = opts.dns or zone
  local r = spfkit.diagnose(opts)
  assert(schema.check(r:json()))
  assert.are_not.equal("error", r.status)
  return r
end

local function find(list, code)
  for _, x in ipairs(list) do if x.code == code then return x end end
end

describe("the notices' pitfalls (#11)", function()
  it("repairs a value entered without quotes into the customer's own record", function()
    local r = diagnose{ bounce = bounce("unquoted.example.jp", "198.51.100.9", "mail.unquoted.example.jp") }
    local f = assert(find(r.findings, "txt-unquoted"))
    assert.are.equal("v=spf1amxinclude:spf01.willnet.ad.jp~all", f.params.record)
    assert.is_nil(find(r.findings, "version-typo"))
    assert.are.equal("replace", r.fix.action)
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp ~all", r.fix.value)
    assert.are.equal("v=spf1amxinclude:spf01.willnet.ad.jp~all", r.fix.before)
    assert.are.equal("pass", r.whatif.result)
    assert.truthy(r:render("ja").summary ~= "")
  end)

  it("finds the record published at the doubled name and moves it", function()
    local r = diagnose{ bounce = bounce("kaisha.co.jp", "198.51.100.9", "mail.kaisha.co.jp"), lang = "ja" }
    local f = assert(find(r.findings, "txt-doubled-name"))
    assert.are.equal("kaisha.co.jp.kaisha.co.jp", f.params.wrong)
    assert.are.equal("add", r.fix.action)
    assert.are.equal("@", r.fix.name)
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp ~all", r.fix.value)
    local del = assert(find(r.steps, "step-delete-doubled"))
    assert.truthy(del.text:find("kaisha.co.jp.kaisha.co.jp", 1, true))
  end)

  it("finds a subdomain's record doubled under its zone", function()
    local r = diagnose{ domain = "mail.shoten.jp", ip = "192.0.2.30" }
    assert.are.equal("mail.shoten.jp.shoten.jp", find(r.findings, "txt-doubled-name").params.wrong)
    assert.are.equal("mail", r.fix.host)
    assert.are.equal("shoten.jp", r.fix.zone)
    assert.are.equal("v=spf1 ip4:192.0.2.30 ~all", r.fix.value)
  end)

  it("asks no extra question when the domain already has a valid record", function()
    local asked = {}
    local counting = { query = function(_, n, q) asked[#asked + 1] = n return zone:query(n, q) end }
    diagnose{ domain = "example.org", ip = "192.0.2.99", dns = counting }
    for _, n in ipairs(asked) do assert.is_nil(n:find("example.org.example.org", 1, true)) end
  end)

  it("finds a DMARC record at the doubled name", function()
    local z = spfkit.zone{
      ["shop.co.jp"] = { { TXT = "v=spf1 ip4:192.0.2.9 -all" } },
      ["_dmarc.shop.co.jp.shop.co.jp"] = { { TXT = "v=DMARC1; p=quarantine" } },
    }
    local raw = bounce("shop.co.jp", "192.0.2.9", "mail.shop.co.jp"):gsub(
      "SPF or DKIM%. For this message,\n550%-5%.7%.26 DKIM checks did not pass and SPF check for %[shop.co.jp%] did\n"
      .. "550%-5%.7%.26 not pass with ip: %[192.0.2.9%]%.", "SPF or DKIM.")
    raw = raw:gsub("This mail is unauthenticated", "Unauthenticated email from shop.co.jp is not accepted due to "
      .. "domain's DMARC policy")
    local r = diagnose{ bounce = raw, dns = z }
    local f = assert(find(r.findings, "txt-doubled-name"))
    assert.are.equal("_dmarc.shop.co.jp.shop.co.jp", f.params.wrong)
    assert.are.equal("_dmarc.shop.co.jp", f.params.right)
    assert.truthy(find(r.steps, "step-move-doubled"))
  end)

  it("splits an SPF value out of another TXT record", function()
    local r = diagnose{ domain = "verified.example.net", ip = "164.0.1.2" }
    local f = assert(find(r.findings, "txt-spf-inside-other"))
    assert.are.equal("google-site-verification=abc123", f.params.other)
    assert.are.equal("add", r.fix.action)
    assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", r.fix.value)
    assert.truthy(find(r.steps, "step-split-record"))
  end)

  it("corrects an include typo of a provider's include, verified", function()
    local r = diagnose{ domain = "typo.example.jp", ip = "198.51.100.9" }
    local f = assert(find(r.findings, "include-typo"))
    assert.are.equal("spf01.willnet.ad.jp", f.params.suggestion)
    assert.are.equal("v=spf1 a mx include:spf01.willnet.ad.jp ~all", r.fix.value)
    assert.are.equal("pass", r.whatif.result)
  end)

  it("measures edit distance", function()
    assert.are.equal(1, pitfalls.distance("spf01.wilnet.ad.jp", "spf01.willnet.ad.jp", 2))
    assert.are.equal(1, pitfalls.distance("_spf.gooogle.com", "_spf.google.com", 2))
    assert.are.equal(3, pitfalls.distance("abc", "xyz123", 2))
  end)
end)

describe("the provider behind the bounce (#11)", function()
  it("uses Sakura's own record for a bounce written by a Sakura server", function()
    local r = diagnose{ bounce = bounce("hanaya.example", "203.0.113.77", "www1234.sakura.ne.jp") }
    assert.are.equal("sakura", r.provider.id)
    assert.are.equal("www1234.sakura.ne.jp", r.provider.host)
    assert.are.equal("v=spf1 a:www1234.sakura.ne.jp mx ~all", r.fix.value)
    assert.truthy(find(r.findings, "provider-inferred"))
    -- Sakura's panel takes the value with its quotes (its notice shows them)
    assert.truthy(find(r.steps, "step-quotes-typed"))
  end)

  it("lets the caller's providers win", function()
    local r = diagnose{ bounce = bounce("hanaya.example", "203.0.113.77", "www1234.sakura.ne.jp"),
                        providers = { { id = "google-workspace" } } }
    assert.are.equal("caller", r.provider.from)
    assert.truthy(r.fix.value:find("include:_spf.google.com", 1, true))
  end)

  it("names the provider from the IP's reverse DNS when the bounce hides the server", function()
    local z = spfkit.zone{
      ["hanaya.example"] = { { A = "192.0.2.50" } },
      ["www77.sakura.ne.jp"] = { { A = "203.0.113.78" } },
      ["78.113.0.203.in-addr.arpa"] = { { PTR = "www77.sakura.ne.jp" } },
    }
    local r = diagnose{ bounce = bounce("hanaya.example", "203.0.113.78", "relay.example.com"), dns = z }
    assert.are.equal("sakura", r.provider.id)
    assert.are.equal("ptr", r.provider.from)
    assert.are.equal("v=spf1 a:www77.sakura.ne.jp mx ~all", r.fix.value)
  end)

  it("advises on quotes for any other panel", function()
    local r = diagnose{ domain = "example.org", ip = "192.0.2.99" }
    local s = assert(find(r.steps, "step-quotes-panel"))
    assert.truthy(s.text:find(r.fix.value, 1, true))
    assert.truthy(s.text:find(r.fix.zone_line, 1, true))
  end)
end)

describe("the record's name and the receiver (#11)", function()
  it("tells a subdomain sender which zone's panel to open and which host to use", function()
    local r = diagnose{ domain = "news.example.org", ip = "192.0.2.61", lang = "ja" }
    assert.are.equal("news", r.fix.host)
    assert.are.equal("example.org", r.fix.zone)
    assert.are.equal("news.example.org.", r.fix.fqdn)
    assert.truthy(find(r.steps, "step-open-dns-zone"))
    assert.truthy(find(r.steps, "step-add-txt").text:find("「news」", 1, true))
  end)

  it("diagnoses a Yahoo refusal without an IP from the reporting server's address", function()
    local raw = table.concat({
      "From: MAILER-DAEMON@mail.hanaya.example (Mail Delivery System)",
      "Subject: Undelivered Mail Returned to Sender",
      "To: info@hanaya.example",
      "Content-Type: text/plain",
      "",
      "This is the mail system at host mail.hanaya.example.",
      "",
      "<someone@yahoo.co.jp>: host mta7.am0.yahoodns.net[98.136.96.74] said: 554",
      "    5.7.9 Message not accepted for policy reasons.  See",
      "    https://senders.yahooinc.com/error-codes (in reply to end of DATA command)",
      "",
      "--- Below this line is a copy of the message.",
      "",
      "Return-Path: <info@hanaya.example>",
      "From: <info@hanaya.example>",
      "Subject: hi",
      "",
      "hi",
    }, "\n")
    local z = spfkit.zone{ ["hanaya.example"] = { { TXT = "v=spf1 a -all" }, { A = "192.0.2.50" } },
                           ["mail.hanaya.example"] = { { A = "203.0.113.90" } } }
    local r = diagnose{ bounce = raw, dns = z }
    assert.are.equal("yahoo", r.receiver)
    assert.are.equal("203.0.113.90", r.ip)
    assert.are.equal("reporting-mta", r.ip_from)
    assert.truthy(find(r.findings, "ip-from-reporting-mta"))
    assert.are.equal("v=spf1 ip4:203.0.113.90 a -all", r.fix.value)
    assert.truthy(find(r.steps, "step-verify-yahoo"))
    assert.is_nil(find(r.steps, "step-verify-gmail"))
  end)

  it("recognises who refused", function()
    assert.are.equal("gmail", evidence.receiver_of{ remote_mta = "gmail-smtp-in.l.google.com" })
    assert.are.equal("yahoo", evidence.receiver_of{ remote_mta = "mta7.am0.yahoodns.net",
                                                     diagnostic = "554 5.7.9 Message not accepted for policy reasons" })
    assert.are.equal("microsoft", evidence.receiver_of{ diagnostic = "550 5.7.515 Access denied, sending domain "
      .. "example.jp doesn't meet the required authentication level. ... protection.outlook.com" })
    assert.is_nil(evidence.receiver_of{ remote_mta = "mx.example.net", diagnostic = "550 5.1.1 unknown user" })
  end)
end)
