-- Formats and wordings read since the dev-set round: DSN groups without
-- blank lines, several feedback recipients, complaint reports without a
-- feedback part, Sendmail's own per-recipient lines, provider error codes
-- and per-receiver phrases, the notice's prose as the last word, commands
-- named beside a reply, and inputs that must stay cheap to reject.
local bounce = require "spfkit.bounce"
local mime = require "spfkit.mime"
local reason = require "spfkit.bounce.reason"

local function msg(lines)
  return table.concat(lines, "\n") .. "\n"
end

local function parse(lines)
  return assert(bounce.parse(msg(lines)))
end

local function by_rcpt(list)
  local t = {}
  for _, e in ipairs(list) do t[e.recipient] = e end
  return t
end

local function dsn_report(dsn_lines)
  local out = {
    "From: MAILER-DAEMON@mx.example.net",
    "To: sender@example.com",
    "Subject: Delivery failure",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain",
    "",
    "Your message could not be delivered.",
    "",
    "--b1",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.net",
    "",
  }
  for _, l in ipairs(dsn_lines) do out[#out + 1] = l end
  out[#out + 1] = ""
  out[#out + 1] = "--b1--"
  return out
end

describe("delivery-status groups", function()
  it("reads recipient groups written without a blank line between them", function()
    local list = parse(dsn_report({
      "Final-Recipient: rfc822; full@example.org",
      "Action: failed",
      "Status: 5.2.2",
      "Diagnostic-Code: smtp; 552 5.2.2 Over quota",
      "Original-Recipient: rfc822;nobody@example.org",
      "Final-Recipient: rfc822; nobody@example.org",
      "Action: failed",
      "Status: 5.1.1",
      "Diagnostic-Code: smtp; 550 5.1.1 No such mailbox",
    }))
    local t = by_rcpt(list)
    assert.are.equal(2, #list)
    assert.are.same({ "5.2.2", "mailboxfull" }, { t["full@example.org"].status, t["full@example.org"].reason })
    assert.are.same({ "5.1.1", "userunknown" }, { t["nobody@example.org"].status, t["nobody@example.org"].reason })
    assert.are.equal("nobody@example.org", t["nobody@example.org"].original_recipient or "nobody@example.org")
  end)
end)

describe("feedback reports", function()
  it("gives one entry per Original-Rcpt-To", function()
    local list = parse({
      "From: fbl@isp.example",
      "To: abuse@example.com",
      "Subject: Abuse report",
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=feedback-report; boundary="fb"',
      "",
      "--fb",
      "Content-Type: text/plain",
      "",
      "A complaint about a message from 192.0.2.7.",
      "--fb",
      "Content-Type: message/feedback-report",
      "",
      "Feedback-Type: abuse",
      "Version: 1",
      "Source-IP: 192.0.2.7",
      "Original-Rcpt-To: one@example.net",
      "Original-Rcpt-To: two@example.net",
      "Original-Rcpt-To: <three@example.org>",
      "",
      "--fb--",
    })
    local t = by_rcpt(list)
    assert.are.equal(3, #list)
    for _, a in ipairs({ "one@example.net", "two@example.net", "three@example.org" }) do
      assert.are.same({ "feedback", "hint", "192.0.2.7" }, { t[a].reason, t[a].reason_from, t[a].remote_ip })
    end
  end)

  it("reads a complaint report that has no feedback-report part", function()
    local list = parse({
      "From: <complaints@mail-provider.example>",
      "To: fbl@example.com",
      "Subject: complaint about message from 198.51.100.4",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="c"',
      "",
      "--c",
      "Content-Type: message/rfc822",
      "",
      "X-HmXmrOriginalRecipient: reader@example.net",
      "From: News <news@example.com>",
      "To: list@example.com",
      "Subject: Weekly",
      "",
      "Hello",
      "--c--",
    })
    assert.are.equal(1, #list)
    assert.are.same({ "reader@example.net", "feedback", "abuse", "198.51.100.4" },
      { list[1].recipient, list[1].reason, list[1].feedback_type, list[1].remote_ip })
  end)
end)

describe("Sendmail's own per-recipient lines", function()
  it("finds each recipient with the reply of its own session", function()
    local list = parse({
      "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.jp>",
      "To: taro@example.jp",
      "Subject: Returned mail: User unknown",
      "",
      "   ----- Transcript of session follows -----",
      "While talking to mx.example.com:",
      ">>> RCPT To:<ghost@example.com>",
      "<<< 550 5.1.1 Mailbox does not exist",
      "550 <ghost@example.com>... User unknown",
      "550 nowhere.example (smtp)... 550 Host unknown",
      "554 <someone@nowhere.example>... 550 Host unknown (Authoritative answer from name server)",
      "",
      "   ----- Unsent message follows -----",
      "Subject: hello",
    })
    local t = by_rcpt(list)
    assert.are.equal(2, #list)
    assert.are.same({ 550, "RCPT", "userunknown" },
      { t["ghost@example.com"].reply_code, t["ghost@example.com"].command, t["ghost@example.com"].reason })
    assert.are.same({ 550, "hostunknown" },
      { t["someone@nowhere.example"].reply_code, t["someone@nowhere.example"].reason })
  end)
end)

describe("provider data", function()
  it("decides from a provider's own error code before the status", function()
    local r, from = reason.classify({ status = "5.0.0", status_in_mail = "5.0.0",
      diagnostic = "552 5.0.0 Boite pleine / mailbox full ofr004_417 [417]" })
    assert.are.same({ "mailboxfull", "code:orange 417" }, { r, from })
    r, from = reason.classify({ status = "4.7.0", status_in_mail = "4.7.0",
      diagnostic = "421 4.7.0 Too many messages AUP#In-1420 see the help page" })
    assert.are.same({ "toomanyconn", "code:spectrum 1420" }, { r, from })
  end)

  it("reads a receiver's phrase by the receiver that said it", function()
    local e = assert(bounce.parse("550 <someone@ezweb.ne.jp>: User unknown\n"))[1]
    local r = reason.classify({ status = "5.0.0", diagnostic = e.diagnostic, receiver = "au" })
    assert.are.equal("userunknown", r)
    r = reason.classify({ status = "5.0.0", diagnostic = "550 : User unknown", receiver = "au" })
    assert.are.equal("filtered", r)
  end)
end)

describe("the notice's prose", function()
  it("decides the reason when no SMTP reply and no status word does", function()
    local list = parse({
      "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
      "To: poster@example.org",
      "Subject: Delivery Status Notification (Failure)",
      "X-Failed-Recipients: club@googlegroups.com",
      "",
      "Hallo poster@example.org,",
      "",
      "die Gruppe, die Sie kontaktieren wollten, existiert vielleicht nicht mehr.",
      "",
      "Hilfe finden Sie unter https://groups.google.com/support/.",
    })
    assert.are.equal(1, #list)
    assert.are.same({ "club@googlegroups.com", "rejected", "phrase:groups.google.com/support" },
      { list[1].recipient, list[1].reason, list[1].reason_from })
  end)
end)

describe("replies in free text", function()
  it("takes the SMTP command written beside the reply", function()
    local list = parse({
      "From: postmaster@gw.example.com",
      "To: sender@example.org",
      "Subject: Delivery failure",
      "",
      "Delivery to the following recipients failed permanently:",
      "",
      "   * missing@example.com",
      "",
      "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <missing@example.com>... No such user here",
    })
    assert.are.same({ "missing@example.com", "RCPT", 553, "userunknown" },
      { list[1].recipient, list[1].command, list[1].reply_code, list[1].reason })
  end)

  it("finds a reply quoted after '>>>' and inside brackets", function()
    local list = parse({
      "From: scanner@gw.example.com",
      "To: sender@example.org",
      "Subject: Mail could not be delivered",
      "",
      "Sent <<< RCPT TO:<a@example.com>",
      "Received >>> 550 5.1.1 <a@example.com>... user unknown",
    })
    assert.are.same({ "a@example.com", 550 }, { list[1].recipient, list[1].reply_code })
    list = parse({
      "From: scanner@gw.example.com",
      "To: sender@example.org",
      "Subject: Mail could not be delivered",
      "",
      "Recipient b@example.com: the server refused the message (DATA), with the following error message: "
        .. "[554 5.4.6 Hop count exceeded]",
    })
    assert.are.same({ "b@example.com", 554, "5.4.6" }, { list[1].recipient, list[1].reply_code, list[1].status })
  end)
end)

describe("inputs that must stay cheap", function()
  it("does not read binary data as a pasted error", function()
    local bytes = {}
    for i = 1, 4096 do bytes[i] = string.char((i * 7919) % 256) end
    local list, err = bounce.parse(table.concat(bytes))
    assert.is_nil(list)
    assert.are.equal("not_mail", err.code)
  end)

  it("finds the addresses of a line with long runs of address characters", function()
    local g = require "spfkit.bounce.readers.generic"
    local long = string.rep("x", 100000)
    local found = g.addresses(long .. " a@example.com " .. long .. "@" .. " b@example.net")
    assert.are.same({ "a@example.com", "b@example.net" }, { found[1], found[#found] })
  end)

  it("splits a multipart inside the returned message only when it is read", function()
    local top = mime.parse(msg({
      "Content-Type: multipart/report; boundary=\"o\"",
      "",
      "--o",
      "Content-Type: text/plain",
      "",
      "failed",
      "--o",
      "Content-Type: message/rfc822",
      "",
      "Content-Type: multipart/alternative; boundary=\"i\"",
      "",
      "--i",
      "Content-Type: text/plain",
      "",
      "plain",
      "--i",
      "Content-Type: text/html",
      "",
      "<p>html</p>",
      "--i--",
      "--o--",
    }))
    local inner = top.parts[2].message
    assert.is_nil(rawget(inner, "parts"))
    assert.are.equal(2, #inner.parts)
    assert.are.equal("text/html", inner.parts[2].ctype)
  end)
end)
