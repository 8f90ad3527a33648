-- `spfkit dkim DOMAIN` (issue 12) and `spfkit diagnose` with pasted text (issue 11): over injected zones;
-- injected zone; exit 0 with a usable key, 1 without, 2 for usage errors.
local cli = require "spfkit.cli"
local spfkit = require "spfkit"
local cjson = require "cjson"
local dk = require "spec.support.dkim"

local zone           -- keys made at test time (openssl): nothing private committed
local keys = dk.available() and dk.new()
if keys then
  local P = keys:genkey("rsa", 1024).p
  zone = spfkit.zone{
    ["google._domainkey.shop.example.jp"] = { { TXT = "v=DKIM1; k=rsa; p=" .. P } },
    ["default._domainkey.cut.example.jp"] = { { TXT = "v=DKIM1; k=rsa; p=" .. P:sub(1, 100) } },
    ["default._domainkey.moved.example.jp.example.jp"] = { { TXT = "v=DKIM1; k=rsa; p=" .. P } },
  }
  keys:cleanup()
end

local function buffer()
  local b = { parts = {} }
  function b.write(self, ...)
    for i = 1, select("#", ...) do self.parts[#self.parts + 1] = tostring((select(i, ...))) end
    return self
  end
  function b.text(self) return table.concat(self.parts) end
  return b
end

local function run(args)
  local out, err = buffer(), buffer()
  local code = cli.main(args, { stdout = out, stderr = err, getenv = function() return nil end,
                                isatty = function() return false end, dns = zone })
  return code, out:text(), err:text()
end

describe("spfkit dkim", function()
  before_each(function() if not zone then pending("openssl is missing") end end)

  it("finds a key among the common selectors and says its type and size", function()
    local code, out = run({ "dkim", "shop.example.jp" })
    assert.are.equal(0, code)
    assert.matches("google._domainkey.shop.example.jp  ok  rsa 1024", out, 1, true)
    assert.matches("dkim-key-short", out, 1, true)
    assert.matches("No DKIM key is published under these selectors: default", out, 1, true)
  end)

  it("checks one selector, and names a key cut when pasted", function()
    local code, out = run({ "dkim", "cut.example.jp", "--selector", "default", "--json" })
    assert.are.equal(1, code)
    local t = cjson.decode(out)
    assert.are.equal("default", t.tried[1])
    local codes = {}
    for _, f in ipairs(t.results[1].findings) do codes[f.code] = true end
    assert.truthy(codes["dkim-key-not-a-key"] or codes["dkim-key-bad-base64"])
  end)

  it("finds a key published at the doubled name", function()
    local code, out = run({ "dkim", "moved.example.jp", "--selector", "default" })
    assert.are.equal(1, code)
    assert.matches("dkim-doubled-name", out, 1, true)
    assert.matches("default._domainkey.moved.example.jp.example.jp", out, 1, true)
  end)

  it("shows where a provider's panel has the record, in Japanese too", function()
    local code, out = run({ "dkim", "shop.example.jp", "--provider", "mixhost", "--lang", "ja" })
    assert.are.equal(0, code)
    assert.matches("Email Deliverability", out, 1, true)
    assert.matches("確認したセレクター", out, 1, true)
  end)

  it("refuses a missing domain with 2", function()
    local code, out, err = run({ "dkim" })
    assert.are.equal(2, code)
    assert.are.equal("", out)
    assert.matches("^spfkit: ", err)
  end)
end)

-- Issue 11 item 7: whatever the customer has, on the command line.
describe("spfkit diagnose with what a customer pastes (#11)", function()
  local ezone = "examples/zones/example.jp.zone"
  local PASTE = table.concat({
    "550-5.7.26 This mail is unauthenticated, which poses a security risk to the",
    "550-5.7.26 sender and Gmail users, and has been blocked. The sender must",
    "550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,",
    "550-5.7.26 DKIM checks did not pass and SPF check for [example.jp] did",
    "550-5.7.26 not pass with ip: [164.0.1.2]. The sender should visit",
    "550 5.7.26 https://support.google.com/mail/answer/81126#authentication",
  }, "\r\n") .. "\r\n"

  local function run_stdin(args, stdin)
    local out, err = buffer(), buffer()
    local code = cli.main(args, { stdout = out, stderr = err, stdin = { read = function() return stdin end },
                                  getenv = function() return nil end, isatty = function() return false end })
    return code, out:text(), err:text()
  end

  it("reads the receiver's error text alone, with a BOM and CRLF", function()
    for _, text in ipairs({ PASTE, "\239\187\191" .. PASTE, (PASTE:gsub("\r\n", "\n")) }) do
      local code, out = run_stdin({ "diagnose", "-", "--zone", ezone, "--json" }, text)
      assert.are.equal(1, code)
      local t = cjson.decode(out)
      assert.are.equal("example.jp", t.domain)
      assert.are.equal("164.0.1.2", t.ip)
      assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", t.fix.value)
      assert.are.equal("gmail", t.receiver)
    end
  end)

  it("takes the IP from --ip when the pasted text has none", function()
    local text = "554 5.7.9 Message not accepted for policy reasons.  See https://senders.yahooinc.com/error-codes\n"
    local code, out = run_stdin({ "diagnose", "-", "--zone", ezone, "--domain", "example.jp", "--ip", "164.0.1.2",
                                  "--json" }, text)
    assert.are.equal(1, code)
    local t = cjson.decode(out)
    assert.are.equal("caller", t.ip_from)
    assert.are.equal("yahoo", t.receiver)
    assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", t.fix.value)
  end)
end)
