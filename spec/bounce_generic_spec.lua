-- The generic reader: notices of no known MTA, in other languages and
-- charsets, and 4xx delay notices whose reply is only in a transcript.
local bounce = require "spfkit.bounce"

local FIX = "spec/fixtures/bounces/"

local function parse_fixture(name)
  local f = assert(io.open(FIX .. name, "rb"))
  local raw = f:read("*a")
  f:close()
  return assert(bounce.parse(raw)), raw
end

local CASES = {
  { "generic-de-empfaenger.eml", "kunde@example.de", "5.1.1", 550, "failed" },
  { "generic-ja-atesaki-iso2022jp.eml", "taro@example.jp", "5.2.2", 552, "failed" },
  { "generic-fr-destinataire-delay.eml", "client@example.fr", "4.2.2", 452, "delayed" },
  { "generic-remote-host-said.eml", "dest@example.org", "5.7.1", 554, "failed" },
  { "generic-transcript-4xx-delay.eml", "later@example.org", "4.7.1", 451, "delayed" },
  { "sendmail-warning-transcript-4xx.eml", "slow@example.org", "4.2.0", 450, "delayed" },
}

describe("bounces of no known format", function()
  for _, c in ipairs(CASES) do
    it("reads " .. c[1], function()
      local list = parse_fixture(c[1])
      assert.are.equal(1, #list)
      local e = list[1]
      assert.are.same({ c[2], c[3], c[4], c[5] }, { e.recipient, e.status, e.reply_code, e.action })
      assert.are.equal("string", type(e.reason))
      assert.truthy(e.diagnostic:find(tostring(c[4]), 1, true))
    end)
  end

  it("keeps the whole reply quoted over several transcript lines", function()
    local e = parse_fixture("generic-transcript-4xx-delay.eml")[1]
    assert.are.equal("451 4.7.1 Greylisted, please try again in 300 seconds", e.diagnostic)
  end)

  it("does not take the sender or the returned message's addresses for recipients", function()
    local list = parse_fixture("generic-de-empfaenger.eml")
    assert.are.equal(1, #list)
    assert.are.equal("versand@shop.example.com", list[1].sender)
    assert.are.equal("Ihre Bestellung", list[1].original.subject)
  end)

  it("takes the returned message's To: when the notice names nobody", function()
    local list = assert(bounce.parse(table.concat({
      "From: MMSC Administrator <sysadmin@mms.example.net>",
      "Subject: Undeliverable Message",
      "",
      "Message could not be delivered to mobile.",
      "Error: No valid recipients for this MM",
      "",
      "Original Message:",
      "From: someone <me@example.jp>",
      "To: 0000000000@mms.example.net",
      "Subject: hi",
    }, "\n")))
    assert.are.equal(1, #list)
    assert.are.equal("0000000000@mms.example.net", list[1].recipient)
    assert.are.equal("failed", list[1].action)
  end)

  it("does not read an ordinary message as a bounce", function()
    local list = assert(bounce.parse("From: a@example.org\nTo: b@example.net\nSubject: lunch\n\n"
      .. "Shall we meet at 12? Write to c@example.com too.\n"))
    assert.are.same({}, list)
  end)
end)

describe("receiver and reason_from", function()
  it("names the refusing provider from the remote MTA or its words", function()
    local receiver = require "spfkit.bounce.receiver"
    assert.are.equal("gmail", receiver.infer("gmail-smtp-in.l.google.com", nil, nil))
    assert.are.equal("yahoo", receiver.infer("mta7.am0.yahoodns.net", nil, nil))
    assert.are.equal("microsoft", receiver.infer("example-com.mail.protection.outlook.com", nil, nil))
    assert.are.equal("microsoft", receiver.infer(nil, "550 5.7.515 access denied", "5.7.515"))
    assert.are.equal("gmail", receiver.infer(nil, "550 5.7.1 blocked - gsmtp", "5.7.1"))
    assert.is_nil(receiver.infer("mx.notgoogle.com", "550 5.1.1 unknown", "5.1.1"))
  end)
end)

describe("bounce.parse never raises", function()
  it("returns a list or an error for truncated and damaged fixtures", function()
    local names = {}
    for _, c in ipairs(CASES) do names[#names + 1] = c[1] end
    names[#names + 1] = "postfix-notice-5.7.26.eml"
    for _, name in ipairs(names) do
      local f = assert(io.open(FIX .. name, "rb"))
      local raw = f:read("*a")
      f:close()
      for cut = 1, #raw, 97 do
        for _, s in ipairs({ raw:sub(1, cut), raw:sub(cut), raw:sub(1, cut) .. "\0\255" .. raw:sub(cut + 3) }) do
          local list, err = bounce.parse(s)
          assert.is_true(type(list) == "table" or (list == nil and type(err) == "table"))
          if err then assert.are_not.equal("internal", err.code, name .. " @" .. cut .. ": " .. tostring(err)) end
        end
      end
    end
  end)
end)
