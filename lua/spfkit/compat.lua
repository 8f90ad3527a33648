--- spfkit.compat: the libspf2 compatibility engine.
--
-- `spfkit.check{ ..., engine = "libspf2" }` lands here: the same check
-- evaluated by Debian's libspf2 1.2.10 (what Exim, OpenDMARC and sendmail
-- milters run), over spfkit's own DNS source (`dns = zone|resolver`), with
-- the result reshaped like spfkit's. Every record and TXT string is
-- screened before libspf2 may compile it (CVE-2023-42118; the bound is
-- explained in csrc/libspf2.c); a record that fails the screen gives
-- `{ result = "screened", explanation = <why> }`.
--
-- Known differences from RFC 7208 (../shared/notes/libspf2-conformance.md)
-- are libspf2's own and are reported as they are, not corrected.
-- @module spfkit.compat

local core = require "spfkit.core"

local type, error = type, error

local M = {
  --- libspf2 version the C core was built against ("1.2.10").
  version = core.libspf2_version,
}

local TRACE_NOTE = "libspf2 asks the DNS layer itself and may ask the same name more "
  .. "than once (an exp= TXT is fetched for the explanation and again for the SMTP "
  .. "comment); the trace is kept as asked, not deduplicated"

local function unsupported(message)
  return nil, require("spfkit.errors").new("unsupported", message)
end

-- The seven RFC 7208 names for libspf2's raw result. SPF_RESULT_INVALID
-- (a top-level record libspf2 cannot compile, or a top-level TXT lookup
-- that failed) is read leniently: temperror when libspf2 reported a DNS
-- failure, else permerror. The raw name stays in libspf2_result.
local function rfc_result(raw)
  if raw.libspf2_result == "invalid" then
    return raw.dns_error and "temperror" or "permerror"
  end
  return raw.libspf2_result
end

--- Evaluate check_host() with libspf2 (called by spfkit.check for
-- engine = "libspf2"; options are checked there).
-- @tparam table opts the spfkit.check options; `dns` is required, `query`
--   (deferred DNS) is refused, `limits.void_lookups` and `now` have no
--   libspf2 equivalent and are ignored
-- @return a result table like spfkit's plus `engine = "libspf2"`,
--   `libspf2_result` (raw: "invalid", "pass", ...), `reason`,
--   `smtp_comment`, `libspf2_received_spf` (what libspf2 itself writes),
--   `messages` (libspf2's errors and warnings) and `notes`; or
--   `{ result = "screened", explanation = <why>, ... }`; or `nil, err`
--   (bad-ip, bad-sender, unsupported)
function M.check(opts)
  if type(opts) ~= "table" then
    error("spfkit.compat.check: expected a table of options", 2)
  end
  if opts.query then
    return unsupported("engine \"libspf2\" cannot use query= (deferred DNS): libspf2 "
      .. "calls DNS synchronously from C; give dns = a zone or resolver instead")
  end
  if not opts.dns or not core.is_source(opts.dns) then
    return unsupported("engine \"libspf2\" needs dns = a zone or resolver")
  end
  local raw, err = core.libspf2_check(opts)
  if not raw then return nil, err end
  local r = {
    engine = "libspf2", identity = raw.identity, domain = raw.domain,
    sender = raw.sender, ip = raw.ip, trace = raw.trace, trace_note = TRACE_NOTE,
    log = raw.log,
  }
  if raw.screened then
    r.result = "screened"
    r.explanation = "not passed to libspf2: " .. raw.screen_reason
    r.problem = r.explanation
    return r
  end
  if raw.fatal then
    r.result = "temperror"
    r.libspf2_result = "error"
    r.problem = "libspf2 stopped on an internal error" .. (raw.log and (": " .. raw.log) or "")
    return r
  end
  r.libspf2_result = raw.libspf2_result
  r.result = rfc_result(raw)
  r.reason = raw.reason
  r.lookups = raw.lookups
  r.smtp_comment = raw.smtp_comment
  r.header_comment = raw.header_comment
  r.libspf2_received_spf = raw.libspf2_received_spf
  r.messages = raw.messages
  r.problem = raw.problem
  if r.result == "fail" then r.explanation = raw.explanation end
  local notes = {}
  if raw.libspf2_result == "invalid" then
    notes[#notes + 1] = "libspf2 returned SPF_RESULT_INVALID; Exim reads that as 'invalid', "
      .. "shown here as " .. r.result
  end
  if raw.reason == "localhost" then
    notes[#notes + 1] = "libspf2 passes loopback clients without looking at DNS"
  end
  if opts.limits and opts.limits.void_lookups then
    notes[#notes + 1] = "libspf2 has no void-lookup limit; limits.void_lookups was ignored"
  end
  if #notes > 0 then r.notes = notes end
  return r
end

--- Compile a record with libspf2's compiler (after the screen).
-- For the lint finding `compat-libspf2`.
-- @tparam string text the record, e.g. "v=spf1 ip4:0.0.0.0/0 -all"
-- @return `{ ok = true, messages = {...} }` (messages may hold warnings),
--   `{ ok = false, message = <libspf2's compile error>, error =, messages = }`,
--   or `{ ok = false, screened = true, message = <why> }`
function M.compile(text)
  if type(text) ~= "string" then
    error("spfkit.compat.compile: expected a string, got " .. type(text), 2)
  end
  local r = core.libspf2_compile(text)
  if r.screened then r.message = "not passed to libspf2: " .. r.message end
  return r
end

--- The screen alone: nil when text may go to libspf2, else the reason.
-- @tparam string text a record or TXT string
-- @tparam[opt] string mode "record" (default: SPF records and explanation
--   use) or "exp" (explanation text only)
function M.screen(text, mode)
  if type(text) ~= "string" then
    error("spfkit.compat.screen: expected a string, got " .. type(text), 2)
  end
  return core.libspf2_screen(text, mode)
end

return M
