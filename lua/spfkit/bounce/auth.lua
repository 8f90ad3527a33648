--- What a receiving server said about authentication (SPF, DKIM, DMARC,
-- reverse DNS), read from a one-line diagnostic. Covers Gmail's wordings
-- (5.7.25/5.7.26/5.7.27, "SPF check for [d] did not pass with ip: [ip]",
-- "SPF [d] with ip: [ip] = did not pass", the DMARC sentence), Microsoft's
-- 5.7.509/5.7.515, GoDaddy's "not allowed to send from <d> per it's SPF
-- Record", Exim-era "Bad SPF records for [d:ip]" and Mail.ru's DMARC text.
-- @module spfkit.bounce.auth
local text = require "spfkit.bounce.text"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, gsub, lower, match = string.find, string.gsub, string.lower, string.match

local squeezed

-- match(l, pat) for a pattern whose every match starts with the plain
-- `lit`: searched from the first `lit` only (the same first match; most
-- texts hold no `lit`, and then no pattern is tried at every byte).
local function at(l, lit, pat)
  local p = find(l, lit, 1, true)
  if p then return match(l, pat, p) end
  return nil
end

local DOM = "([%w%-_%.]+%.[%w%-_]+)"
local IPC = "([%x:%.]+)"

-- result words ("pass", "fail", "did not pass", "none") to a result
local function result_word(w)
  if not w then return nil end
  w = lower(w)
  if find(w, "not", 1, true) or find(w, "fail", 1, true) then return "fail" end
  if find(w, "pass", 1, true) then return "pass" end
  if find(w, "none", 1, true) then return "none" end
  if find(w, "softfail", 1, true) then return "softfail" end
  return w
end

-- Gmail's sentences with every space removed, for replies whose lines were
-- folded in the middle of words ("did n ot pass", "w ith ip"): pattern,
-- kind, the plain words every match starts with.
local SQUEEZED = {
  { "spf%[([%w%-_%.]+)%]withip:?%[([%x:%.]+)%]=(%a-pass)", "spf", "spf[" },
  { "spfcheckfor%[?([%w%-_%.]-)%]?d[io]%a-notpasswithip:?%[?([%x:%.]+)", "spf", "spfcheckfor" },
  { "mailfromdomain%[?([%w%-_%.]-)%]?hasanspfrecord.-spfcheckswiththeip:?%[?([%x:%.]+)", "spf", "mailfromdomain" },
  { "unauthenticatedemailfrom([%w%-_%.]-)isnotaccepted", "dmarc", "unauthenticatedemailfrom" },
}

squeezed = function(l, a)
  local s = gsub(l, "%s+", "")
  s = gsub(s, "[245]%d%d%-?%d%.%d+%.%d+", "") -- continuation prefixes
  for i = 1, #SQUEEZED do
    local d, ip, r = at(s, SQUEEZED[i][3], SQUEEZED[i][1])
    if d then
      a.domain = d
      if SQUEEZED[i][2] == "dmarc" then a.dmarc, a.kind = "fail", a.kind or "dmarc"
      else a.ip, a.spf = ip, r and result_word(r) or "fail" end
      break
    end
  end
  if not a.dkim and find(s, "dkim=didnotpass", 1, true) then a.dkim = "fail" end
  if a.spf and a.dkim and a.kind ~= "dmarc" then a.kind = "spf-dkim" end
end

