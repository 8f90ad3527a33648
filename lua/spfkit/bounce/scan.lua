--- The MTA readers: which one wrote a notification (signatures) and which
-- readers to try. The readers themselves live in files by family under
-- `spfkit.bounce.readers.*`; each takes the notification as an array of
-- lines and returns a list of records `{recipient=, diagnostic=,
-- remote_mta=, remote_ip=, command=, action=, texts=, reason_hint=}`
-- (diagnostic is raw, cleaned later), or an empty list when the text is not
-- in its format.
-- @module spfkit.bounce.scan
local util = require "spfkit.bounce.readers.util"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower = string.find, string.lower

--- Name an SMTP command from a phrase (see `spfkit.bounce.readers.util.command`).
M.command = util.command

for _, family in ipairs({ "unix", "transcript", "webmail", "microsoft", "ibm", "japan", "json", "generic" }) do
  for name, fn in pairs(require("spfkit.bounce.readers." .. family)) do M[name] = fn end
end

--- MTA signatures: `{name, test(text, headers_map), reader}` in order.
M.SIGNATURES = {
  { "qmail", function(t) return find(t, "This is the qmail-send program", 1, true) end, "qmail" },
  { "postfix", function(t) return find(t, "This is the mail system at host", 1, true)
      or find(t, "This is the Postfix program", 1, true) end, "postfix" },
  { "exim", function(t, h) return find(t, "created automatically by mail delivery software", 1, true)
      or (h["x-failed-recipients"] and find(t, "address(es) failed", 1, true)) end, "exim" },
  { "sendmail", function(t) return find(t, "----- Transcript of session follows -----", 1, true)
      or find(t, "----- The following addresses had", 1, true) end, "sendmail" },
  { "courier", function(t) return find(t, "Courier mail server", 1, true) end, "transcript" },
  { "dragonfly", function(t) return find(t, "DragonFly Mail Agent", 1, true) end, "dragonfly" },
  { "opensmtpd", function(t) return find(t, "This is the MAILER-DAEMON, please DO NOT REPLY", 1, true) end,
    "opensmtpd" },
  { "gmail", function(t, h) return find(lower(h.from or ""), "mailer-daemon@google", 1, true)
      or find(t, "Google tried to deliver your message", 1, true) end, "gmail" },
  { "office365", function(t, h) local x = h["x-ms-exchange-message-is-ndr"] ~= nil
      local l = lower((h["message-id"] or "") .. " " .. (h["x-originatororg"] or ""))
      return x and (find(l, "outlook.com", 1, true) or find(l, "exchangelabs.com", 1, true)
        or find(l, "onmicrosoft.com", 1, true) or find(t, "Office 365", 1, true)) end, "exchange" },
  { "exchange", function(t, h) return h["x-ms-embedded-report"]
      or find(t, "did not reach the following recipient", 1, true) end, "exchange2003" },
  { "exchange", function(t, h) return h["x-ms-exchange-message-is-ndr"] ~= nil
      or find(t, "Diagnostic information for administrators", 1, true) end, "exchange" },
  { "notes", function(t) return find(t, "------- Failure Reasons", 1, true) end, "notes" },
  { "ezweb", function(_, h) return find(lower(h.from or ""), "ezweb.ne.jp", 1, true) end, "transcript" },
  { "kddi", function(t, h) local f = lower(h.from or "")
      return find(f, "dion.ne.jp", 1, true) or find(f, "auone-net.jp", 1, true)
        or find(t, "Could not be delivered to:", 1, true) end, "kddi" },
  { "amazonses", function(t) return find(t, '"notificationType', 1, true) or find(t, '\\"notificationType', 1, true)
      end, "ses" },
  { "dovecot", function(t) return find(t, "was automatically rejected:", 1, true) end, "rejected" },
}

--- Readers tried, in order, when the signature's own reader finds nothing.
M.FALLBACK = { "postfix", "exim", "sendmail", "qmail", "transcript", "dragonfly", "opensmtpd", "gmail",
  "exchange", "exchange2003", "kddi", "rejected" }

--- The MTA a fallback reader's format names (default: the reader's name);
-- false when other MTAs write the same words ("Delivery to the following
-- recipients failed" is Gmail's and Microsoft's).
M.FALLBACK_MTA = { transcript = "courier", gmail = false }

--- Words (lower case, plain) one of which a fallback reader needs in the
-- notice to find any record: the lines its records start from. A reader
-- whose words are all absent is not run (most notices would make it walk
-- every line for nothing). Readers not listed always run.
M.NEEDS = {
  exim = { "address(es) failed", "not yet been delivered", "address(es) deferred", "could not be delivered to" },
  sendmail = { "-----" },
  qmail = { ">:" },
  transcript = { ">:", "recipient:" },
  dragonfly = { "error delivering your mail to <" },
  opensmtpd = { "list of recipients" },
  gmail = { "delivery to the following recipient", "delivery to these recipients", "deliver" },
  exchange = { "diagnostic information for administrators", "your message to " },
  exchange2003 = { "did not reach the following recipient" },
  kddi = { "could not be delivered to:" },
  rejected = { "was automatically rejected:" },
}

--- Whether a fallback reader may find records in a notice.
-- @tparam string name reader name
-- @tparam string l the notice in lower case
-- @treturn boolean
function M.may_read(name, l)
  local words = M.NEEDS[name]
  if not words then return true end
  for i = 1, #words do
    if find(l, words[i], 1, true) then return true end
  end
  return false
end

--- Identify the MTA that wrote a notification.
-- @tparam string t notification text
-- @tparam table h bounce headers map
-- @treturn ?string mta name
-- @treturn ?string reader name
function M.identify(t, h)
  for i = 1, #M.SIGNATURES do
    local s = M.SIGNATURES[i]
    if s[2](t, h) then return s[1], s[3] end
  end
  return nil
end

return M
