-- Bounce texts as real MTAs rewrap them, pasted error texts, and the
-- generic reader on notices of no known MTA (issue 15, items 2 and 6).
local bounce = require "spfkit.bounce"

local GMAIL = {
  "550-5.7.26 Your email has been blocked because the sender is unauthenticated.",
  "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.",
  "550-5.7.26",
  "550-5.7.26  Authentication results:",
  "550-5.7.26  DKIM = did not pass",
  "550-5.7.26  SPF [news.example.co.jp] with ip: [2001:db8:5::25] = did not pass",
  "550-5.7.26",
  "550-5.7.26  For instructions on setting up authentication, go to",
  "550 5.7.26  https://support.google.com/mail/answer/81126#authentication x1si2.3 - gsmtp",
}

-- The same reply as different MTAs pass it on.
local WRAPS = {
  kept = function(l) return table.concat(l, "\n    ") end,
  stripped = function(l)
    local t = {}
    for i, x in ipairs(l) do t[i] = x:gsub("^%d%d%d[%- ]5%.7%.26%s*", "") end
    return "550 5.7.26 " .. table.concat(t, "\n    ", 2) .. " " .. t[1]
  end,
  glued = function(l) return table.concat(l, "") end,
  folded_anywhere = function(l)
    local s = table.concat(l, " ")
    local out = {}
    for i = 1, #s, 23 do out[#out + 1] = s:sub(i, i + 22) end
    return table.concat(out, "\n    ")
  end,
}

local function postfix_bounce(rcpt_blocks)
  return table.concat({
    "From: MAILER-DAEMON@mx.example.co.jp (Mail Delivery System)",
    "To: news@news.example.co.jp",
    "Subject: Undelivered Mail Returned to Sender",
    "Received: from mx.example.co.jp (mx.example.co.jp [192.0.2.25]) by relay.example.co.jp",
    "Content-Type: text/plain",
    "",
    "This is the mail system at host mx.example.co.jp.",
    "",
    rcpt_blocks,
    "",
    "--- Below this line is a copy of the message.",
    "",
    "Received: from app1.example.co.jp (app1.example.co.jp [198.51.100.7])",
    "\tby mx.example.co.jp (Postfix) with ESMTP id 4Tx",
    "From: news@news.example.co.jp",
    "To: a@gmail.com",
    "Subject: hello",
    "",
    "body",
  }, "\n")
end

