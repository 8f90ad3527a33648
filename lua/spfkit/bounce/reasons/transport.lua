--- Phrase tables: reasons about delivery itself (network, queue, servers).
-- Lower-case plain substrings; each group names where it comes from.
-- @module spfkit.bounce.reasons.transport
return {
  networkerror = {
    { from = "Postfix smtp(8)/qmgr(8), Sendmail, Exim, Microsoft 365 (4.4.312 DNS query failed), Gmail DNS errors, "
      .. "Sisimai lib/Sisimai/Reason/NetworkError.pm",
      "lost connection", "network is unreachable", "no route to host", "connection reset", "mail loop",
      "routing loop", "too many hops", "bad connection", "name server failure",
      "temporary failure in name resolution", "host not reachable", "host is unreachable",
      "host not found, try again", "dns query failed", "dns error:", "malformed name server reply",
      "hop count exceeded", "mail forwarding loop", "host name lookup failure",
      "could not connect and send the mail to", "dns records for the destination computer could not be found",
      "forwarding loop count exceeded", "message looping", "probably in a routing loop", "unable to resolve route",
      "unrouteable mail domain",
    },
    { from = "OpenSMTPD mta errors, Courier (DNS lookup failed.), Lotus Notes (maximum hop count), qmail "
      .. "(wasn't able to establish an SMTP connection); as listed by Sisimai lib/Sisimai/Lhost/OpenSMTPD.pm, "
      .. "Courier.pm, Notes.pm, qmail.pm",
      "address family mismatch on destination mxs", "all routes to destination blocked", "bad dns lookup error code",
      "could not retrieve source address", "loop detected", "network error on destination mxs",
      "no mx found for domain", "no mx found for destination", "no valid route to remote mx",
      "no valid route to destination", "temporary failure in mx lookup", "dns lookup failed",
      "exceeded maximum hop count", "able to establish an smtp connection",
      -- Sisimai 5 lib/Sisimai/Reason/NetworkError.pm
      "could not contact dns servers", "listed as a best-preference mx", "no relevant answers",
      { "malformed", "name server reply" }, { "no ", "route to" },
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "message exceeded 50 hops",
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/Mimecast.pm (inbound host name)",
      "the incorrect hostname used for inbounds",
    },
  },
  expired = {
    { from = "RFC 3463 X.4.7; Postfix (delivery time expired), Sendmail (timeout), Exim (retry timeout), "
      .. "OpenSMTPD, Gmail (did not accept our requests to connect), Microsoft 365 (message expired), "
      .. "Sisimai lib/Sisimai/Reason/Expired.pm",
      "retry timeout exceeded", "delivery time expired", "in the queue too long", "message expired",
      "envelope expired", "maximum time", "not going to try again", "could not be delivered within",
      "time limit exceeded", "retry time not reached for any host", "timeout exceeded",
      "have been failing for a long time", "could not deliver for the last", "giving up",
      "connection timed out", "did not accept our requests to connect", "server did not respond",
      "could not find a gateway for", "it has not been collected after", "message timed out",
      "not reachable within the allowed queue period", "could not be delivered for more than",
    },
    { from = "delay warnings: Gmail (Delivery to the following recipient has been delayed), Exim (No action is "
      .. "required on your part); as listed by Sisimai lib/Sisimai/Lhost/Gmail.pm, Lhost/MailRu.pm",
      "delivery to the following recipient has been delayed", "no action is required on your part",
      "delivery attempts will continue to be", "unable to deliver message after multiple retries",
      "has been delayed",
      -- Sisimai 5 lib/Sisimai/Reason/Expired.pm
      { "could not be delivered for", " days" }, { "delivery ", "expired" }, { "not", "reach", "period" },
    },
    { from = "Mimecast, GoDaddy (Sisimai 5 lib/Sisimai/Rhost/Mimecast.pm, GoDaddy.pm)",
      "journal messages past the expiration", "delivery timeout",
    },
    { from = "IMail (Delivery failed N attempts), Sisimai lib/Sisimai/Lhost/IMailServer.pm",
      { "delivery failed ", " attempts" },
    },
    { from = "au (EZweb) delay notices (Your message was not delivered within N days), "
      .. "Sisimai lib/Sisimai/Lhost/EZweb.pm",
      "was not delivered within",
    },
  },
  systemerror = {
    { from = "RFC 5321 421/451 texts; Postfix, Sendmail, Microsoft, Sisimai lib/Sisimai/Reason/SystemError.pm",
      "system error", "internal error", "server error", "local error", "temporary local problem",
      "system failure", "resources temporarily unavailable", "i/o error", "configuration error",
      "not capable", "service not available", "temporarily unavailable", "service currently unavailable",
      "could not load drd", "loops back to myself", "queue file write error", "upstream error",
    },
    { from = "Exim deliver.c / transports (delivery to file or pipe forbidden, local delivery failed)",
      "delivery to file forbidden", "delivery to pipe forbidden", "local delivery failed", "lmtp error after ",
    },
    { from = "amavisd-new relay failures, Lotus Domino (several matches), qmail (bad interpreter); as listed by "
      .. "Sisimai lib/Sisimai/Lhost/Amavis.pm, Domino.pm, qmail.pm",
      "temporary mta failure on relaying", "rejected by next-hop mta on relaying",
      "unable to relay message back to mta",
      "several matches found in domino directory", "bad interpreter: no such file or directory",
      "aliasing/forwarding loop broken", "can't create user output file",
      -- Sisimai 5 lib/Sisimai/Reason/SystemError.pm
      "interrupted system call", "it encountered an error while being processed",
      "loop was found in the mail exchanger",
      "recipient deferred because there is no mdb", "remote server is misconfigured", "system config error",
      "timeout waiting for input", { "unable to connect ", "daemon" },
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "temporary system problem", "server busy", "multiple destination domains per transaction is unsupported",
      "mail server has temporarily rejected this message", "mail server temporarily rejected message",
      "domain policy size per transaction exceeded",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "system incorrectly configured", "mailing list expansion problem", "misconfigured forwarding address",
      "message failed to be replicated", "(suspiciousremoteservererror)", "pfa agent busy",
    },
    { from = "Mimecast, Cox (Sisimai 5 lib/Sisimai/Rhost/Mimecast.pm, Cox.pm)",
      "unable to process connection at this time", "message ended early", "unable to process command",
      "unable to process an email at this time", "esmtp server temporarily not available",
    },
  },
  mailererror = {
    { from = "Sendmail/Postfix local delivery agents (X-Unix diagnostics, procmail, pipes)",
      "command output", "procmail", "command died with status", "mailer error", "exit status",
      "pipe to |", "unknown mailer", "x-unix",
      "procmail:", "bin/procmail", "bin/maildrop", "command failed:",
    },
  },
  syntaxerror = {
    { from = "RFC 5321 4.2.2 (500-504 syntax and sequence errors)",
      "improper sequence of commands", "bad sequence of commands", "syntax error, command unrecognized",
    },
    { from = "Exim parser.c address errors (\"malformed address: %.32s may not follow %.*s\"), "
      .. "as listed by Sisimai lib/Sisimai/Lhost/Exim.pm",
      "malformed address:", "angle-brackets nested too deep", "expected word or \"<\"",
      "domain missing in source-routed address",
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "optional argument not permitted", "too many unrecognized commands", "unimplemented command",
      "unrecognized command", "ehlo/helo first", "no data after bdat", "unrecognized authentication type",
      "xoauth is no longer supported", "too many unauthenticated commands", "syntax error",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "send hello first",
    },
    { from = "RFC 5321 4.2.2 (504 Command parameter not implemented), NTT docomo replies",
      "command parameter not implemented",
    },
  },
}
