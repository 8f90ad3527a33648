-- Bounces written at test time: a Postfix notice of Gmail's 550 5.7.26 for
-- (domain, ip), as the hosting notices show it, with the copy of the
-- original message's header after it.
--
--   local bounces = require "spec.support.bounces"
--   bounces.gmail("example.jp", "203.0.113.45", { host = "www1234.sakura.ne.jp" })
local M = {}

--- opts: host (the server that wrote the bounce, default
-- "mail.hosting.example"), user (the sender's local part, default "info"),
-- name (its display name, default "Info"), subject (default "test"),
-- extra (a header line of the original, instead of its Subject:),
-- mx_ip (Gmail's address, default 142.250.157.26).
function M.gmail(domain, ip, opts)
  opts = opts or {}
  local host, user = opts.host or "mail.hosting.example", opts.user or "info"
  return table.concat({
    "From: MAILER-DAEMON@" .. host .. " (Mail Delivery System)",
    "Subject: Undelivered Mail Returned to Sender",
    "To: " .. user .. "@" .. domain,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "This is the mail system at host " .. host .. ".",
    "",
    "<" .. (opts.rcpt or "user") .. "@gmail.com>: host gmail-smtp-in.l.google.com["
      .. (opts.mx_ip or "142.250.157.26") .. "] said:",
    "550-5.7.26 This mail is unauthenticated, which poses a security risk to the",
    "550-5.7.26 sender and Gmail users, and has been blocked. The sender must",
    "550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,",
    "550-5.7.26 DKIM checks did not pass and SPF check for [" .. domain .. "] did",
    "550-5.7.26 not pass with ip: [" .. ip .. "]. The sender should visit",
    "550 5.7.26 https://support.google.com/mail/answer/81126#authentication",
    "",
    "--- Below this line is a copy of the message.",
    "",
    "Return-Path: <" .. user .. "@" .. domain .. ">",
    "From: " .. (opts.name or "Info") .. " <" .. user .. "@" .. domain .. ">",
    opts.extra or ("Subject: " .. (opts.subject or "test")),
    "",
    "Hello",
  }, "\n")
end

return M