describe("Gmail's 5.7.26 reply however it is wrapped", function()
  for name, wrap in pairs(WRAPS) do
    it("reads domain, IPv6 and results when the lines are " .. name, function()
      local raw = postfix_bounce("<a@gmail.com>: host gmail-smtp-in.l.google.com[2001:db8::1b] said:\n    "
        .. wrap(GMAIL) .. " (in reply to end of DATA command)")
      local list = assert(bounce.parse(raw))
      assert.are.equal(1, #list)
      local e = list[1]
      assert.are.equal("5.7.26", e.status)
      assert.are.equal(550, e.reply_code)
      assert.are.equal("news.example.co.jp", e.auth.domain)
      assert.are.equal("2001:db8:5::25", e.auth.ip)
      assert.are.equal("fail", e.auth.spf)
      assert.are.equal("fail", e.auth.dkim)
      assert.are.equal("gmail", e.receiver)
      if name ~= "folded_anywhere" then assert.is_nil(e.diagnostic:find("550-5.7.26", 1, true)) end
    end)
  end

  it("gives each recipient the code of its own reply", function()
    local raw = postfix_bounce(table.concat({
      "<a@gmail.com>: host gmail-smtp-in.l.google.com[192.0.2.1] said: " .. table.concat(GMAIL, " "),
      "    (in reply to end of DATA command)",
      "",
      "<b@example.net>: host mx.example.net[192.0.2.2] said: 552 5.2.2 <b@example.net>: mailbox full",
      "    (in reply to RCPT TO command)",
      "",
      "<c@example.org>: host mx.example.org[192.0.2.3] said: 450 4.7.1 try again later (in",
      "    reply to RCPT TO command)",
    }, "\n"))
    local list = assert(bounce.parse(raw))
    assert.are.equal(3, #list)
    local by = {}
    for _, e in ipairs(list) do by[e.recipient] = e end
    assert.are.same({ 550, "5.7.26" }, { by["a@gmail.com"].reply_code, by["a@gmail.com"].status })
    assert.are.same({ 552, "5.2.2" }, { by["b@example.net"].reply_code, by["b@example.net"].status })
    assert.are.same({ 450, "4.7.1", "delayed" },
      { by["c@example.org"].reply_code, by["c@example.org"].status, by["c@example.org"].action })
    assert.is_nil(by["b@example.net"].auth)
  end)

  it("keeps the mail system host and the Received: trail of both messages", function()
    local list = assert(bounce.parse(postfix_bounce("<a@gmail.com>: host x.google.com[192.0.2.1] said: "
      .. table.concat(GMAIL, " "))))
    local e = list[1]
    assert.are.equal("mx.example.co.jp", e.mail_system_host)
    assert.are.same({ host = "mx.example.co.jp", ip = "192.0.2.25", by = "relay.example.co.jp" }, e.received[1])
    assert.are.same({ host = "app1.example.co.jp", ip = "198.51.100.7", by = "mx.example.co.jp", original = true },
      e.received[2])
    assert.are.equal("string", type(e.reason))
  end)
end)

describe("pasted error text (no header block)", function()
  it("reads Gmail's paragraph as pasted in a support form", function()
    local list, err = bounce.parse(table.concat(GMAIL, "\n"))
    assert.is_nil(err)
    assert.are.equal(1, #list)
    assert.are.equal("5.7.26", list[1].status)
    assert.are.equal(550, list[1].reply_code)
    assert.are.equal("news.example.co.jp", list[1].auth.domain)
    assert.are.equal("gmail", list[1].receiver)
  end)

  it("reads a Yahoo 554 5.7.9 line", function()
    local list = assert(bounce.parse("554 5.7.9 Message not accepted for policy reasons.  See "
      .. "https://senderhelp.yahooinc.com/s/article/error-codes"))
    assert.are.same({ 554, "5.7.9", "yahoo" }, { list[1].reply_code, list[1].status, list[1].receiver })
  end)

  it("reads a Microsoft 550 5.7.515 line with its domain", function()
    local list = assert(bounce.parse("\239\187\191550 5.7.515 Access denied, sending domain shop.example.com "
      .. "doesn't meet the required authentication level. The sender's domain in the 5322.From address "
      .. "doesn't meet the authentication requirements defined for the sender.\r\n"))
    local e = list[1]
    assert.are.same({ 550, "5.7.515", "microsoft" }, { e.reply_code, e.status, e.receiver })
    assert.are.equal("shop.example.com", e.auth.domain)
  end)

  it("reads a pasted Postfix line with its recipient", function()
    local list = assert(bounce.parse("<u@example.net>: host mx.example.net[192.0.2.9] said: 550 5.1.1 "
      .. "<u@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)"))
    assert.are.same({ "u@example.net", 550, "5.1.1", "RCPT" },
      { list[1].recipient, list[1].reply_code, list[1].status, list[1].command })
  end)

  it("is still not mail when the text has no reply in it", function()
    local list, err = bounce.parse("hello, my mail does not arrive")
    assert.is_nil(list)
    assert.are.equal("not_mail", err.code)
    assert.are.equal("not_mail: input is not a mail message (no header block)", tostring(err))
  end)
end)

describe("line endings and byte order marks", function()
  local raw = postfix_bounce("<b@example.net>: host mx.example.net[192.0.2.2] said: 550 5.1.1 no such user"
    .. " (in reply to RCPT TO command)")
  for name, conv in pairs({
    lf = function(s) return s end,
    crlf = function(s) return (s:gsub("\n", "\r\n")) end,
    cr = function(s) return (s:gsub("\n", "\r")) end,
    bom = function(s) return "\239\187\191" .. s end,
    bom_crlf = function(s) return "\239\187\191" .. s:gsub("\n", "\r\n") end,
  }) do
    it("reads the same entry with " .. name, function()
      local list = assert(bounce.parse(conv(raw)))
      assert.are.same({ "b@example.net", "5.1.1", 550, "postfix" },
        { list[1].recipient, list[1].status, list[1].reply_code, list[1].mta })
    end)
  end
end)
