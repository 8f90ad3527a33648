--- Provider-specific reason data: error codes that one provider prints in
-- its replies, and phrases whose meaning depends on the provider that said
-- them. Data only; read by `spfkit.bounce.reason` before the status code
-- and the generic phrase tables (a provider's own code is the most specific
-- fact a reply carries).
--
-- `codes`: `{provider, from, keys = {plain words one of which the reply
-- must contain}, patterns = {Lua patterns on the lower-cased
-- reply, capturing the code}, codes = {[code] = reason}, ranges = {{low,
-- high, reason}}}`; a code with no reason in the table decides nothing.
-- `receivers`: per `spfkit.bounce.receiver` name (the provider that refused,
-- else the one that wrote the notice), `phrases` (`{phrase,
-- reason}`, plain, lower case, first match wins) and `commands` (the
-- reason of a reply with only a generic X.0.0 status, by the SMTP command
-- that failed).
-- `headers`: a verdict a provider writes into its notice's own header
-- (`{field (lower case), value (plain, lower case), reason, from}`): it
-- decides before the reply's words, which such notices rarely quote.
-- @module spfkit.bounce.reasons.providers
return {
  codes = {
    { "orange",
      from = "Orange / La Poste error codes (LPNnnn_nnn, OFRnnn_nnn, OUK_nnn) as listed by Sisimai "
        .. "lib/Sisimai/Rhost/FrancePTT.pm (from postmaster.orange.fr / laposte.net help pages)",
      keys = { "lpn", "ofr", "ouk" },
      patterns = { "%f[%w]lpn%d%d%d[%-_](%d%d%d)%f[%D]", "%f[%w]lpnaaa_(%d%d%d)%f[%D]", "%f[%w]ofr_(%d%d%d)%f[%D]",
        "%f[%w]ofr%d%d%d[%-_](%d%d%d)%f[%D]", "%f[%w]ouk_(%d%d%d)%f[%D]", "%f[%w]ouk%d%d%d[%-_](%d%d%d)%f[%D]",
        "%f[%w]lpn_(%d%d%d)%f[%D]" },
      codes = {
        ["101"] = "blocked", ["102"] = "blocked", ["103"] = "blocked", ["104"] = "toomanyconn",
        ["305"] = "securityerror", ["401"] = "blocked", ["402"] = "securityerror", ["403"] = "rejected",
        ["405"] = "rejected", ["415"] = "rejected", ["416"] = "userunknown", ["417"] = "mailboxfull",
        ["418"] = "userunknown", ["420"] = "suspend", ["421"] = "rejected", ["426"] = "suspend",
        ["505"] = "systemerror", ["506"] = "spamdetected", ["510"] = "blocked", ["514"] = "mesgtoobig",
        ["517"] = "policyviolation", ["630"] = "policyviolation", ["999"] = "blocked",
      },
    },
    { "spectrum",
      from = "Spectrum (Charter) AUP#nnnn codes, spectrum.net/support/internet/understanding-email-error-codes "
        .. "(as listed by Sisimai lib/Sisimai/Rhost/Spectrum.pm)",
      keys = { "aup#" },
      patterns = { "aup#[%-%a]*(%d%d%d%d)" },
      codes = {
        ["1000"] = "blocked", ["1010"] = "rejected", ["1090"] = "systemerror", ["1260"] = "networkerror",
        ["1500"] = "rejected", ["1520"] = "rejected", ["1530"] = "mesgtoobig", ["1540"] = "toomanyconn",
        ["1550"] = "toomanyconn", ["1560"] = "policyviolation",
      },
      ranges = { { 1020, 1080, "rejected" }, { 1100, 1150, "blocked" }, { 1160, 1190, "policyviolation" },
        { 1200, 1210, "blocked" }, { 1220, 1250, "blocked" }, { 1300, 1340, "toomanyconn" },
        { 1350, 1490, "toomanyconn" } },
    },
  },
  -- `dsn_fields`: a vendor's own per-recipient DSN field naming the
  -- reason (`{field, values = {[value] = reason}, from}`)
  dsn_fields = {
    { "x-powermta-bouncecategory",
      from = "PowerMTA bounce categories (X-PowerMTA-BounceCategory), as Sisimai lib/Sisimai/Lhost/PowerMTA.pm "
        .. "maps them",
      values = { ["bad-domain"] = "hostunknown", ["bad-mailbox"] = "userunknown", ["inactive-mailbox"] = "suspend",
        ["message-expired"] = "expired", ["no-answer-from-host"] = "networkerror",
        ["policy-related"] = "policyviolation",
        ["quota-issues"] = "mailboxfull", ["routing-errors"] = "systemerror", ["spam-related"] = "spamdetected" } },
  },
  headers = {
    { "x-spasign", "ng", "filtered",
      from = "au (KDDI, EZweb) notices: X-SPASIGN: NG marks a refusal by the recipient's own reception filter "
        .. "(Sisimai lib/Sisimai/Lhost/EZweb.pm)" },
  },
  receivers = {
    microsoft = { from = "Outlook.com / Hotmail (Sisimai lib/Sisimai/Lhost/Outlook.pm, Rhost/ExchangeOnline.pm)",
      phrases = { { "requested action not taken: mailbox unavailable", "userunknown" } } },
    -- au (KDDI): "550 <addr>: User unknown" is the directory, "550 : User
    -- unknown" (no address) its content filter
    au = { from = "Sisimai lib/Sisimai/Rhost/KDDI.pm (replies of lsean.ezweb.ne.jp / msmx.au.com)",
      phrases = { { ">: user unknown", "userunknown" }, { "550 : user unknown", "filtered" } } },
    -- Symantec Email Security.cloud answers an address its customer has not
    -- registered with its own code 542 ("542 <addr> Rejected")
    messagelabs = {
      from = "Symantec Email Security.cloud (MessageLabs) notices, Sisimai lib/Sisimai/Lhost/MessageLabs.pm",
      phrases = { { "542 ", "userunknown" } } },
    -- Zoho Mail gives up on an unreachable host with "ERROR_CODE :421 ...
    -- Host not reachable" once its retries are over
    zoho = { from = "Zoho Mail delivery failure notices, Sisimai lib/Sisimai/Lhost/Zoho.pm",
      phrases = { { "host not reachable", "expired" } } },
    docomo = { from = "Sisimai lib/Sisimai/Rhost/NTTDOCOMO.pm (replies of mfsmax.docomo.ne.jp)",
      phrases = { { "552 too much mail data", "mailboxfull" }, { "552 too many recipients", "toomanyconn" } },
      commands = { RCPT = "userunknown", DATA = "rejected" } },
  },
}
