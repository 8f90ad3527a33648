-- spfkit.bounce.reason: the decision order, what decided (reason_from), and
-- the shape of the data tables (spfkit.bounce.reasons.*).
local reason = require "spfkit.bounce.reason"

local function classify(r)
  local got, from = reason.classify(r)
  return { got, from }
end

describe("spfkit.bounce.reason data", function()
  it("lists every reason with phrases in ORDER, once", function()
    local seen = {}
    for _, name in ipairs(reason.ORDER) do
      assert.is_nil(seen[name], name)
      seen[name] = true
      assert.is_table(reason.PHRASES[name], name)
    end
    for name in pairs(reason.PHRASES) do assert.is_true(seen[name], name .. " is not in ORDER") end
  end)

  it("keeps phrases lower-case, non-empty, in one reason only, each group citing a source", function()
    local owner = {}
    for name, groups in pairs(reason.PHRASES) do
      for _, g in ipairs(groups) do
        assert.is_string(g.from, name)
        assert.is_true(#g.from > 5, name)
        assert.is_true(#g > 0, name .. ": empty group")
        for _, p in ipairs(g) do
          -- a list of fragments: words in order, close together
          if type(p) == "table" then
            assert.is_true(#p >= 2, name)
            for _, f in ipairs(p) do assert.are.equal(f:lower(), f); assert.is_true(#f >= 1, name) end
            p = table.concat(p, "...")
          end
          assert.are.equal(p:lower(), p)
          assert.is_true(#p >= 3, name .. ": " .. p)
          assert.is_nil(owner[p], p .. " is in " .. tostring(owner[p]) .. " and " .. name)
          owner[p] = name
        end
        for cmd, to in pairs(g.commands or {}) do
          assert.is_true(cmd == "none" or cmd:match("^%u+$") ~= nil, cmd)
          assert.is_table(reason.PHRASES[to] or (to == "filtered" or to == "rejected") and {}, to)
        end
      end
    end
  end)

  it("maps well-formed status codes to known reasons", function()
    local known = { delivered = true }
    for name in pairs(reason.PHRASES) do known[name] = true end
    for _, tab in ipairs({ "specific", "generic" }) do
      for code, r in pairs(reason.STATUS[tab]) do
        assert.is_truthy(code:match("^[45]%.%d%.%d+$"), code)
        assert.is_true(known[r], code .. " -> " .. r)
      end
    end
    for from, list in pairs(reason.STATUS.yields) do
      assert.is_true(known[from], from)
      for _, r in ipairs(list) do assert.is_true(known[r], r) end
    end
  end)
end)

describe("spfkit.bounce.reason.classify", function()
  it("takes the reader's hint first", function()
    assert.are.same({ "feedback", "hint" }, classify({ reason_hint = "feedback", status_in_mail = "5.1.1" }))
    assert.are.same({ "vacation", "hint" }, classify({ reason_hint = "vacation" }))
  end)

  it("calls a 2.x.x status or Action: delivered delivered", function()
    assert.are.same({ "delivered", "status" }, classify({ status_in_mail = "2.1.5", diagnostic = "250 OK" }))
    assert.are.same({ "delivered", "action" }, classify({ action = "delivered" }))
  end)

  it("calls an X-Unix diagnostic a mailer error", function()
    assert.are.same({ "mailererror", "diagnostic_type" },
      classify({ diagnostic_type = "X-Unix", diagnostic = "255", action = "failed" }))
  end)

  it("decides from a specific status code before the words", function()
    -- the words alone would say "user unknown"
    assert.are.same({ "mailboxfull", "status" },
      classify({ status_in_mail = "5.2.2", diagnostic = "552 5.2.2 user unknown or over limit" }))
    assert.are.same({ "authfailure", "status" },
      classify({ status_in_mail = "5.7.26", diagnostic = "550 5.7.26 this message does not meet guidelines" }))
    assert.are.same({ "requireptr", "status" }, classify({ status_in_mail = "5.7.25", diagnostic = "550 5.7.25 no" }))
    assert.are.same({ "rejected", "status" },
      classify({ status_in_mail = "5.1.8", command = "MAIL", diagnostic = "553 5.1.8 domain does not exist" }))
  end)

  it("lets a specific code yield to words that name another cause", function()
    -- MTAs answer 5.1.1 at RCPT for a blocked client or a relay refusal too
    assert.are.same({ "norelaying", "phrase:relay access denied" },
      classify({ status_in_mail = "5.1.1", command = "RCPT", diagnostic = "554 5.1.1 relay access denied" }))
    assert.are.same({ "userunknown", "status" },
      classify({ status_in_mail = "5.1.1", command = "RCPT", diagnostic = "550 5.1.1 bad luck" }))
    -- 5.1.10 is RFC 7505's null MX, and Microsoft's RecipientNotFound
    assert.are.same({ "notaccept", "status" }, classify({ status_in_mail = "5.1.10", diagnostic = "556 5.1.10 nope" }))
    assert.are.same("userunknown", classify({ status_in_mail = "5.1.10",
      diagnostic = "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup" })[1])
  end)

  it("reads 5.7.27 as Gmail's SPF failure only when the reply says so", function()
    assert.are.equal("authfailure", classify({ status_in_mail = "5.7.27",
      diagnostic = "550 5.7.27 The sender SPF record does not authorize this IP" })[1])
    assert.are.same({ "notaccept", "status" },
      classify({ status_in_mail = "5.7.27", diagnostic = "550 5.7.27 sender address has null MX" }))
  end)

  it("decides from the phrase tables and names the phrase", function()
    assert.are.same({ "mailboxfull", "phrase:mailbox is full" },
      classify({ status_in_mail = "5.0.0", diagnostic = "550 Mailbox is full" }))
    assert.are.same({ "spamdetected", "phrase:spam" },
      classify({ diagnostic = "554 Message looks like SPAM to us", command = "DATA" }))
    assert.are.same({ "blocked", "phrase:blocked using" },
      classify({ diagnostic = "554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org",
        status_in_mail = "5.7.1" }))
  end)

  it("prefers the longer phrase that contains the winning one", function()
    -- "host not found" (hostunknown) is inside Postfix's temporary "host not found, try again"
    assert.are.same({ "networkerror", "phrase:host not found, try again" },
      classify({ diagnostic = "Name service error for name=example.com type=MX: Host not found, try again" }))
    assert.are.same({ "hostunknown", "phrase:host not found" },
      classify({ diagnostic = "Name service error for example.jp: Host not found" }))
  end)

  it("refines a phrase by the SMTP command of the failure", function()
    local diag = "550 5.0.0 <a@example.jp>: User unknown"
    assert.are.same({ "userunknown", "phrase:user unknown" }, classify({ diagnostic = diag, command = "RCPT" }))
    assert.are.same({ "filtered", "phrase:user unknown" }, classify({ diagnostic = diag, command = "DATA" }))
    assert.are.same({ "rejected", "phrase:access denied" },
      classify({ diagnostic = "550 5.7.1 Access denied", command = "MAIL", status_in_mail = "5.7.1" }))
    -- at MAIL FROM no recipient is known yet: the unknown address is the sender's
    assert.are.same({ "rejected", "phrase:does not exist" },
      classify({ diagnostic = "553 Domain of sender address a@b.example does not exist", command = "MAIL" }))
    assert.are.same({ "blocked", "phrase:access denied" },
      classify({ diagnostic = "550 5.7.1 Access denied", command = "CONN", status_in_mail = "5.7.1" }))
  end)

  it("finds the command in the diagnostic when the reader has none", function()
    assert.are.equal("RCPT", reason.command_in({ "host x said: 550 no (in reply to rcpt to command)" }))
    assert.are.equal("DATA", reason.command_in({ ">>> mail from:<a@b> <<< 250 ok >>> data <<< 554 no" }))
    assert.is_nil(reason.command_in({ "550 no" }))
    assert.are.equal("userunknown", classify({
      diagnostic = "Sorry, no SMTP connection got far enough; most progress was RCPT TO response; "
        .. "remote host said: 550 Unknown user a@example.jp" })[1])
    -- an X.1.x code names the address, hence the command
    assert.are.equal("userunknown", classify({ status_in_mail = "5.1.0", diagnostic = "550 5.1.0 user unknown" })[1])
  end)

  it("calls a temporary unknown host a network error", function()
    local diag = "DNS Error: DNS type 'mx' lookup of example.jp responded with code SERVFAIL Domain name not found"
    assert.are.equal("hostunknown", classify({ diagnostic = diag, status = "5.0.0" })[1])
    assert.are.equal("networkerror", classify({ diagnostic = diag, status = "4.0.0" })[1])
  end)

  it("reads group posting refusals as rejected when the reader hands the notice text", function()
    -- Google Groups sends no SMTP reply at all: only its notice says why
    local notice = "We're writing to let you know that the group you tried to contact (x) may not exist, "
      .. "or you may not have permission to post messages to the group."
    assert.are.same({ "rejected", "phrase:you may not have permission to post" },
      classify({ status = "5.0.0", action = "failed", texts = { notice } }))
    assert.are.same({ "undefined", "default" }, classify({ status = "5.0.0", action = "failed" }))
  end)

  it("falls back to the generic code, the reply code, the action, the command, then onhold", function()
    assert.are.same({ "filtered", "status" }, classify({ status_in_mail = "5.2.0", diagnostic = "550 5.2.0 no" }))
    assert.are.same({ "contenterror", "status" }, classify({ status_in_mail = "5.6.0", diagnostic = "554 5.6.0 no" }))
    assert.are.same({ "securityerror", "status" }, classify({ status_in_mail = "5.7.1", diagnostic = "554 5.7.1 no" }))
    assert.are.same({ "syntaxerror", "reply_code" }, classify({ status = "5.0.0", diagnostic = "503 bad order" }))
    assert.are.same({ "expired", "action" }, classify({ status = "4.0.0", action = "delayed", diagnostic = "x" }))
    assert.are.same({ "blocked", "command" }, classify({ status = "5.0.0", command = "HELO", diagnostic = "550 x" }))
    assert.are.same({ "rejected", "command" }, classify({ status = "5.0.0", command = "MAIL", diagnostic = "550 x" }))
    assert.are.same({ "onhold", "default" }, classify({ status = "5.0.0", diagnostic = "550 x" }))
    assert.are.same({ "undefined", "default" }, classify({}))
  end)

  it("never raises on odd input", function()
    local odd = { {}, { diagnostic = "" }, { texts = { 1, false, "" } }, { status_in_mail = "x" },
      { diagnostic = ("\0\255"):rep(1000) }, { status = "9.9.9", command = "NOOP" } }
    for _, r in ipairs(odd) do
      local got, from = reason.classify(r)
      assert.is_string(got)
      assert.is_string(from)
    end
  end)

  it("matches a bare text with match()", function()
    assert.are.same({ "mailboxfull", "over quota" }, { reason.match("452 4.2.2 Over quota") })
    assert.is_nil(reason.match(""))
    assert.is_nil(reason.match("250 ok"))
  end)
end)
