-- A bounce forwarded inline by the customer's mail client (the control
-- panel's usual input): Gmail, Outlook, Thunderbird (Japanese) and Apple
-- Mail blocks, quoted or not, read like the bounce itself, and notices
-- that only mention "From:" lines left alone. Our own fixtures.
local bounce = require "spfkit.bounce"
local forward = require "spfkit.bounce.forward"

-- a notice in no MTA's own format: the generic reader's, which takes the
-- addresses it finds (so a forwarded header block's would count)
local BOUNCE_TEXT = {
  "Your message could not be delivered to the following recipient:", "",
  "    wanda@example.org", "", "The remote server replied:",
  "550-5.7.26 This mail is unauthenticated, which poses a security risk to the",
  "550-5.7.26 sender and Gmail users, and has been blocked. The sender must",
  "550 5.7.26 authenticate with at least one of SPF or DKIM.",
}

local function forwarded(opening, block, quote)
  -- forwarded by a colleague, not by the sender the bounce went to
  local out = { "From: Tanaka <tanaka@example.co.jp>", "To: support@panel.example", "Subject: Fwd: help",
    "Content-Type: text/plain; charset=utf-8", "", "My mail to Wanda bounced, what do I do?", "" }
  for _, l in ipairs(opening) do out[#out + 1] = l end
  for _, l in ipairs(block) do out[#out + 1] = l end
  out[#out + 1] = ""
  for _, l in ipairs(BOUNCE_TEXT) do out[#out + 1] = (quote or "") .. l end
  return table.concat(out, "\n") .. "\n"
end

local function only_wanda(raw)
  local list = assert(bounce.parse(raw))
  assert.are.equal(1, #list)
  local e = list[1]
  assert.are.equal("wanda@example.org", e.recipient)
  assert.are.equal("5.7.26", e.status)
  assert.are.equal(550, e.reply_code)
  assert.are.equal("authfailure", e.reason)
  return e
end

describe("a bounce forwarded inline", function()
  it("is read from Gmail's forward block", function()
    only_wanda(forwarded({ "---------- Forwarded message ---------" }, {
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", "Date: Tue, 1 Dec 2026 10:00:00 +0900",
      "Subject: Undelivered Mail Returned to Sender", "To: <yui@example.jp>",
    }))
  end)

  it("is read from Outlook's block with Sent: and bold labels", function()
    only_wanda(forwarded({ "________________________________" }, {
      "*From:* Mail Delivery System <MAILER-DAEMON@mx.example.net>", "*Sent:* Tuesday, December 1, 2026 10:00",
      "*To:* yui@example.jp", "*Subject:* Undelivered Mail Returned to Sender",
    }))
  end)

  it("is read from Thunderbird's Japanese block", function()
    only_wanda(forwarded({ "-------- 転送メッセージ --------" }, {
      "件名: Undelivered Mail Returned to Sender", "日付: Tue, 1 Dec 2026 10:00:00 +0900",
      "差出人: MAILER-DAEMON@mx.example.net (Mail Delivery System)", "宛先: yui@example.jp",
    }))
  end)

  it("is read from Apple Mail's block with a quoted body", function()
    only_wanda(forwarded({ "Begin forwarded message:", "" }, {
      "> From: MAILER-DAEMON@mx.example.net", "> Subject: Undelivered Mail Returned to Sender",
      "> Date: 1 December 2026 10:00:00 JST", "> To: yui@example.jp",
    }, "> "))
  end)

  it("keeps the forwarder's and the original sender's addresses out", function()
    local raw = forwarded({ "---------- Forwarded message ---------" }, {
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", "Subject: Undelivered Mail Returned to Sender",
      "To: <yui@example.jp>", "Cc: boss@example.jp",
    })
    only_wanda(raw)
  end)
end)

describe("forward.unwrap", function()
  local WORDS = { from = bounce.BOUNCE_FROM, subject = bounce.BOUNCE_SUBJECT }

  it("leaves a text whose header block is not a bounce's", function()
    assert.is_nil(forward.unwrap(table.concat({ "Hi,", "", "From: Kenji <kenji@example.jp>",
      "Subject: lunch", "Date: today", "", "see you" }, "\n"), WORDS))
  end)

  it("needs a forward marker when only the subject looks like a bounce", function()
    local block = { "From: Kenji <kenji@example.jp>", "Subject: error in the report", "To: yui@example.jp", "", "x" }
    assert.is_nil(forward.unwrap(table.concat(block, "\n"), WORDS))
    table.insert(block, 1, "-----Original Message-----")
    assert.truthy(forward.unwrap(table.concat(block, "\n"), WORDS))
  end)

  it("rebuilds the forwarded message with English field names", function()
    local m = forward.unwrap(table.concat({ "差出人: postmaster@mx.example.net", "件名: 配信エラー",
      "宛先: yui@example.jp", "", "body" }, "\n"), WORDS)
    assert.are.equal("From: postmaster@mx.example.net\nTo: yui@example.jp\nSubject: 配信エラー\n\nbody", m)
  end)
end)
