--- Bounce reason classification, in Sisimai's vocabulary.
-- The order is: hints set by an MTA reader (feedback, vacation, ...), the
-- diagnostic type (x-unix is a local mailer error), the remote server's
-- words (first match in `ORDER` wins), then the enhanced status code, then
-- the action and the SMTP command. Patterns are lower-case plain substrings
-- (no regular expressions), checked against the folded diagnostic; the
-- phrases are modelled on Sisimai's `Sisimai::Reason::*` and on the
-- providers' published error texts.
-- @module spfkit.bounce.reason
local M = {}

local byte, find, lower, match, sub, gmatch = string.byte, string.find, string.lower, string.match, string.sub,
  string.gmatch

--- Phrase lists per reason, checked in `ORDER`.
M.PHRASES = {
  authfailure = {
    "sender is unauthenticated", "mail is unauthenticated", "email is unauthenticated",
    "unauthenticated email", "must authenticate with", "did not pass with ip",
    "= did not pass", "dkim checks did not pass", "spf check for",
    "multiple authentication checks failed", "dmarc policy", "does not pass dmarc",
    "dmarc verification", "required authentication level", "per it's spf record",
    "per its spf record", "bad spf record", "spf record with a hard fail", "fails to pass spf",
    "spf validation fail", "spf check failed", "spf fail", "sender policy framework",
    "dkim signature", "isn't aligned with either the authenticated", "dmarc rejection",
    "not authenticated by spf", "has an spf record",
  },
  requireptr = {
    "ptr record", "reverse dns", "rdns", "reverse lookup", "no ptr", "reverse dns entry",
    "fix reverse dns", "cannot find your hostname", "cannot resolve your address",
    "ip name lookup failed", "does not have a reverse",
  },
  speeding = {
    "unusual rate of unsolicited mail", "has been rate limited", "rate limited",
    "temporarily rate limited", "too many messages", "sending rate", "exceeded the rate limit",
  },
  badreputation = {
    "low reputation", "poor reputation", "poor email reputation", "reputation of your ip",
    "ip/domain reputation problems", "bad reputation",
  },
  mailboxfull = {
    "mailbox is full", "mailbox full", "mailbox is over quota", "over quota", "quota exceeded",
    "exceeded storage allocation", "not enough disk space", "not enough storage",
    "does not have enough space", "mailfolder is full", "mailbox size limit exceeded",
    "mailbox has exceeded", "disk quota", "full mailbox", "insufficient disk space",
    "user's mailbox is full", "account is full", "inbox is full", "exceeding its mailbox quota",
    "mail quota exceeded", "quota full", "no space left",
  },
  mesgtoobig = {
    "message too large", "message is too large", "message size exceeds", "message too big",
    "exceeds size limit", "size limit exceeded", "message size limit", "exceeds the maximum size",
    "message file too big", "message length exceeds", "mail size limit", "maximum message size",
  },
  exceedlimit = {
    "exceeds the local limit", "message too many recipients", "too many recipients",
  },
  suspend = {
    "account disabled", "account has been disabled", "mailbox disabled", "account is disabled",
    "mailbox is disabled", "account suspended", "suspended account", "account is inactive",
    "mailbox is inactive", "mailbox unavailable: inactive", "has been suspended",
    "recipient suspend", "is disabled", "account expired", "currently suspended",
  },
  hasmoved = { "address has moved", "has been replaced by", "no longer valid; see" },
  norelaying = {
    "relay access denied", "relaying denied", "relay denied", "relaying not allowed",
    "not permitted to relay", "unable to relay", "relay not permitted", "we do not relay",
    "relaying disallowed", "not an open relay", "relaying mail to", "no relaying",
    "not allowed to relay", "relay prohibited",
  },
  userunknown = {
    "user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
    "no such address", "unknown recipient", "recipient unknown", "recipient not found",
    "recipientnotfound", "recipnotfound", "address unknown", "mailbox not found",
    "mailbox unavailable", "mailbox does not exist", "user does not exist",
    "does not exist", "invalid recipient", "invalid mailbox", "unknown address",
    "address not found", "not a valid mailbox", "no mailbox here", "user not found",
    "account that you tried to reach does not exist", "is not a known user",
    "recipient address rejected: user unknown", "recipient address rejected: unknown user",
    "name is not recognized", "unknown local part", "unknown local-part", "no account by that name",
    "user doesn't exist", "wasn't found at", "bad destination mailbox",
    "invalid address", "address rejected: undeliverable", "no valid recipients",
  },
  hostunknown = {
    "host unknown", "unknown host", "domain not found", "no such domain", "domain does not exist",
    "host or domain name not found", "name or service not known", "unrouteable address",
    "unroutable address", "couldn't find any host named", "host not found",
    "domain name not found", "no mx record", "nxdomain", "unknown domain",
    "recipient domain must exist", "domain is not found",
  },
  notaccept = {
    "does not accept mail", "null mx", "not accepting mail", "host does not accept",
    "no longer accepts mail", "does not receive mail", "not accept any mail",
  },
  spamdetected = {
    "spam", "junk mail", "message was classified as", "content filter", "bulk mail",
    "unsolicited", "rejected by spamassassin", "suspicious", "phishing", "x-spam",
  },
  toomanyconn = {
    "too many connections", "too many concurrent", "connection limit", "too many smtp sessions",
    "too many simultaneous", "max connections",
  },
  blocked = {
    "blocked using", "blacklisted", "blocklisted", "block list", "blocklist", "dnsbl", "rbl",
    "spamhaus", "spamcop", "barracuda", "client host rejected", "use the smtp server of your isp",
    "access denied", "connection refused", "ip address blocked", "your ip", "listed at",
    "listed in", "is blocked", "been blocked", "dynamic ip", "dial-up", "dialup",
    "helo command rejected", "go away", "not currently accepting mail from your ip",
    "banned sending ip", "sender ip address rejected", "ip blocked", "blocked by",
  },
  policyviolation = {
    "header error", "policy reasons", "denied by policy", "local policy", "policy violation",
    "violates our policy", "organizational settings", "organization policy", "protocol violation",
    "illegal attachment", "members-only list", "closed mailing list", "not accepting mail with",
    "security policies", "prohibited attachment", "attachment is not allowed",
  },
  rejected = {
    "purported responsible address", "sender rejected", "sender address rejected",
    "sender verify failed", "invalid sender", "domain of sender address", "sender is in my black list",
    "sender not pre-approved", "sender email address rejected", "null sender is not allowed",
    "empty envelope senders", "bogus mail from", "administrative prohibition",
    "unroutable sender", "sender domain", "sender address has been blacklisted",
    "fully qualified email address required", "not owned by user",
  },
  filtered = {
    "user reject", "refused due to recipient preferences", "only accepting mail from",
    "blocked by the recipient", "is not accepting any mail", "message rejected due to user rules",
    "resolver.rst.notauthorized", "not authorized to send to", "restricted to",
  },
  contenterror = {
    "message content rejected", "content rejected", "invalid message content",
    "improper use of 8-bit data", "8bit data", "header line too long", "line too long",
    "bad message content", "message header is not", "mime",
  },
  failedstarttls = {
    "starttls", "tls is required", "must issue a starttls", "encryption required",
    "requires tls", "tls required",
  },
  securityerror = {
    "authentication required", "authentication is required", "relay authentication",
    "password", "5.7.8", "smtp auth", "virus", "malware", "infected",
  },
  expired = {
    "retry timeout exceeded", "delivery time expired", "has been in the queue too long",
    "message expired", "maximum time", "not going to try again", "could not be delivered within",
    "time limit exceeded", "retry time not reached for any host", "timeout exceeded",
  },
  networkerror = {
    "lost connection", "network is unreachable", "no route to host", "connection reset",
    "mail loop", "routing loop", "too many hops", "loops back to myself", "bad connection",
    "name server failure", "temporary failure in name resolution", "host not reachable",
  },
  systemerror = {
    "system error", "internal error", "server error", "local error", "temporary local problem",
    "system failure", "resources temporarily unavailable", "i/o error", "configuration error",
    "not capable", "service not available", "temporarily unavailable",
  },
  mailererror = {
    "command output", "procmail", "command died with status", "mailer error", "exit status",
    "pipe to |", "unknown mailer", "x-unix",
  },
}