--- Extract authentication facts from a diagnostic.
-- @tparam ?string diag the remote server's text (one line)
-- @treturn ?table `{domain=, ip=, spf=, dkim=, dmarc=, kind=}` or nil when
--   the text says nothing about authentication
function M.extract(diag)
  if not diag or diag == "" then return nil end
  local l = lower(diag)
  if not (find(l, "spf", 1, true) or find(l, "dkim", 1, true) or find(l, "dmarc", 1, true)
          or find(l, "ptr", 1, true) or find(l, "authenticat", 1, true)
          or find(l, "reverse dns", 1, true)) then
    return nil
  end
  -- a line folded inside "[example.com]" or "[192.0.2.1]" left spaces there
  if find(l, "[", 1, true) then
    l = gsub(l, "%[([^%]]-)%]", function(x) return "[" .. gsub(x, "%s+", "") .. "]" end)
  end
  local a = {}
  local d, ip

  -- Gmail: "SPF check for [d] did not pass with ip: [ip]" (also "does not pass")
  d, ip = at(l, "spf check for ",
    "spf check for %[?" .. DOM .. "%]?%s+d[io][a-z]*%s+not%s+pass%s+with%s+ip:?%s*%[?" .. IPC)
  if d then a.domain, a.ip, a.spf = d, ip, "fail" end
  -- Gmail: "SPF [d] with ip: [ip] = did not pass"
  if not a.domain then
    local r
    d, ip, r = at(l, "spf", "spf%s*%[" .. DOM .. "%]%s*with%s+ip:?%s*%[" .. IPC .. "%]%s*=%s*([%a ]-pass)")
    if d then a.domain, a.ip, a.spf = d, ip, result_word(r) end
  end
  -- Gmail: "The MAIL FROM domain [d] has an SPF record with a hard fail
  -- policy (-all) but it fails to pass SPF checks with the ip: [ip]"
  if not a.domain then
    d = at(l, "mail from domain ", "mail from domain %[?" .. DOM .. "%]? has an spf record")
    if d then
      a.domain, a.spf, a.kind = d, "fail", "spf"
      a.ip = at(l, "spf checks with the ip", "spf checks with the ip:?%s*%[?" .. IPC)
    end
  end
  -- GoDaddy (via Office 365): "192.0.2.1 is not allowed to send from <d> per it's SPF Record"
  if not a.domain then
    if find(l, " is not allowed to send from ", 1, true) then
      ip, d = match(l, IPC .. " is not allowed to send from <?" .. DOM .. ">? per it'?s spf record")
    end
    if d then a.domain, a.ip, a.spf, a.kind = d, ip, "fail", "spf" end
  end
  -- Exim-era: "Bad SPF records for [d:ip]"
  if not a.domain then
    d, ip = at(l, "bad spf record", "bad spf records? for %[" .. "([^:%]%s]+):([^%]%s]+)%]")
    if d then a.domain, a.ip, a.spf, a.kind = d, ip, "fail", "spf" end
  end
  -- Gmail DMARC: "Unauthenticated email from d is not accepted due to domain's DMARC policy"
  if not a.domain then
    d = at(l, "unauthenticated email from ", "unauthenticated email from " .. DOM .. " is not accepted due to")
    if d then a.domain, a.dmarc, a.kind = d, "fail", "dmarc" end
  end
  -- Microsoft 5.7.509: "sending domain [D] does not pass DMARC verification"
  if not a.domain then
    d = at(l, "sending domain ", "sending domain %[?" .. DOM .. "%]? does not pass dmarc")
    if d then a.domain, a.dmarc, a.kind = d, "fail", "dmarc" end
  end
  -- Microsoft 5.7.515: "sending domain D doesn't meet the required authentication level"
  if not a.domain then
    d = at(l, "sending domain ", "sending domain %[?" .. DOM .. "%]? doesn'?t meet the required authentication level")
    if d then a.domain, a.kind = d, "auth-level" end
  end
  -- Mail.ru: "not accepted due to domain (d) owner DMARC policy"
  if not a.domain then
    d = at(l, "due to domain (", "due to domain %(" .. DOM .. "%) owner dmarc policy")
    if d then a.domain, a.dmarc, a.kind = d, "fail", "dmarc" end
  end
  -- Gmail 5.7.25: "[ip] The IP address sending this message does not have a PTR record"
  if find(l, "ptr record", 1, true) or find(l, "reverse dns", 1, true) then
    ip = (find(l, "the ip address sending this message", 1, true)
        and match(l, "%[" .. IPC .. "%]%s*the ip address sending this message"))
      or at(l, "ip=", "ip=%[?" .. IPC) or at(l, "ip address ", "ip address " .. IPC .. " ")
    if not a.domain and not a.ip then a.kind = "ptr" end
    a.ip = a.ip or ip
  end

  -- per-method results where the text states them
  if not a.dkim then
    if find(l, "dkim checks did not pass", 1, true) or at(l, "dkim", "dkim%s*=%s*did not pass") then
      a.dkim = "fail"
    else
      local w = at(l, "dkim", "dkim%s*=%s*(%a+)")
      if w then a.dkim = result_word(w) end
    end
  end
  if not a.spf then
    local w = at(l, "spf", "spf%s*=%s*(did not pass)") or at(l, "spf", "spf%s*=%s*(%a+)")
    if w then a.spf = result_word(w) end
  end
  if not a.dmarc then
    local w = at(l, "dmarc", "dmarc%s*=%s*(did not pass)") or at(l, "dmarc", "dmarc%s*=%s*(%a+)")
    if w then a.dmarc = result_word(w) end
  end
  if not a.kind then
    if a.spf and a.dkim then a.kind = "spf-dkim"
    elseif a.spf then a.kind = "spf"
    elseif a.dkim then a.kind = "dkim"
    elseif a.dmarc then a.kind = "dmarc"
    elseif find(l, "multiple authentication checks failed", 1, true)
        or find(l, "sender is unauthenticated", 1, true) or find(l, "mail is unauthenticated", 1, true)
        or find(l, "must authenticate", 1, true) then
      a.kind = "unauthenticated"
    elseif find(l, "isn't aligned", 1, true) or find(l, "not aligned", 1, true) then
      a.kind = "alignment"
    end
  end
  if a.spf and a.dkim and a.kind == nil then a.kind = "spf-dkim" end
  if a.kind == "spf" and a.dkim then a.kind = "spf-dkim" end

  if not (a.domain or a.ip) then squeezed(l, a) end
  a.domain = text.domain(a.domain)
  a.ip = text.ip(a.ip)
  if not (a.domain or a.ip or a.spf or a.dkim or a.dmarc or a.kind) then return nil end
  return a
end

return M
