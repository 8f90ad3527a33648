--- DKIM verification (RFC 6376 3.7, 6.1): per DKIM-Signature of a message,
-- the body hash (bh=) when the body is there, and the header signature (b=)
-- with the published key through the C core (OpenSSL).
-- @module spfkit.dkim.verify

local core = require "spfkit.core"
local canon = require "spfkit.dkim.canon"
local signature = require "spfkit.dkim.signature"
local lookup = require "spfkit.dkim.lookup"

local M = {}

local ipairs, tostring, lower, concat, find, sub = ipairs, tostring, string.lower, table.concat, string.find, string.sub

--- Signatures verified per message (more are reported as not checked).
M.MAX_SIGNATURES = 10

-- The signed header fields, bottom-up per name (3.5 h=, 5.4.2), without
-- the signature being verified.
local function signed_headers(fields, names, ch, self)
  local byname = {}
  for i, f in ipairs(fields) do
    if f ~= self then
      local n = lower(f.name)
      local l = byname[n]
      if not l then l = {} byname[n] = l end
      l[#l + 1] = i
    end
  end
  local parts = {}
  for _, n in ipairs(names) do
    local l = byname[n]
    if l and #l > 0 then
      parts[#parts + 1] = canon.header(canon.raw(fields[l[#l]]), ch) .. "\r\n"
      l[#l] = nil
    end
  end
  return concat(parts)
end

-- Body hash check: true/false, and why not.
local function body_ok(body, sig)
  local cbody = canon.body(body, sig.cb)
  if sig.l then
    if sig.l > #cbody then return false, "body-truncated" end
    cbody = sub(cbody, 1, sig.l)
  end
  local want = core.dkim_b64(sig.bh)
  if not want then return false, "bad-bh" end
  return core.dkim_sha256(cbody) == want, "body-changed"
end

-- Header signature check with the key: true/false, why not.
local function header_ok(fields, f, sig, key)
  local raw = canon.raw(f)
  local colon = find(raw, ":", 1, true)
  local data = signed_headers(fields, sig.h, sig.ch, f)
            .. canon.header(signature.without_b(raw, sig, colon), sig.ch)
  local b = core.dkim_b64(sig.b)
  if not b then return false, "bad-b" end
  local ok, why = key:verify(sig.a, data, b)
  if ok then return true end
  return false, why == "bad-signature" and "key-mismatch" or why
end

local KEY_REASONS = { missing = "no-key", revoked = "key-revoked", temperror = "dns-temperror" }

-- The key for a signature: the key, or the result/reason that stops here.
local function key_for(ask, sig, r)
  local res, key = lookup.check(ask, { domain = sig.d, selector = sig.s, probe = false })
  r.key_name, r.key_status, r.key, r.key_findings = res.name, res.status, res.key, res.findings
  if key then
    if key:type() ~= (sig.a == "ed25519-sha256" and "ed25519" or "rsa") then
      return nil, "permerror", "key-algorithm-mismatch"
    end
    local hs = res.record.h
    if hs then
      local ok = false
      for _, h in ipairs(hs) do if h == "sha256" then ok = true end end
      if not ok then return nil, "permerror", "hash-not-allowed" end
    end
    return key
  end
  local reason = KEY_REASONS[res.status] or "key-unusable"
  return nil, res.status == "temperror" and "temperror" or "permerror", reason
end

local function expired(sig, now)
  return now and sig.x ~= nil and sig.x < now
end

-- Verify one signature field; returns the result table.
local function one(ask, fields, body, f, opts)
  local raw = canon.raw(f)
  local sig, err = signature.parse(sub(raw, find(raw, ":", 1, true) + 1))
  local r = { body_checked = false, header_checked = false }
  if not sig then
    local s = err.sig or {}
    r.d, r.s, r.a, r.result, r.reason, r.detail = s.d, s.s, s.a, "permerror", err.code:gsub("^dkim%-", ""), err.message
    return r
  end
  r.d, r.s, r.a, r.c, r.i, r.l = sig.d, sig.s, sig.a, sig.ch .. "/" .. sig.cb, sig.i, sig.l
  local key, result, reason = key_for(ask, sig, r)
  if not key then r.result, r.reason = result, reason return r end
  local bok, bwhy = true, nil
  if body then
    bok, bwhy = body_ok(body, sig)
    r.body_checked, r.body_ok = true, bok
  end
  local hok, hwhy = header_ok(fields, f, sig, key)
  r.header_checked, r.header_ok = true, hok
  if not bok then r.result, r.reason = "fail", bwhy
  elseif not hok then r.result, r.reason = "fail", hwhy
  else r.result, r.reason = "pass", not body and "headers-only" or nil end
  if expired(sig, opts.now) then r.result, r.reason = "permerror", "expired" end
  return r
end

local VERDICTS = {
  pass = "info", ["headers-only"] = "info", ["body-changed"] = "warning", ["key-mismatch"] = "error",
  ["no-key"] = "error", ["key-revoked"] = "error", ["key-unusable"] = "error",
  ["dns-temperror"] = "warning", expired = "warning",
}

--- The finding that says a verification result in words.
-- @tparam table r one entry of `verify`
-- @treturn table `{ code = "dkim-verify-<reason>"|"dkim-verify-pass"|"dkim-verify-permerror",
--   severity, params = {d, s, name, reason, result} }`
function M.finding(r)
  local reason = r.result == "pass" and (r.reason or "pass") or r.reason
  local sev = VERDICTS[reason or ""]
  local code = sev and ("dkim-verify-" .. reason) or "dkim-verify-permerror"
  return { code = code, severity = sev or "error", params = { d = r.d or "?", s = r.s or "?",
    name = r.key_name or "?", reason = tostring(reason), result = r.result } }
end

--- Verify every DKIM-Signature of a message.
-- @tparam function ask from spfkit.dkim.dns.make
-- @tparam table opts `{ message = <raw>, headers_only = bool, now = <unix time>|false }`
-- @treturn table list of results (see spfkit.dkim.verify)
function M.verify(ask, opts)
  local fields, body = canon.split(opts.message)
  if opts.headers_only then body = nil end
  local out, n = {}, 0
  for _, f in ipairs(fields) do
    if lower(f.name) == "dkim-signature" then
      n = n + 1
      if n > M.MAX_SIGNATURES then
        out[n] = { result = "none", reason = "not-checked", body_checked = false, header_checked = false }
      else
        out[n] = one(ask, fields, body, f, opts)
      end
    end
  end
  return out
end

return M
