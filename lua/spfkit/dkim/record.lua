--- DKIM key records (RFC 6376 3.6.1): parse `v k p h s t n`, load `p=` as
-- a public key through the C core (OpenSSL), and judge it.
--
-- Findings are `{ code, severity, params }`; their words are in
-- lua/spfkit/i18n/dkim.lua.
-- @module spfkit.dkim.record

local core = require "spfkit.core"
local tags = require "spfkit.dkim.tags"
local errors = require "spfkit.errors"

local M = {}

local find, sub, byte = string.find, string.sub, string.byte

--- RSA keys shorter than this are ignored by receivers (RFC 8301 3.2; Gmail).
M.MIN_BITS = 1024
--- Keys shorter than this draw an advisory (RFC 8301 recommends 2048).
M.GOOD_BITS = 2048
--- Key types this library can load (RFC 6376 3.6.1, RFC 8463).
M.KEY_TYPES = { rsa = true, ed25519 = true }

local function finding(list, code, severity, params)
  list[#list + 1] = { code = code, severity = severity, params = params or {} }
end
M.finding = finding

-- How the p= value was damaged, from what is inside it: quotes pasted
-- between split strings ('" "', '""'), zone-file escapes, or nothing seen.
local function paste_cause(p)
  if find(p, '"', 1, true) then return "quotes" end
  if find(p, "\\", 1, true) then return "escapes" end
  return nil
end

-- A DER SEQUENCE states its length: fewer bytes than that means the value
-- was cut. Returns have, need when it looks truncated.
local function truncated(der)
  local b1, b2 = byte(der, 1, 2)
  if b1 ~= 0x30 or not b2 then return nil end
  local need
  if b2 < 0x80 then need = 2 + b2
  elseif b2 == 0x81 and #der >= 3 then need = 3 + byte(der, 3)
  elseif b2 == 0x82 and #der >= 4 then need = 4 + byte(der, 3) * 256 + byte(der, 4)
  else return nil end
  if #der < need then return #der, need end
  return nil
end

-- Decode p= into a key (userdata) or add the finding that says why not.
local function load_key(rec, raw, findings)
  local cause = paste_cause(raw)
  local p = tags.strip(raw)
  local der, err = core.dkim_b64(p)
  if not der then
    if cause then
      finding(findings, "dkim-key-not-a-key", "error", { cause = cause, length = #p })
    else
      finding(findings, "dkim-key-bad-base64", "error",
              { position = err.position, char = sub(p, err.position, err.position), length = #p })
    end
    return nil
  end
  local key, kerr = core.dkim_key(der, rec.k)
  if not key then
    local have, need = truncated(der)
    finding(findings, "dkim-key-not-a-key", "error", { cause = cause or (have and "truncated") or
      (kerr.code == "wrong-key-type" and "wrong-type") or "unknown", length = #p,
      bytes = #der, need = need, k = rec.k })
    return nil
  end
  return key
end

-- Judge a loaded key: size (RSA only; Ed25519 has one size).
local function judge_key(key, findings)
  local info = { type = key:type(), bits = key:bits() }
  if info.type == "rsa" and info.bits < M.MIN_BITS then
    finding(findings, "dkim-key-weak", "error", { bits = info.bits, min = M.MIN_BITS })
  elseif info.type == "rsa" and info.bits < M.GOOD_BITS then
    finding(findings, "dkim-key-short", "info", { bits = info.bits, good = M.GOOD_BITS })
  end
  return info
end

-- The tags other than p: v, k, h, s, t, n and their findings.
local function read_tags(map, rec, findings)
  if map.v ~= nil and map.v ~= "DKIM1" then
    finding(findings, "dkim-bad-version", "error", { v = map.v })
  end
  rec.v, rec.n = map.v, map.n
  rec.k = (map.k and tags.strip(map.k) or "rsa"):lower()
  rec.h = map.h and tags.list(map.h) or nil
  rec.s = map.s and tags.list(map.s) or { "*" }
  rec.t = map.t and tags.list(map.t) or {}
  rec.testing, rec.strict = false, false
  for _, f in ipairs(rec.t) do
    if f == "y" then rec.testing = true elseif f == "s" then rec.strict = true end
  end
  if rec.testing then finding(findings, "dkim-testing", "warning", {}) end
  if not M.KEY_TYPES[rec.k] then finding(findings, "dkim-unknown-k", "error", { k = rec.k }) end
  local email = false
  for _, s in ipairs(rec.s) do if s == "*" or s == "email" then email = true end end
  if not email then finding(findings, "dkim-not-for-email", "error", { s = map.s }) end
end

--- Parse a key record and load its key.
-- @tparam string text the TXT strings joined
-- @treturn[1] table the record (see `spfkit.dkim.record`)
-- @treturn[1] ?userdata the loaded key (for verification), nil when unusable
-- @treturn[2] nil
-- @treturn[2] table err `{ code = "dkim-syntax"|..., message, position, quotes = bool }`
function M.load(text)
  local map, list = tags.parse(text)
  if not map then
    local err = list
    if find(text, '"', 1, true) then err.quotes = true end
    return nil, err
  end
  local findings = {}
  local rec = { text = text, findings = findings, tags = #list }
  read_tags(map, rec, findings)
  if map.p == nil then
    finding(findings, "dkim-no-p", "error", {})
    return rec
  end
  rec.p = tags.strip(map.p)
  if rec.p == "" and not find(map.p, '"', 1, true) then
    rec.revoked = true
    finding(findings, "dkim-key-revoked", "error", {})
    return rec
  end
  if not M.KEY_TYPES[rec.k] then return rec end
  local key = load_key(rec, map.p, findings)
  if key then rec.key = judge_key(key, findings) end
  return rec, key
end

--- True when a record's findings leave it usable for verification.
-- @tparam table rec from `load`
-- @treturn boolean
function M.usable(rec)
  for _, f in ipairs(rec.findings) do
    if f.severity == "error" then return false end
  end
  return rec.key ~= nil
end

--- Whether a TXT text looks like a DKIM key record (used to recognise a
-- key published at the wrong name or type).
-- @tparam string text
-- @treturn boolean
function M.looks_like(text)
  return find(text, "^[%s\"]*v%s*=%s*DKIM1") ~= nil or find(text, "^[%s\"]*[kp]%s*=") ~= nil
      or find(text, ";%s*p%s*=%s*MI") ~= nil
end

M.errors = errors
return M