--- Order in which the phrase lists are tried (the first match wins).
M.ORDER = {
  "authfailure", "requireptr", "speeding", "badreputation", "mailboxfull", "mesgtoobig",
  "exceedlimit", "suspend", "hasmoved", "norelaying", "notaccept", "hostunknown",
  "userunknown", "toomanyconn", "blocked", "policyviolation", "rejected",
  "filtered", "spamdetected", "failedstarttls", "contenterror", "securityerror", "expired",
  "networkerror", "systemerror", "mailererror",
}

--- Enhanced status codes with a reason of their own.
M.STATUS = {
  ["4.7.26"] = "authfailure", ["5.7.26"] = "authfailure",
  ["4.7.27"] = "authfailure", ["5.7.27"] = "authfailure",
  ["4.7.30"] = "authfailure", ["5.7.30"] = "authfailure",
  ["4.7.32"] = "authfailure", ["5.7.32"] = "authfailure",
  ["5.7.40"] = "authfailure", ["4.7.40"] = "authfailure",
  ["5.7.20"] = "authfailure", ["5.7.21"] = "authfailure", ["5.7.22"] = "authfailure",
  ["5.7.23"] = "authfailure", ["5.7.24"] = "authfailure", ["4.7.24"] = "authfailure",
  ["5.7.509"] = "authfailure", ["5.7.515"] = "authfailure",
  ["4.7.25"] = "requireptr", ["5.7.25"] = "requireptr",
  ["4.7.28"] = "speeding", ["5.7.28"] = "speeding",
  ["4.7.0"] = "securityerror", ["5.7.0"] = "securityerror",
  ["4.7.1"] = "blocked", ["5.7.1"] = "securityerror", ["5.7.13"] = "suspend",
  ["5.7.9"] = "securityerror", ["5.7.8"] = "securityerror",
  ["5.7.17"] = "hasmoved", ["5.7.18"] = "hasmoved", ["5.7.16"] = "mesgtoobig",
  ["4.1.6"] = "hasmoved", ["5.1.6"] = "hasmoved",
  ["5.1.0"] = "userunknown", ["5.1.1"] = "userunknown", ["4.1.1"] = "userunknown",
  ["5.1.3"] = "userunknown", ["5.1.10"] = "userunknown",
  ["5.1.2"] = "hostunknown", ["5.4.4"] = "hostunknown",
  ["5.1.4"] = "filtered", ["5.1.7"] = "rejected", ["5.1.8"] = "rejected",
  ["4.1.7"] = "rejected", ["4.1.8"] = "rejected",
  ["5.2.0"] = "filtered", ["5.2.1"] = "filtered", ["4.2.1"] = "suspend",
  ["5.2.2"] = "mailboxfull", ["4.2.2"] = "mailboxfull",
  ["5.2.3"] = "exceedlimit", ["4.2.3"] = "exceedlimit",
  ["5.3.4"] = "mesgtoobig", ["5.3.2"] = "notaccept", ["4.3.2"] = "notaccept",
  ["4.4.1"] = "expired", ["4.4.7"] = "expired", ["5.4.7"] = "expired",
  ["4.4.2"] = "networkerror", ["4.4.4"] = "networkerror", ["4.4.6"] = "networkerror",
  ["5.4.6"] = "networkerror", ["5.4.0"] = "networkerror",
  ["5.5.3"] = "toomanyconn", ["4.5.3"] = "toomanyconn",
  ["5.3.0"] = "systemerror", ["5.3.5"] = "systemerror", ["4.3.5"] = "systemerror",
  ["5.5.4"] = "systemerror", ["5.5.5"] = "systemerror",
}

