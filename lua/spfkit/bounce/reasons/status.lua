--- Enhanced status codes (RFC 3463 and the codes registered or used since)
-- and the bounce reason each one names. Data only; read by
-- `spfkit.bounce.reason`.
--
-- `specific` codes decide the reason before any phrase is read: they name
-- one cause (a full mailbox, an unknown user, a failed SPF check). Some
-- MTAs use a few of them for every refusal at one SMTP step (5.1.1 for a
-- blocked client at RCPT, for instance), so `yields` lists, per reason, the
-- phrase reasons that override the code when the reply says so.
-- `generic` codes only name a class of problem: they are used after the
-- phrase tables found nothing. `class` maps "<class>.<subject>" to a last
-- resort for codes in neither table.
-- @module spfkit.bounce.reasons.status
return {
  specific = {
    -- RFC 3463 3.2 address status
    ["5.1.1"] = "userunknown", ["4.1.1"] = "userunknown",       -- bad destination mailbox address
    ["5.1.2"] = "hostunknown", ["4.1.2"] = "hostunknown",       -- bad destination system address
    ["5.1.3"] = "userunknown",                                  -- bad destination mailbox address syntax
    ["5.1.6"] = "hasmoved", ["4.1.6"] = "hasmoved",             -- destination mailbox has moved
    ["5.1.7"] = "rejected", ["4.1.7"] = "rejected",             -- bad sender's mailbox address syntax
    ["5.1.8"] = "rejected", ["4.1.8"] = "rejected",             -- bad sender's system address
    ["5.1.10"] = "notaccept",                                   -- RFC 7505: recipient address has null MX
    -- RFC 3463 3.3 mailbox status
    ["5.2.2"] = "mailboxfull", ["4.2.2"] = "mailboxfull",       -- mailbox full
    ["5.2.3"] = "exceedlimit", ["4.2.3"] = "exceedlimit",       -- message length exceeds administrative limit
    -- RFC 3463 3.4 mail system status
    ["5.3.4"] = "mesgtoobig", ["4.3.4"] = "mesgtoobig",         -- message too big for system
    ["4.3.1"] = "systemfull", ["5.3.1"] = "systemfull",         -- mail system full
    -- RFC 3463 3.5 network and routing status
    ["4.4.7"] = "expired", ["5.4.7"] = "expired",               -- delivery time expired
    ["5.4.6"] = "networkerror", ["4.4.6"] = "networkerror",     -- routing loop detected
    -- Microsoft 365 NDR codes: DNS domain does not exist, message expired
    ["5.4.310"] = "hostunknown", ["5.4.300"] = "expired", ["5.4.316"] = "expired",
    -- RFC 3463 3.8 security or policy status
    ["5.7.13"] = "suspend",                                     -- RFC 3463 (IANA): user account disabled
    ["5.7.17"] = "hasmoved", ["5.7.18"] = "hasmoved",           -- RFC 7293: mailbox / domain owner has changed
    ["5.7.20"] = "authfailure", ["5.7.21"] = "authfailure",     -- RFC 7372: no passing / acceptable DKIM signature
    ["5.7.22"] = "authfailure",                                 -- RFC 7372: no valid author-matched DKIM signature
    ["5.7.23"] = "authfailure", ["5.7.24"] = "authfailure",     -- RFC 7372: SPF validation failed / error
    ["4.7.24"] = "authfailure",
    ["5.7.25"] = "requireptr", ["4.7.25"] = "requireptr",       -- RFC 7372: reverse DNS validation failed
    ["5.7.26"] = "authfailure", ["4.7.26"] = "authfailure",     -- RFC 7372: multiple authentication checks failed
    ["5.7.27"] = "authfailure", ["4.7.27"] = "authfailure",     -- Gmail: SPF failed (RFC 7505: sender null MX)
    ["4.7.28"] = "speeding", ["5.7.28"] = "speeding",           -- Gmail: unusual rate of unsolicited mail
    ["4.7.30"] = "authfailure", ["5.7.30"] = "authfailure",     -- Gmail SMTP error reference: DKIM required
    ["4.7.32"] = "authfailure", ["5.7.32"] = "authfailure",     -- Gmail SMTP error reference: DMARC alignment
    ["4.7.40"] = "authfailure", ["5.7.40"] = "authfailure",     -- Gmail SMTP error reference: authentication required
    ["5.7.509"] = "authfailure", ["5.7.515"] = "authfailure",   -- Microsoft 365 NDR: DMARC / auth level
  },
  -- phrase reasons that override a specific code of this reason
  yields = {
    userunknown = { "mailboxfull", "suspend", "hasmoved", "norelaying", "blocked", "rejected", "notaccept",
      "authfailure", "requireptr", "badreputation", "speeding", "toomanyconn", "spamdetected", "policyviolation",
      "mesgtoobig", "filtered" },
    hostunknown = { "networkerror", "notaccept" },
    rejected = { "authfailure", "requireptr", "blocked", "norelaying" },
    exceedlimit = { "mailboxfull", "toomanyconn" },
    -- a queue timeout: the last reply says what kept failing (RFC 3463 X.4.7:
    -- "the code for the actual problem ... should be returned rather than this code")
    expired = { "networkerror", "hostunknown", "mailboxfull", "requireptr", "blocked", "authfailure",
      "userunknown", "norelaying", "rejected", "spamdetected", "toomanyconn", "notaccept", "suspend" },
    authfailure = { "notaccept" },
    notaccept = { "userunknown" },
  },
  -- words a specific code needs in the reply, else `otherwise` (5.7.27 is
  -- Gmail's SPF failure, but RFC 7505's "sender address has null MX")
  needs = {
    ["5.7.27"] = { "spf", "authenticat", otherwise = "notaccept" },
    ["4.7.27"] = { "spf", "authenticat", otherwise = "notaccept" },
  },
  generic = {
    ["5.1.0"] = "userunknown",                                  -- other address status
    ["5.1.4"] = "filtered",                                     -- destination mailbox address ambiguous
    ["5.2.0"] = "filtered", ["5.2.1"] = "filtered",             -- other mailbox status / mailbox disabled
    ["4.2.1"] = "suspend",
    ["5.2.4"] = "filtered", ["4.2.4"] = "filtered",             -- mailing list expansion problem
    ["5.3.0"] = "systemerror", ["5.3.5"] = "systemerror", ["4.3.5"] = "systemerror", -- system incorrectly configured
    ["5.3.3"] = "systemerror", ["4.3.3"] = "systemerror",       -- system not capable of selected features
    ["5.4.3"] = "systemerror", ["4.4.3"] = "systemerror",       -- directory server failure
    ["4.4.5"] = "systemfull",                                   -- mail system congestion
    ["4.4.8"] = "networkerror",                                 -- retry on IPv4 (draft-martin-smtp-ipv6-to-ipv4)
    ["5.1.9"] = "systemerror", ["4.1.9"] = "systemerror",       -- RFC 3886: relayed to non-compliant mailer
    ["5.5.6"] = "syntaxerror",                                  -- RFC 4954: authentication exchange line too long
    ["4.5.5"] = "systemerror",                                  -- wrong protocol version
    ["5.3.2"] = "notaccept", ["4.3.2"] = "notaccept",           -- system not accepting network messages
    ["5.4.4"] = "hostunknown",                                  -- unable to route
    ["4.4.1"] = "expired",                                      -- no answer from host (retried until expiry)
    ["4.4.2"] = "networkerror", ["4.4.4"] = "networkerror",     -- bad connection / unable to route (temporary)
    ["5.4.0"] = "networkerror",
    ["5.5.3"] = "toomanyconn", ["4.5.3"] = "toomanyconn",       -- too many recipients (per session)
    ["5.5.4"] = "systemerror", ["5.5.5"] = "systemerror",
    ["4.7.1"] = "blocked",                                      -- delivery not authorized (temporary: greylist, block)
    ["4.7.2"] = "blocked",                                      -- mailing list expansion prohibited
    ["5.7.16"] = "mesgtoobig",
    ["4.7.0"] = "securityerror", ["5.7.0"] = "securityerror", -- other or undefined security status
    ["5.7.8"] = "securityerror", ["5.7.9"] = "securityerror",   -- RFC 4954: credentials invalid / mechanism too weak
  },
  -- "<class>.<subject>" of codes in neither table
  class = {
    ["5.6"] = "contenterror", ["4.6"] = "contenterror",         -- RFC 3463 3.7 message content or media status
    ["5.7"] = "securityerror", ["4.7"] = "blocked",             -- RFC 3463 3.8 security or policy status
  },
}
