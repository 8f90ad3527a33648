--- Phrase tables: reasons about the message itself (size, content, form).
-- Lower-case plain substrings; each group names where it comes from.
-- @module spfkit.bounce.reasons.content
return {
  mesgtoobig = {
    { from = "RFC 3463 X.3.4; RFC 1870 (552 message size exceeds fixed maximum); Postfix, Exim, Sendmail, Exchange",
      "message too large", "message is too large", "message size exceeds", "message too big",
      "exceeds size limit", "size limit exceeded", "message size limit", "exceeds the maximum size",
      "message file too big", "mail size limit", "maximum message size", "max message size exceeded",
      "exceeded maximum inbound message size", "line limit exceeded", "taille limite du message atteinte",
      "exceeded the maximum incoming message size", { "message ", "size", "exceed" }, { "message ", "too", "big" },
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/Mimecast.pm (size limit)",
      "maximum email size exceeded",
    },
  },
  exceedlimit = {
    { from = "RFC 3463 X.2.3 (message length exceeds administrative limit)",
      "exceeds the local limit", "message length exceeds", "exceeds administrative limit",
      -- amavisd-new (outranks "message size exceeds")
      "message size exceeds recipient",
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "google's message size limits", "exceeds google's limit of", "google's message header size limit",
      "bytes per individual header size", "exceeds google's header name limit of",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "resolver.rst.recipsizelimit",
    },
  },
  notcompliantrfc = {
    { from = "Gmail SMTP error reference (550 5.7.1 not RFC 5322 compliant, multiple From/Subject headers)",
      "not rfc 5322 compliant", "not rfc5322 compliant", "rfcmessagenoncompliant",
      "multiple addresses in from: header", "there are multiple subject headers", "duplicate header",
      { " multiple ", "header" },
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "missing a valid address in the from: header", "missing a valid message-id: header",
      "contains a unicode character in a disallowed header", "encoded-word syntax is not permitted",
      "mail message is malformed",
    },
    { from = "Yahoo, Symantec Email Security.cloud (Sisimai 5 lib/Sisimai/Rhost/YahooInc.pm, MessageLabs.pm)",
      "headers are not rfc compliant", "message is not rfc 5322",
    },
  },
  virusdetected = {
    { from = "Postfix/amavis/ClamAV/Sophos rejections, Sisimai lib/Sisimai/Reason/VirusDetected.pm",
      "virus detected", "infected with a virus", "contains a virus", "virus found", "malware",
      "potentially executable attachment", "used by recent viruses",
      -- amavisd-new: "554 5.7.0 Reject, id=... - INFECTED: ..."
      "- infected",
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/Zoho.pm (virus scanner)",
      "detected by zoho mail",
    },
    { from = "virus scanners' rejections (suspicion of virus)",
      "suspicion of virus",
    },
  },
  spamdetected = {
    { from = "SpamAssassin/amavis (UBE), Barracuda, Gmail, Zoho, Sisimai lib/Sisimai/Reason/SpamDetected.pm",
      "spam", "junk mail", "message was classified as", "bulk mail", "unsolicited", "ube,",
      "message content rejected", "content filter", "suspicious", "phishing",
      "unacceptable content", "mail content denied", "banned content", "recurrent pattern detection",
      "mass mailer", "uribl", "probability of being", "high probability of",
      -- Sisimai 5 lib/Sisimai/Reason/SpamDetected.pm
      "reject bulk.advertising", { "mail score (", " over " }, { "reject", " content" },
    },
    -- a blocklisted link is the content's fault, not the sending host's
    -- (outranks "blacklisted", which it contains)
    { from = "URI blocklists (URIBL, SURBL) quoted by iMail, SpamAssassin, Postfix milters",
      "blacklisted url", "blacklisted uri", "blacklisted link", "blocklisted url", "blocklisted link", "surbl",
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "due to the nature of the content or the links within",
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/MessageLabs.pm (outbound scanning)",
      "filtered by outbound scanning",
    },
    { from = "spam filters' own words (Barracuda, Gmail 'likely unsolicited mail', "
      .. "SpamAssassin), Sisimai lib/Sisimai/Reason/SpamDetected.pm",
      "spam filter", "likely unsolicited mail", "blocked by spamassassin", "no spam please",
    },
  },
  policyviolation = {
    { from = "Gmail (illegal attachment, content security issue), Microsoft (organizational settings), "
      .. "Sisimai lib/Sisimai/Reason/PolicyViolation.pm",
      "header error", "policy reasons", "denied by policy", "local policy", "policy violation",
      "violates our policy", "organizational settings", "organization policy", "protocol violation",
      "illegal attachment", "closed mailing list", "not accepting mail with",
      "security policies", "prohibited attachment", "attachment is not allowed",
      "content presents a potential security issue", "host network not allowed",
      "header are not accepted", "message given low priority", "posts without solving a captcha",
      "messages with multiple addresses", "we do not accept messages containing images or other attachments",
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "has a policy that prohibited", "sending messages with the same message-id:",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "x-dg-ref header is too long",
    },
    { from = "Mimecast, Cox, Zoho policies (Sisimai 5 lib/Sisimai/Rhost/Mimecast.pm, Cox.pm, Zoho.pm)",
      "anti-spoofing policy - inbound not allowed", "header-based anti-spoofing policy",
      "message bounced due to content examination policy", "host network, not allowed",
      "esmtp no data before greeting", "attachment extension is forbidden",
      "mailbox delivery restricted by policy error",
    },
    { from = "Mimecast anti-spoofing policies, written with or without the hyphen",
      "anti-spoofing policy",
    },
    { from = "attachment and security policies worded by filters (Proofpoint, Barracuda, Microsoft)",
      "attachment type that is not allowed", "violates our security policy",
    },
  },
  contenterror = {
    { from = "RFC 3463 X.6.x; Sendmail (improper use of 8-bit data), Exchange header limits",
      "content restrictions", "content rejected", "invalid message content", "improper use of 8-bit data",
      "8bit data", "header line too long", "line too long", "bad message content", "message header is not",
      "invalid mime", "mime header", "mime complexity", "malformed mime", "header size exceeds",
      "too many received: headers", "too many \"received\" headers",
      -- Gmail (improperly formatted binary content, unnecessary base64), Microsoft (header size limit)
      "improperly-formatted binary content", "unnecessary base64 encoding",
      "message header size, or recipient list, exceeds policy limit",
      -- amavisd-new: "554 5.6.0 Reject, id=... - BAD HEADER: ..."
      "- bad header:",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "agent generated message depth exceeded",
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/MessageLabs.pm (message form)",
      "stray linefeeds in message",
    },
    { from = "header syntax checks (Postfix header_checks, filters)",
      "headers fail syntax check",
    },
  },
}
