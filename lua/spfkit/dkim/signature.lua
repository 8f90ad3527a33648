--- DKIM-Signature header fields (RFC 6376 3.5): parse and validate.
--
--    local sig, err = signature.parse(value)
--    --> { v = "1", a = "rsa-sha256", d = "example.jp", s = "default",
--    --    c = "relaxed/relaxed", ch = "relaxed", cb = "relaxed",
--    --    h = {"from", "to", ...}, bh = "<base64>", b = "<base64>", l = nil|n,
--    --    i, t, x, q, list = <tags in order> }
-- @module spfkit.dkim.signature

local tags = require "spfkit.dkim.tags"
local canon = require "spfkit.dkim.canon"
local errors = require "spfkit.errors"

local M = {}

local tonumber, lower = tonumber, string.lower

--- Algorithms verified (RFC 6376 3.3, RFC 8463; rsa-sha1 is historic, RFC 8301).
M.ALGORITHMS = { ["rsa-sha256"] = true, ["ed25519-sha256"] = true }

local REQUIRED = { "v", "a", "b", "bh", "d", "h", "s" }

local function bad(code, message, fields)
  return nil, errors.new(code, message, fields)
end

-- i= must be in d= or a subdomain of it (3.5).
local function identity_ok(i, d)
  local dom = lower(i):match("@([^@]*)$")
  if not dom then return false end
  d = lower(d)
  return dom == d or dom:sub(-#d - 1) == "." .. d
end

local function numbers(sig, map)
  for _, k in ipairs({ "l", "t", "x" }) do
    if map[k] ~= nil then
      local v = tags.strip(map[k])
      if not v:match("^%d+$") or #v > 15 then
        return bad("dkim-sig-bad-tag", k .. "= is not a decimal number", { tag = k })
      end
      sig[k] = tonumber(v)
    end
  end
  return true
end

-- The values checked one by one; returns true or nil, err.
local function validate(sig, map)
  for _, k in ipairs(REQUIRED) do
    if map[k] == nil then return bad("dkim-sig-missing-tag", "tag " .. k .. "= is missing", { tag = k }) end
  end
  if map.v ~= "1" then return bad("dkim-sig-bad-tag", "v= is not 1", { tag = "v" }) end
  sig.a = lower(tags.strip(map.a))
  if not M.ALGORITHMS[sig.a] then
    return bad("dkim-sig-algorithm", "algorithm " .. sig.a .. " is not verified", { tag = "a", a = sig.a })
  end
  sig.ch, sig.cb = canon.parse_c(map.c and tags.strip(map.c))
  if not sig.ch then return bad("dkim-sig-bad-tag", "c= is not a canonicalization", { tag = "c" }) end
  sig.h = tags.list(map.h)
  local has_from = false
  for _, h in ipairs(sig.h) do if h == "from" then has_from = true end end
  if not has_from then return bad("dkim-sig-no-from", "h= does not list From", { tag = "h" }) end
  if map.q ~= nil and lower(tags.strip(map.q)) ~= "dns/txt" then
    return bad("dkim-sig-bad-tag", "q= is not dns/txt", { tag = "q" })
  end
  if sig.i and not identity_ok(sig.i, sig.d) then
    return bad("dkim-sig-bad-identity", "i= is not in d=", { tag = "i" })
  end
  return numbers(sig, map)
end

--- Parse a DKIM-Signature value (the text after "DKIM-Signature:").
-- @tparam string value
-- @treturn[1] table the signature
-- @treturn[2] nil
-- @treturn[2] table err (code "dkim-syntax", "dkim-duplicate-tag",
--   "dkim-sig-missing-tag", "dkim-sig-bad-tag", "dkim-sig-algorithm",
--   "dkim-sig-no-from", "dkim-sig-bad-identity"); `err.sig` holds the
--   d=/s=/a= read so far
function M.parse(value)
  local map, list = tags.parse(value)
  if not map then return nil, list end
  local sig = { list = list, v = map.v, c = map.c, q = map.q,
                d = map.d and lower(tags.strip(map.d)), s = map.s and tags.strip(map.s),
                i = map.i and tags.strip(map.i),
                b = map.b and tags.strip(map.b), bh = map.bh and tags.strip(map.bh) }
  local ok, err = validate(sig, map)
  if not ok then
    err.sig = { d = sig.d, s = sig.s, a = sig.a or (map.a and tags.strip(map.a)) }
    return nil, err
  end
  return sig
end

--- The signature header field with the b= value emptied (3.7), for hashing.
-- @tparam string raw the whole field "DKIM-Signature: ..." as in the message
-- @tparam table sig from `parse` of that field's value
-- @tparam number offset the position of the colon ending the name in raw
-- @treturn string
function M.without_b(raw, sig, offset)
  for _, t in ipairs(sig.list) do
    if t.name == "b" then
      return raw:sub(1, offset + t.eq) .. raw:sub(offset + t.stop)
    end
  end
  return raw
end

return M
