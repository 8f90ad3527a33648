--- Phrase tables: reasons about the recipient's mailbox or domain.
-- Facts about what MTAs and providers say, as lower-case plain substrings
-- of the folded diagnostic. Each group names where its phrases come from;
-- `commands` maps the SMTP command of the failure to another reason (a
-- "user unknown" said after DATA is a content filter speaking, not the
-- mailbox directory).
-- @module spfkit.bounce.reasons.recipient
-- At MAIL FROM no recipient is known yet: an unknown address or domain
-- there is the sender's. After DATA the recipient was accepted: a filter
-- speaks. With no command known, Sisimai reads "user unknown" as filtered.
local AFTER_DATA = { MAIL = "rejected", DATA = "filtered", none = "filtered" }
local SENDER_AT_MAIL = { MAIL = "rejected" }
return {
  userunknown = {
    -- first: Gmail's own notice says so whatever the command
    { from = "Gmail's delivery failure notice (Address not found: \"the address couldn't be found\")",
      commands = { MAIL = "rejected", DATA = "filtered" },
      "the address couldn't be found", "address couldn't be found or is unable to receive mail",
    },
    { from = "RFC 5321 4.2.2 (550 mailbox unavailable); Sendmail, Postfix local(8)/smtpd(8), Exim, qmail replies",
      commands = AFTER_DATA,
      "user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
      "no such address", "unknown recipient", "recipient unknown", "recipient not found", "address unknown",
      "mailbox not found", "mailbox unavailable", "mailbox does not exist", "user does not exist",
      "does not exist", "invalid recipient", "invalid mailbox", "unknown address", "address not found",
      "not a valid mailbox", "no mailbox here", "user not found", "user not exist", "is not a known user",
      "unknown local part", "unknown local-part", "no account by that name", "user doesn't exist",
      "bad destination mailbox", "invalid address", "address rejected: undeliverable", "no valid recipients",
      "recipient address rejected.", "recipient address rejected: user unknown",
      "recipient address rejected: unknown user", "adresse destinataire invalide",
    },
    { from = "Microsoft Exchange / Microsoft 365 NDR reference (RecipientNotFound, 550 5.1.10, 550 5.4.1 DBEB)",
      "recipientnotfound", "recipnotfound", "recipient name is not recognized", "name is not recognized",
      "recipient address rejected: access denied",
    },
    { from = "Gmail SMTP error reference (550 5.1.1)", commands = AFTER_DATA,
      "account that you tried to reach does not exist", "wasn't found at",
    },
    -- an MTA's own words for a recipient it could not find (not a filter's,
    -- even when the failing command is not known)
    { from = "iMail (Sisimai lib/Sisimai/Lhost/IMailServer.pm), Verizon MMS (Lhost/Verizon.pm)",
      commands = { MAIL = "rejected", DATA = "filtered" },
      "unknown user:", "invalid final delivery userid", "no valid recipients for this mm",
    },
    -- word families said in many ways ("user <addr> does not exist", "recipient
    -- <addr> was not found in ..."): the words in order, close together
    { from = "Sisimai 5 lib/Sisimai/Reason/UserUnknown.pm ($pairs), Microsoft 365 (recipient not found by SMTP "
        .. "address lookup), Postfix/Exim/qmail replies", commands = AFTER_DATA,
      { "user ", " not exist" }, { "recipient ", " not exist" }, { "address", " not exist" }, { "user ", "not found" },
      { "recipient no", "found" }, { "recipient ", " was not found in" }, { "no ", "such", "address" },
      { "invalid", "recipient" }, { "invalid", "user" }, { "bad", "recipient" }, { "unknown e", "mail address" },
      { "non", "existent user" }, { "user (", ") unknown" }, { "<", "> not found" }, { "no ", " in name directory" },
      "recipient address rejected: userunknown", "recipient is not accepted", "recipients was undeliverable",
      "no thank you rejected: account unavailable", "recipient is in my badrecipientto list",
      "weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann",
    },
    { from = "Lotus Domino / Notes (Sisimai lib/Sisimai/Lhost/Domino.pm, Lhost/Notes.pm)",
      commands = { MAIL = "rejected", DATA = "filtered" },
      "not listed in domino directory", "not listed in public name & address book",
      "non répertorié dans l'annuaire domino", "domino ディレクトリには見つかりません",
      "ディレクトリのリストにありません",
    },
    -- Yahoo refuses unknown users after DATA: there DATA does not mean a filter
    { from = "Yahoo postmaster error codes (554 delivery error: dd This user doesn't have a ... account)",
      commands = { MAIL = "rejected", none = "filtered" },
      "this user doesn't have a",
    },
    { from = "Sisimai lib/Sisimai/Reason/UserUnknown.pm", commands = AFTER_DATA,
      "can't accept user", "user missing home directory", "mailbox not present", "unknown mailbox",
      "address does not exist", "this address no longer accepts mail", "destination addresses were unknown",
      "no such person at this address", "user unknown in virtual", "user unknown in local recipient table",
      "bad address", "address invalid", "address not present in directory", "archived recipient",
      "bad recipient", "bad_recipient", "bad-recipient", "destination server rejected recipients",
      "email address could not be found", "is not an active address", "mailbox invalid", "mailbox is unavailable",
      "nessun utente simile", "no mail box available for this user", "no mailbox by that name",
      "no mailbox found", "no matches to nameserver query", "non-existent user", "nonexistent user",
      "non existent user", "not a valid recipient", "not a valid user", "not a local address",
      "invalid-recipient", "recipient is not local", "recipient not exist", "recipient not ok", "badrcptto",
      "envelope recipient has been denied", "there is no one at this address",
      "email address is wrong or no longer valid", "not in my validrcptto list", "unknown e-mail address",
      "unknown email address", "user not active", "user not known", "utilisateur inconnu",
      "invalid or unknown virtual user", "no existe dicha persona", "no existe ese usuario",
      "following recipients was undeliverable", "email name is not found",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "resolver.adr.exrecipnotfound", "recipient address reserved by rfc 2606",
      "recipient addresses in single label domains not accepted", "invalid x.400 address",
    },
    { from = "Apple iCloud Mail, Symantec Email Security.cloud (Sisimai 5 "
      .. "lib/Sisimai/Rhost/Apple.pm, MessageLabs.pm)", commands = AFTER_DATA,
      "inactive email address", "unknown or illegal alias", "recipient mailbox is not allowed",
      "mailbox is not allowed",
    },
  },
  mailboxfull = {
    { from = "RFC 3463 X.2.2; Postfix virtual(8)/local(8), Dovecot LDA, qmail, Courier, Exchange replies",
      "mailbox is full", "mailbox full", "mailbox is over quota", "over quota", "quota exceeded",
      "exceeded storage allocation", "not enough disk space", "not enough storage",
      "does not have enough space", "mailfolder is full", "mailbox size limit exceeded", "mailbox has exceeded",
      { "mailbox ", "exceeded", " limit" }, { "maildir ", "quota" }, { "account is ", " quota" },
      "not sufficient disk space", "user has exceeded quota, bouncing mail",
      "disk quota", "disc quota", "quota exceed", "mailbox quota usage exceeded", "space has been used up",
      "full mailbox", "insufficient disk space", "user's mailbox is full",
      "account is full", "inbox is full", "exceeding its mailbox quota", "mail quota exceeded", "quota full",
      "no space left", "quota violation", "boite du destinataire pleine", "too much mail data",
    },
    { from = "Sisimai lib/Sisimai/Reason/MailboxFull.pm",
      "account is exceeding their quota", "is over disk quota", "mailbox exceeded the local limit",
      "recipient reached disk quota", "would exceed maximum allowed storage", "the user's space has been used up",
      "user has too many messages on the server", "over the allowed quota",
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "inbox is out of storage space",
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/GoDaddy.pm (mailbox storage)",
      "account storage limit",
    },
  },
  suspend = {
    { from = "RFC 3463 X.2.1 (mailbox disabled); Gmail 550 5.2.1; Yahoo, QQ, 163.com, i.ua replies",
      "account disabled", "account has been disabled", "mailbox disabled", "account is disabled",
      "mailbox is disabled", "account suspended", "suspended account", "account is inactive",
      "mailbox is inactive", "mailbox unavailable: inactive", "has been suspended", "recipient suspend",
      "is disabled", "account expired", "currently suspended", "user suspended", "account is locked",
      "temporarily inactive", "deactivated mailbox", "mailbox is frozen", "boite du destinataire archivee",
      "recipient account is blocked", "invalid/inactive user",
      "mailbox unavailable or access denied", "temporary locked",
      "inactive account", "user is terminated", "this account has been temporarily suspended",
    },
    { from = "Gmail SMTP error reference (support.google.com/a/answer/3726730) as tabulated "
      .. "by Sisimai 5 lib/Sisimai/Rhost/Google.pm",
      "account that you tried to reach is inactive",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "access denied, banned recipient", "mailbox cannot be accessed",
    },
  },
  hasmoved = {
    { from = "RFC 3463 X.1.6; Sisimai lib/Sisimai/Reason/HasMoved.pm",
      "address has moved", "has been replaced by", "no longer valid; see", "recipient no longer on server",
    },
  },
  filtered = {
    { from = "Sisimai lib/Sisimai/Reason/Filtered.pm (AOL, AT&T, Facebook, Microsoft Exchange, Japanese carriers)",
      "user reject", "refused due to recipient preferences", "only accepting mail from",
      "blocked by the recipient", "is not accepting any mail", "message rejected due to user rules",
      "resolver.rst.notauthorized", "not authorized to send to", "restricted to", "this account is protected by",
      "refuse to receive mail", "has restricted sms e-mail", "message filtered",
      "not found recipient account", "refuses to receive this mail",
    },
    { from = "Lotus Domino (Cannot route mail to user), Facebook (recipient's preferences), "
      .. "as listed by Sisimai lib/Sisimai/Lhost/Domino.pm, Lhost/Facebook.pm",
      "cannot route mail to user", "preferences prevent messages from being delivered",
    },
  },
  hostunknown = {
    -- a temporary failure to resolve is a network error, not an unknown host
    temporary = "networkerror",
    { from = "RFC 3463 X.1.2; Postfix smtp(8), Sendmail, Exim, Gmail DNS errors", commands = SENDER_AT_MAIL,
      "host unknown", "unknown host", "domain not found", "no such domain", "domain does not exist",
      "host or domain name not found", "name or service not known", "unrouteable address",
      "unroutable address", "couldn't find any host named", "host not found", "domain name not found",
      "nxdomain", "unknown domain", "recipient domain must exist", "domain is not found",
      "domain is not reachable", "the account or domain may not exist", "domain must exist",
      "mail domain mentioned in email address is unknown",
    },
    { from = "DragonFly Mail Agent dma (DNS lookup failure: host ... not found)",
      "dns lookup failure",
    },
    { from = "Exim router errors (all host address lookups failed permanently, all relevant MX records point to "
      .. "non-existent hosts), KDDI notices; as listed by Sisimai lib/Sisimai/Lhost/Exim.pm, Lhost/KDDI.pm",
      "all host address lookups failed permanently", "all relevant mx records point to non-existent hosts",
      "as the remote domain doesnt exist",
      -- Sisimai 5 lib/Sisimai/Reason/HostUnknown.pm
      { "unrout", "able ", "address" }, "domain mentioned in email address is unknown",
    },
  },
  notaccept = {
    { from = "RFC 7505 (null MX); Exim, qmail, Sendmail, iCloud, Yahoo replies",
      "does not accept mail", "null mx", "not accepting mail", "host does not accept", "no longer accepts mail",
      "does not receive mail", "not accept any mail", "indicated no smtp service", "no mx record found for domain",
      "couldn't find a mail exchanger",
    },
    { from = "Exim (no host found for existing SMTP connection), OpenSMTPD (Destination seem to reject all mails), "
      .. "as listed by Sisimai lib/Sisimai/Lhost/Exim.pm, Lhost/OpenSMTPD.pm",
      "no host found for existing smtp connection", "destination seem to reject all mails",
      -- Sisimai 5 lib/Sisimai/Reason/NotAccept.pm
      { "no mx ", "found for " }, "mail receiving disabled", "no route for current request",
    },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "system not accepting network messages", "hosted tenant which has no mail-enabled subscriptions",
      "missing or bad storedriver mdb properties",
    },
    { from = "Sisimai 5 lib/Sisimai/Rhost/Mimecast.pm (disabled accounts)",
      "account inbounds disabled",
    },
  },
  systemfull = {
    { from = "RFC 3463 X.3.1; Sisimai lib/Sisimai/Reason/SystemFull.pm", "mail system full" },
    -- qmail-remote's words for a remote disk that is full (outranks "mailbox unavailable")
    { from = "qmail (mailbox unavailable (not enough free space)), Sisimai lib/Sisimai/Lhost/qmail.pm",
      "mailbox unavailable (not enough free space)" },
    { from = "Microsoft 365 NDR reference (learn.microsoft.com, Exchange Online NDRs) as "
      .. "tabulated by Sisimai 5 lib/Sisimai/Rhost/Microsoft.pm",
      "insufficient system resources",
    },
  },
}
