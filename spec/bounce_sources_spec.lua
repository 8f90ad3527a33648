-- Where a reason comes from when the reply alone does not say it: a Lotus
-- Notes failure section, a provider's verdict in the notice's header, the
-- bounce returned inside a gateway's notice, Sendmail's own per-recipient
-- words, the notice's author, a reply quoted after a summary status, and
-- the difference between a receiver's unclassified words (onhold) and
-- none at all (undefined). Our own fixtures, other hosts and wordings than
-- the shared corpora.
local bounce = require "spfkit.bounce"
local reason = require "spfkit.bounce.reason"

local function parse(lines)
  return assert(bounce.parse(table.concat(lines, "\n") .. "\n"))
end

local function only(list)
  assert.are.equal(1, #list)
  return list[1]
end

describe("a Lotus Notes failure section", function()
  local function notes(words, rcpts)
    local out = {
      "From: postmaster@gw.example.org", "To: alice@example.com", "Subject: Undeliverable message",
      "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii", "",
      "------- Failure Reasons  --------", "",
    }
    for _, w in ipairs(words) do out[#out + 1] = w end
    for _, r in ipairs(rcpts) do out[#out + 1] = r end
    for _, l in ipairs({ "", "------- Returned Message --------", "From: alice@example.com", "To: bob@example.org",
      "Subject: hello", "", "hello" }) do out[#out + 1] = l end
    return out
  end

  it("gives every address of the section the section's words", function()
    local list = parse(notes({ "User not listed in Domino Directory" }, { "bob@example.org", "carol@example.org" }))
    assert.are.equal(2, #list)
    for _, e in ipairs(list) do
      assert.are.equal("notes", e.mta)
      assert.are.equal("User not listed in Domino Directory", e.diagnostic)
      assert.are.equal("userunknown", e.reason)
    end
  end)

  it("keeps words it cannot classify as the receiver's (onhold, not undefined)", function()
    local e = only(parse(notes({ "Router: quarantined by site rule 12" }, { "bob@example.org" })))
    assert.are.equal("Router: quarantined by site rule 12", e.diagnostic)
    assert.are.equal("onhold", e.reason)
  end)
end)

describe("a provider's verdict in the notice's header", function()
  it("reads au's X-SPASIGN: NG as the recipient's own filter", function()
    local e = only(parse({
      "From: <Postmaster@ezweb.ne.jp>", "To: <shop@example.com>", "Subject: Mail System Error - Returned Mail",
      "X-SPASIGN: NG", "Content-Type: text/plain; charset=us-ascii", "",
      "<kenta-1999@ezweb.ne.jp>", "Each of the following recipients was rejected by a remote mail server.",
    }))
    assert.are.equal("kenta-1999@ezweb.ne.jp", e.recipient)
    assert.are.equal("filtered", e.reason)
    assert.are.equal("header:x-spasign", e.reason_from)
  end)

  it("decides nothing when the header says OK", function()
    assert.is_nil(reason.header_verdict({ ["x-spasign"] = "OK" }))
    assert.are.equal("filtered", (reason.header_verdict({ ["x-spasign"] = " NG" })))
  end)
end)

describe("a bounce returned inside a gateway's notice", function()
  local function gateway(inner_reply)
    return {
      "From: gateway@relay.example.net", "To: dave@example.com", "Subject: Mail could not be delivered",
      "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="gw"', "",
      "--gw", "Content-Type: text/plain", "",
      "The following mail could not be delivered.",
      "Reason: Unable to deliver message to <erin@example.biz>.",
      "--gw", "Content-Type: message/rfc822", "",
      "From: MAILER-DAEMON@mx.example.biz", "To: dave@example.com", "Subject: Returned mail: see transcript",
      "Content-Type: text/plain", "",
      "   ----- The following addresses had permanent fatal errors -----", "<erin@example.biz>", "",
      "   ----- Transcript of session follows -----", "... while talking to mx.example.biz.:",
      ">>> RCPT To:<erin@example.biz>", "<<< " .. inner_reply, "",
      "--gw--",
    }
  end

  it("takes the returned bounce's reply for the same recipient", function()
    local e = only(parse(gateway("552 5.2.2 <erin@example.biz>... Mailbox over quota")))
    assert.are.equal("erin@example.biz", e.recipient)
    assert.are.equal(552, e.reply_code)
    assert.are.equal("5.2.2", e.status)
    assert.are.equal("mailboxfull", e.reason)
    assert.are.equal("RCPT", e.command)
  end)
end)

describe("Sendmail's own words for a recipient", function()
  it("reads '<rcpt>... Deferred: Connection refused by' under a queue timeout as a refusal", function()
    local e = only(parse({
      "From: Mail Delivery Subsystem <MAILER-DAEMON@out.example.com>", "To: frank@example.com",
      "Subject: Returned mail: see transcript for details", "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="s1"', "",
      "--s1", "", "   ----- The following addresses had permanent fatal errors -----", "<gina@example.info>", "",
      "   ----- Transcript of the session follows -----",
      "<gina@example.info>... Deferred: Connection refused by mx2.example.info.",
      "Message could not be delivered for 5 days", "",
      "--s1", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; out.example.com", "",
      "Final-Recipient: RFC822; gina@example.info", "Action: failed", "Status: 4.4.7", "", "--s1--",
    }))
    assert.are.equal("Deferred: Connection refused by mx2.example.info.", e.diagnostic)
    assert.are.equal("blocked", e.reason)
  end)
end)

describe("a line that heads with 'name <addr>:'", function()
  it("takes the bracketed address as the recipient, not the display name", function()
    local e = only(parse({
      "From: Mail Delivery System <mailer-daemon@smtp.example.com>", "To: hank@example.com",
      "Subject: Mail failure - malformed recipient address", "", "One or more recipient addresses were wrong:",
      "  ivy@example.com <judy@example.net>: malformed address: <judy@example.net> may not follow ivy@example.com",
      "This address has been ignored.",
    }))
    assert.are.equal("judy@example.net", e.recipient)
    assert.are.equal("syntaxerror", e.reason)
  end)
end)

describe("the notice's author", function()
  it("lets the provider that wrote the notice decide with its own words", function()
    local e = only(parse({
      "From: mailer-daemon@mail.zoho.com", "To: kim@example.com", "Subject: Undelivered Mail Returned to Sender",
      "Content-Type: text/plain", "",
      "A message that you sent could not be delivered to one or more of its recipients.",
      "liam@example.org Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.",
    }))
    assert.are.equal("liam@example.org", e.recipient)
    assert.are.equal("expired", e.reason)
    assert.are.equal("phrase:zoho:host not reachable", e.reason_from)
  end)

  it("leaves the same words to the generic tables from any other author", function()
    local e = only(parse({
      "From: mailer-daemon@mx.example.net", "To: kim@example.com", "Subject: Undelivered Mail Returned to Sender",
      "Content-Type: text/plain", "",
      "A message that you sent could not be delivered to one or more of its recipients.",
      "liam@example.org Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.",
    }))
    assert.are.equal("networkerror", e.reason)
  end)

  it("reads MessageLabs' own 542 as an unknown recipient", function()
    local e = only(parse({
      "From: Mail Delivery System <MAILER-DAEMON@messagelabs.com>", "To: mona@example.com",
      "Subject: Mail Delivery Failure", "Content-Type: text/plain", "",
      "I was unable to deliver your message to the following addresses:", "", "nora@example.co.uk", "",
      "Reason: 542 nora@example.co.uk Rejected",
    }))
    assert.are.equal("userunknown", e.reason)
  end)
end)

describe("a reply quoted after a summary status", function()
  it("takes the refusing server's status over the summary's", function()
    local e = only(parse({
      "From: MAILER-DAEMON@relay.example.com", "To: oscar@example.com", "Subject: Delivery Status Notification",
      "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="q"', "",
      "--q", "Content-Type: text/plain", "", "Delivery failed.", "",
      "--q", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; relay.example.com", "",
      "Final-Recipient: rfc822; pat@example.org", "Action: failed", "Status: 5.0.0",
      "Diagnostic-Code: smtp; 5.1.0 - Unknown address error 552-'5.2.2 <pat@example.org>... Mailbox Full'",
      "", "--q--",
    }))
    assert.are.equal("5.2.2", e.status)
    assert.are.equal("mailboxfull", e.reason)
  end)
end)

describe("reason data", function()
  it("reads a blocklisted link as spam content, a blocklisted host as a block", function()
    assert.are.equal("spamdetected", (reason.match("550 REJECTED - Blacklisted URL in message (shop.example)")))
    assert.are.equal("blocked", (reason.match("550 Client 192.0.2.9 is blacklisted at bl.example.net")))
  end)

  it("names Exim's address-syntax errors", function()
    assert.are.equal("syntaxerror", (reason.match("angle-brackets nested too deep")))
  end)
end)

describe("a notice that names no reply", function()
  it("is undefined when only the notice's own prose stands for the diagnostic", function()
    local e = only(parse({
      "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)", "To: quinn@example.com",
      "Subject: Undelivered Mail Returned to Sender", "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="u"', "",
      "--u", "Content-Type: text/plain", "",
      "This is the mail system at host mx.example.com.", "Your message could not be delivered.", "",
      "--u", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.com", "",
      "--u", "Content-Type: message/rfc822", "", "From: quinn@example.com", "To: rosa@example.net",
      "Subject: hi", "", "hi", "--u--",
    }))
    assert.are.equal("rosa@example.net", e.recipient)
    assert.are.equal("undefined", e.reason)
    assert.truthy(e.diagnostic)
  end)
end)

describe("the final word among several attempts", function()
  it("takes the later MX's permanent refusal over an earlier one's deferral", function()
    local e = only(parse({
      "From: Mail Delivery Subsystem <MAILER-DAEMON@out.example.com>", "To: sam@example.com",
      "Subject: Returned mail: see transcript for details", "Content-Type: text/plain", "",
      "   ----- The following addresses had permanent fatal errors -----", "<tara@example.net>", "",
      "   ----- Transcript of session follows -----", "... while talking to mx1.example.net.:",
      "<<< 451 try again later", "... while talking to mx2.example.net.:", ">>> RCPT To:<tara@example.net>",
      "<<< 553 5.3.0 tara@example.net... mailbox disabled by administrator", "",
    }))
    assert.are.equal(553, e.reply_code)
    assert.are.equal("RCPT", e.command)
    assert.are.equal("mx2.example.net", e.remote_mta)
  end)

  it("keeps the DSN's own Diagnostic-Code when the notice quotes another attempt's reply", function()
    local e = only(parse({
      "From: MAILER-DAEMON@out.example.com", "To: sam@example.com", "Subject: Delivery failure",
      "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="m"', "",
      "--m", "Content-Type: text/plain", "", "This is the mail system at host out.example.com.", "",
      "<uma@example.org>: host mx1.example.org[192.0.2.1] said: 421 mx1.example.org is busy,",
      "    please try again later (in reply to RCPT TO command)", "", "--m", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; out.example.com", "",
      "Final-Recipient: rfc822; uma@example.org", "Action: failed", "Status: 5.2.2",
      "Diagnostic-Code: smtp; 552 over quota", "", "--m--",
    }))
    assert.are.equal(552, e.reply_code)
    assert.are.equal("mailboxfull", e.reason)
  end)
end)

describe("a reply quoted inside the local MTA's own", function()
  it("gives the remote server's code and status (Amazon WorkMail's '<421 4.4.2 ...>')", function()
    local text = require "spfkit.bounce.text"
    local st, code = text.quoted_reply("554 4.4.7 Message expired: unable to deliver in 900 minutes.<421 4.4.2 "
      .. "Connection timed out>")
    assert.are.equal("4.4.2", st)
    assert.are.equal(421, code)
    st, code = text.quoted_reply("5.1.0 - Unknown address error 550-'5.1.1 <a@example.org>: unknown'")
    assert.are.equal("5.1.1", st)
    assert.are.equal(550, code)
    -- a plain reply quotes nothing; a code whose status is of another class is no reply
    assert.is_nil((text.quoted_reply("550 5.7.1 rejected <a@example.org>")))
    assert.is_nil((text.quoted_reply("554 5.0.0 see <421 5.4.2 odd>")))
  end)

  it("reads a DSN field written into a plain-text notice as its value", function()
    local e = only(parse({
      "From: MAILER-DAEMON@mail.example.com", "To: vic@example.com", "Subject: Delivery Status Notification",
      "Content-Type: text/plain", "", "An error occurred while trying to deliver the mail to the following "
      .. "recipients:", "wendy@example.net", "", "Technical report:", "", "Reporting-MTA: dns; mail.example.com", "",
      "Action: failed", "Final-Recipient: rfc822; wendy@example.net",
      "Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver in 600 minutes.<421 4.4.2 Connection "
      .. "timed out>", "Status: 4.4.7",
    }))
    assert.are.equal("554 4.4.7 Message expired: unable to deliver in 600 minutes.<421 4.4.2 Connection timed out>",
      e.diagnostic)
    assert.are.equal(421, e.reply_code)
    assert.are.equal("4.4.2", e.status)
    assert.are.equal("expired", e.reason)
  end)
end)

describe("phrases given as words in order", function()
  it("match the words close together, in order", function()
    assert.are.equal("userunknown", (reason.match("550 user kim@example.org does not exist here")))
    assert.are.equal("userunknown", (reason.match("550 Recipient <kim@example.org> was not found in the directory")))
    assert.are.equal("mailboxfull", (reason.match("452 mailbox of kim@example.org exceeded its size limit")))
  end)

  it("do not match the words far apart or out of order", function()
    local far = "550 user kim@example.org: your message was held, then the archive it was to be copied to was not found"
    assert.is_nil((reason.match(far)))
    assert.are.equal("userunknown", (reason.match("550 user kim@example.org not found")))
    assert.is_nil((reason.match("550 not exist: user")))
  end)

  it("say which words decided", function()
    local _, phrase = reason.match("550 user kim@example.org not found")
    assert.are.equal("user ...not found", phrase)
  end)
end)

describe("words that decide only with help", function()
  it("lets a refusal's common words ('blocked by', 'access denied') lose to any other reason's", function()
    assert.are.equal("spamdetected", (reason.match("550 5.7.1 Message blocked by spam filter (score 7.2)")))
    assert.are.equal("blocked", (reason.match("550 Message blocked by site policy")))
  end)

  it("turns an unknown domain or a bare refusal of the sender into rejected", function()
    local function classify(d) return (reason.classify({ diagnostic = d })) end
    assert.are.equal("rejected", classify("550 5.7.1 <x@example.org>: Sender address rejected: Domain not found"))
    assert.are.equal("rejected", classify("554 5.7.1 <x@example.org>: Sender address rejected: Access denied"))
    assert.are.equal("hostunknown", classify("550 5.1.2 <y@example.net>: Recipient address rejected: Domain not found"))
  end)
end)

describe("several recipients in one notice", function()
  it("does not give one recipient's reason to another whose reply names none", function()
    local list = parse({
      "From: MAILER-DAEMON@mx.example.com", "To: ann@example.com", "Subject: Mail delivery failed",
      "Content-Type: text/plain", "", "This message was created automatically by mail delivery software.", "",
      "A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.",
      "The following address(es) failed:", "", "  full@example.net",
      "    SMTP error from remote mail server after RCPT TO:<full@example.net>:",
      "    552 5.2.2 The email account that you tried to reach is over quota", "", "  odd@example.net",
      "    SMTP error from remote mail server after end of data:", "    554 Transaction failed", "",
    })
    local by = {}
    for _, e in ipairs(list) do by[e.recipient] = e end
    assert.are.equal("mailboxfull", by["full@example.net"].reason)
    assert.are_not.equal("mailboxfull", by["odd@example.net"].reason)
  end)

  it("reads Lotus Notes words per address", function()
    local list = parse({
      "From: postmaster@gw.example.org", "To: alice@example.com", "Subject: Undeliverable message",
      "Content-Type: text/plain", "", "------- Failure Reasons  --------", "",
      "User not listed in public Name & Address Book", "bob@example.org", "",
      "Message has exceeded maximum hop count", "carol@example.org", "", "------- Returned Message --------",
      "From: alice@example.com", "", "hello",
    })
    local by = {}
    for _, e in ipairs(list) do by[e.recipient] = e end
    assert.are.equal("userunknown", by["bob@example.org"].reason)
    assert.are.equal("networkerror", by["carol@example.org"].reason)
  end)
end)

describe("a vendor's reason field in the DSN", function()
  it("reads PowerMTA's X-PowerMTA-BounceCategory", function()
    local e = only(parse({
      "From: postmaster@pmta.example.com", "To: list@example.com", "Subject: Delivery report",
      "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="p"', "",
      "--p", "Content-Type: text/plain", "", "Delivery failed.", "",
      "--p", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; pmta.example.com", "",
      "Final-Recipient: rfc822; zed@example.net", "Action: failed", "Status: 5.0.0",
      "Diagnostic-Code: smtp; 550 Requested action not taken", "X-PowerMTA-BounceCategory: quota-issues",
      "", "--p--",
    }))
    assert.are.equal("mailboxfull", e.reason)
    assert.are.equal("dsn:x-powermta-bouncecategory", e.reason_from)
  end)
end)

describe("a notice without a delivery-status part", function()
  it("gives a failure's status class from the notice when no reply code says it", function()
    local list = parse({
      "From: MAILER-DAEMON@host.example.com", "To: alice@example.com", "Subject: Undelivered Mail Returned to Sender",
      "Content-Type: text/plain", "", "This is the Postfix program at host host.example.com.", "",
      "I'm sorry to have to inform you that your message could not", "be delivered to one or more recipients.", "",
      "<bigbox@example.com>: cannot update mailbox /var/mail/bigbox for user bigbox.",
      "    error writing message: File too large", "",
    })
    assert.are.equal(1, #list)
    assert.are.equal("failed", list[1].action)
    assert.are.equal("5.0.0", list[1].status)
  end)

  it("keeps qmail's own 'giving up' words when it names no other reason", function()
    local list = parse({
      "From: MAILER-DAEMON@mail.example.com", "To: sender@example.com", "Subject: failure notice",
      "Content-Type: text/plain", "", "Hi. This is the qmail-send program at mail.example.com.",
      "I'm afraid I wasn't able to deliver your message to the following addresses.", "",
      "<late@example.net>:", "I'm not going to try again; this message has been in the queue too long.", "",
    })
    assert.are.equal("expired", list[1].reason)
  end)
end)

describe("recipient blocks in plain notices", function()
  local function by_rcpt(list)
    local t = {}
    for _, e in ipairs(list) do t[e.recipient] = e end
    return t
  end

  it("reads Gmail's one block per recipient, each with its own response", function()
    local by = by_rcpt(parse({
      "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "To: me@example.com",
      "Subject: Delivery Status Notification (Failure)", "Content-Type: text/plain", "",
      "** Address not found **", "",
      "Your message wasn't delivered to gone@example.org because the address couldn't be found.", "",
      "The response from the remote server was:", "550 5.1.1 <gone@example.org>: User unknown", "",
      "** Message not delivered **", "",
      "Your message couldn't be delivered to big@example.net because the mailbox is full.", "",
      "The response from the remote server was:", "552 5.2.2 <big@example.net>: Mailbox full", "",
    }))
    assert.are.equal("userunknown", by["gone@example.org"].reason)
    assert.are.equal(550, by["gone@example.org"].reply_code)
    assert.are.equal("mailboxfull", by["big@example.net"].reason)
    assert.are.equal(552, by["big@example.net"].reply_code)
  end)

  it("takes the line that labels the recipient over an earlier header list naming it", function()
    local e = only(parse({
      "From: MAILER-DAEMON@ms.example.com", "To: me@example.com", "Subject: Delivery Notification: Delivery has failed",
      "Content-Type: text/plain", "", "This report relates to a message you sent with the following header fields:", "",
      "  To: kiki@nowhere.example.jp", "", "Your message cannot be delivered to the following recipients:", "",
      "  Recipient address: kiki@nowhere.example.jp", "  Reason: Illegal host/domain name found", "",
    }))
    assert.are.equal("hostunknown", e.reason)
  end)

  it("reads the paragraph above a bare address when nothing follows it", function()
    local e = only(parse({
      "From: <Postmaster@ezweb.ne.jp>", "To: <shop@example.com>", "Subject: Mail System Error - Returned Mail",
      "Content-Type: text/plain", "", "Your message was not delivered within 2 days and 12 hours.",
      "Remote host is not responding.", "", "<late@example.org>", "",
    }))
    assert.are.equal("expired", e.reason)
  end)
end)

describe("the MTA a notice names", function()
  it("is not taken from words several MTAs write", function()
    local e = only(parse({
      "From: postmaster@outlook.example.com", "To: sender@example.com", "Subject: Delivery Status Notification (Failure)",
      "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="o"', "",
      "--o", "Content-Type: text/plain", "", "Delivery to the following recipients failed.", "",
      "       gone@example.org", "", "--o", "Content-Type: message/delivery-status", "",
      "Reporting-MTA: dns;mc1.example.com", "", "Final-Recipient: rfc822;gone@example.org", "Action: failed",
      "Status: 5.5.0", "Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable", "", "--o--",
    }))
    assert.are_not.equal("gmail", e.mta)
    assert.are.equal("rfc3464", e.mta)
  end)
end)