-- Index of the phrases by their longest word, so that a text is checked
-- against the few phrases whose key word it contains rather than against
-- all of them. Short one-word phrases, which also occur inside longer words
-- ("spam" in "antispam"), are always checked.
local INDEX, ALWAYS
local function build_index()
  INDEX, ALWAYS = {}, {}
  for rank, name in ipairs(M.ORDER) do
    for prank, phrase in ipairs(M.PHRASES[name]) do
      local entry = { rank * 1000 + prank, name, phrase }
      local word = ""
      for w in gmatch(phrase, "%w+") do if #w > #word then word = w end end
      if word == "" or (#word <= 5 and not find(phrase, "[^%w]")) then
        ALWAYS[#ALWAYS + 1] = entry
      else
        local key = word
        local list = INDEX[key]
        if not list then list = {}; INDEX[key] = list end
        list[#list + 1] = entry
      end
    end
  end
end

local function first_phrase(l)
  if not INDEX then build_index() end
  local best, bname, bphrase = math.huge, nil, nil
  for i = 1, #ALWAYS do
    local e = ALWAYS[i]
    if e[1] < best and find(l, e[3], 1, true) then best, bname, bphrase = e[1], e[2], e[3] end
  end
  local seen = {}
  for token in gmatch(l, "%w+") do
    local w = token
    for k = 1, 2 do
      if k == 2 then
        -- plurals: "records" finds the phrases keyed by "record"
        if byte(w, -1) ~= 115 then break end
        w = sub(w, 1, -2)
      end
      local list = INDEX[w]
      if list and not seen[w] then
        seen[w] = true
        for j = 1, #list do
          local e = list[j]
          if e[1] < best and find(l, e[3], 1, true) then best, bname, bphrase = e[1], e[2], e[3] end
        end
      end
    end
  end
  return bname, bphrase
end

--- Classify text alone (no status, no command).
-- @tparam string s diagnostic text
-- @treturn ?string reason
function M.match(s)
  if not s or s == "" then return nil end
  return (first_phrase(lower(s)))
end

local function status_reason(st, l)
  if not st then return nil end
  local r = M.STATUS[st]
  if r == "authfailure" and (st == "5.7.27" or st == "4.7.27") then
    -- 5.7.27 is Gmail's SPF rate limit/block, but RFC 7505 says null MX
    if not (find(l, "spf", 1, true) or find(l, "authenticat", 1, true)) then r = "notaccept" end
  end
  if r then return r end
  local cls, subj = match(st, "^(%d)%.(%d+)")
  if cls == "2" then return "delivered" end
  if subj == "6" then return "contenterror" end
  if subj == "7" then return cls == "4" and "blocked" or "securityerror" end
  return nil
end

--- Classify one recipient entry.
-- @tparam table r entry: `status`, `status_in_mail` (a code really present
--   in the message), `action`, `command`, `diagnostic`, `diagnostic_type`,
--   `reason_hint`, `texts` (extra texts, most specific first)
-- @treturn string reason
function M.classify(r)
  if r.reason_hint then return r.reason_hint end
  local st = r.status_in_mail
  if r.action == "delivered" or (st and sub(st, 1, 2) == "2.") then return "delivered" end
  local dtype = lower(r.diagnostic_type or "")
  if dtype == "x-unix" then return "mailererror" end
  local texts = {}
  if r.texts then for i = 1, #r.texts do texts[#texts + 1] = r.texts[i] end end
  texts[#texts + 1] = r.diagnostic
  local all = {}
  for i = 1, #texts do
    local t = texts[i]
    if t and t ~= "" then
      local l = lower(t)
      all[#all + 1] = l
      local reason, phrase = first_phrase(l)
      if reason == "authfailure" and phrase == "dmarc policy"
         and find(l, "not accepted for policy reasons", 1, true) then
        reason = "policyviolation"
      end
      if reason == "userunknown" then
        -- "user unknown" after the recipient was accepted is a filter
        local subj = st and match(st, "^%d%.(%d+)%.")
        local cmd = r.command
        if subj ~= "1" and cmd ~= "RCPT" and cmd ~= "MAIL" and not (st and M.STATUS[st] == "userunknown") then
          reason = "filtered"
        end
      end
      if reason then return reason end
    end
  end
  local l = table.concat(all, " ")
  local sr = status_reason(st or r.status, l)
  if sr and not (sr == "securityerror" and r.action == "delayed") then return sr end
  if r.action == "delayed" then return "expired" end
  local cmd = r.command
  if cmd == "EHLO" or cmd == "HELO" or cmd == "CONN" then return "blocked" end
  if sr then return sr end
  if r.diagnostic and r.diagnostic ~= "" then return "onhold" end
  return "undefined"
end

return M
