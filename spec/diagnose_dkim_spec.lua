-- Issue 12 item 6: a mixhost-style customer — mail signed with DKIM by the
-- provider, DNS elsewhere — gets the DKIM finding and the record to publish,
-- whether the key is missing, truncated, at the doubled name, or not the
-- key that signed the returned message. Keys and signatures are made at
-- test time (openssl, dkimpy); nothing private is committed.
local spfkit = require "spfkit"
local schema = require "spec.support.report_schema"
local dk = require "spec.support.dkim"
local ddkim = require "spfkit.diagnose.dkim"

local ORIGINAL = table.concat({
  "From: Taro <taro@shop.example.jp>",
  "To: someone@gmail.com",
  "Subject: order 42",
  "Date: Wed, 02 Dec 2026 10:00:00 +0900",
  "Message-ID: <42@shop.example.jp>",
  "",
  "Thank you for your order.",
  "",
}, "\r\n")

-- A Postfix bounce of Gmail's 5.7.26 carrying the signed original's header.
local function bounce(signed_headers)
  return table.concat({
    "From: MAILER-DAEMON@sv1.mixhost.example (Mail Delivery System)",
    "Subject: Undelivered Mail Returned to Sender",
    "To: taro@shop.example.jp",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    "",
    "--B",
    "Content-Type: text/plain",
    "",
    "<someone@gmail.com>: host gmail-smtp-in.l.google.com[142.250.157.26] said:",
    "550-5.7.26 This mail is unauthenticated, which poses a security risk to the",
    "550-5.7.26 sender and Gmail users, and has been blocked. The sender must",
    "550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,",
    "550-5.7.26 DKIM checks did not pass and SPF check for [shop.example.jp] did",
    "550-5.7.26 not pass with ip: [203.0.113.5]. The sender should visit",
    "550 5.7.26 https://support.google.com/mail/answer/81126#authentication",
    "",
    "--B",
    "Content-Type: text/rfc822-headers",
    "",
    signed_headers,
    "--B--",
    "",
  }, "\n")
end

local function find(list, code)
  for _, x in ipairs(list) do if x.code == code then return x end end
end

describe("DKIM in the diagnosis (#12)", function()
  local ctx, key, other, headers
  setup(function()
    if not dk.available() then return end
    ctx = dk.new()
    key = ctx:genkey("rsa", 2048)
    other = ctx:genkey("rsa", 2048)
    local signed = ctx:sign{ { message = ORIGINAL, key = key, selector = "default", domain = "shop.example.jp",
                               canon = "relaxed/relaxed", headers = "from:to:subject:date:message-id" } }
    headers = signed[1]:gsub("\r\n", "\n"):match("^(.-\n)\n")
  end)
  teardown(function() if ctx then ctx:cleanup() end end)

  local function zone(extra)
    local z = {
      ["shop.example.jp"] = { { TXT = "v=spf1 a -all" }, { A = "192.0.2.10" } },
      ["_dmarc.shop.example.jp"] = { { TXT = "v=DMARC1; p=none" } },
    }
    for k, v in pairs(extra or {}) do z[k] = v end
    return spfkit.zone(z)
  end

  local function diagnose(dns, lang)
    local r = spfkit.diagnose{ bounce = bounce(headers), dns = dns, lang = lang,
                               providers = { { id = "mixhost" } } }
    assert(schema.check(r:json()))
    return r
  end

  it("finds the signature's header in the bounce", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local h = assert(ddkim.original_headers(bounce(headers)))
    assert.truthy(h:find("^DKIM%-Signature:") or h:find("\nDKIM%-Signature:"))
    assert.truthy(h:find("From: Taro", 1, true))
    assert.is_nil(h:find("Content-Type: text/rfc822-headers", 1, true))
  end)

  it("proposes the DKIM record when the key is missing", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local r = diagnose(zone())
    assert.truthy(find(r.findings, "dkim-verify-no-key"))
    assert.are.equal("default", r.dkim.signatures[1].s)
    local fix = r.dkim.fix
    assert.are.equal("default._domainkey.shop", fix.name)
    assert.are.equal("example.jp", fix.zone)
    assert.are.equal("panel", fix.value_from)
    local step = assert(find(r.steps, "step-dkim-publish-panel"))
    assert.truthy(step.text:find("Email Deliverability", 1, true))
    assert.truthy(r:render("ja"):text():find("default._domainkey", 1, true))
    assert.truthy(r:html():find("default._domainkey", 1, true))
  end)

  it("passes the header signature with the published key, and says the body could not be checked", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local r = diagnose(zone{ ["default._domainkey.shop.example.jp"] = { { TXT = key.record } } })
    local sig = r.dkim.signatures[1]
    assert.are.equal("headers-only", sig.reason)
    assert.is_nil(r.dkim.fix)
    assert.is_nil(find(r.steps, "step-dkim-publish-panel"))
  end)

  it("says the published key is not the key that signed", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local r = diagnose(zone{ ["default._domainkey.shop.example.jp"] = { { TXT = other.record } } })
    assert.truthy(find(r.findings, "dkim-verify-key-mismatch"))
    assert.are.equal("key-mismatch", r.dkim.signatures[1].reason)
  end)

  it("names a key cut short when pasted", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local cut = key.record:sub(1, #key.record - 60)
    local r = diagnose(zone{ ["default._domainkey.shop.example.jp"] = { { TXT = cut } } })
    local f = find(r.findings, "dkim-key-not-a-key") or find(r.findings, "dkim-key-bad-base64")
    assert.truthy(f, "a finding for the cut key")
  end)

  it("finds the key at the doubled name", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local r = diagnose(zone{ ["default._domainkey.shop.example.jp.example.jp"] = { { TXT = key.record } } })
    assert.truthy(find(r.findings, "dkim-doubled-name"))
  end)

  it("gives the exact record when the caller passes the key", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local r = spfkit.diagnose{ bounce = bounce(headers), dns = zone(), providers = { { id = "mixhost" } },
                               dkim_value = key.record }
    assert.are.equal(key.record, r.dkim.fix.value)
    assert.truthy(#r.dkim.fix.strings >= 2)                 -- a 2048-bit key needs two strings
    assert.truthy(find(r.steps, "step-dkim-publish"))
    assert.truthy(r:html():find('class="spfkit-copy', 1, true))
  end)

  it("tells a Zenlogic customer that SPF is the way", function()
    if not headers then pending("openssl/python3-dkim missing") return end
    local r = spfkit.diagnose{ bounce = bounce(headers), dns = zone(), providers = { { id = "zenlogic" } } }
    assert.truthy(find(r.findings, "dkim-provider-does-not-sign"))
    assert.is_nil(r.dkim.fix)
  end)
end)
