--- spfkit.dkim: DKIM key records, key lookup, selector discovery,
-- signature verification and provider guidance (RFC 6376, RFC 8301,
-- RFC 8463).
--
--    local dkim = require "spfkit.dkim"
--    dkim.record("v=DKIM1; k=rsa; p=MIIBIjANBg...")  --> { k = "rsa", key = {type="rsa", bits=2048}, findings = {} }
--    dkim.check{ domain = "example.jp", selector = "default", dns = zone }
--    dkim.verify{ message = raw, dns = resolver }    --> { {d=, s=, result="pass"|..., reason=}, ... }
--
-- Results are plain data; findings are `{ code, severity, params }` with
-- their words in lua/spfkit/i18n/dkim.lua. DNS is asked from Lua, so a
-- `query` function may yield (nginx cosockets). Bad input never raises;
-- wrong argument types and unknown options do.
-- @module spfkit.dkim

local options = require "spfkit.options"
local errors = require "spfkit.errors"
local record = require "spfkit.dkim.record"
local dkdns = require "spfkit.dkim.dns"
local lookup = require "spfkit.dkim.lookup"
local selectors = require "spfkit.dkim.selectors"
local verify = require "spfkit.dkim.verify"
local providers = require "spfkit.providers.dkim"

local M = {}

local type, error, ipairs, pairs = type, error, ipairs, pairs

local SOURCE = { dns = true, query = "function", query_many = "function", keys = "table" }

local function with_source(allowed)
  for k, v in pairs(SOURCE) do allowed[k] = v end
  return allowed
end

local CHECK = with_source { domain = "string", selector = "string", probe = "boolean" }
local DISCOVER = with_source { domain = "string", selectors = "table", provider = "string",
                               signature = true }
local VERIFY = with_source { message = "string", headers_only = "boolean", now = true }
local SELECTORS = { signature = true, provider = "string", common = "boolean" }

-- The ask functions of a call, or nil, err when no DNS is given and the
-- system resolver cannot be made. Raises (level 3) on a wrong source.
local function source(fname, opts)
  if opts.dns ~= nil and (type(opts.dns) ~= "table" and type(opts.dns) ~= "userdata") then
    error(fname .. ": dns must be a DNS source with :query(name, qtype)", 3)
  end
  if opts.query_many and not opts.query then error(fname .. ": query_many needs query", 3) end
  local o = opts
  if opts.dns == nil and opts.query == nil and opts.keys == nil then
    local r, err = require("spfkit.dns").resolver()
    if not r then return nil, errors.wrap(err) end
    o = { dns = r }
  end
  local ask, ask_many = dkdns.make(o)
  return ask, ask_many
end

--- Parse and judge a DKIM key record.
-- @tparam string text the TXT value (strings joined)
-- @treturn[1] table `{ v, k, p, h = {..}|nil, s = {..}, t = {..}, n, testing,
--   strict, revoked, key = {type = "rsa"|"ed25519", bits = n} | nil,
--   findings = { {code, severity, params} } }`
-- @treturn[2] nil
-- @treturn[2] table err `{ code = "dkim-syntax"|"dkim-duplicate-tag", message,
--   position, quotes = true when quotes are inside the value }`
-- @raise when text is not a string
function M.record(text)
  if type(text) ~= "string" then error("spfkit.dkim.record: expected a string, got " .. type(text), 2) end
  local rec, err = record.load(text)
  if not rec then return nil, err end
  return rec
end

--- Look up and judge the key at `<selector>._domainkey.<domain>`.
-- @tparam table opts `{ domain, selector, dns = <source> | query = function(name,
--   qtype) | keys = {[name] = txt}, probe = true (ask the usual wrong names
--   when no valid key is found) }`; without a source, the system resolver
-- @treturn[1] table `{ domain, selector, name, status = "ok"|"missing"|"broken"|
--   "revoked"|"temperror", record, key = {type, bits}, findings, cname_chain =
--   { {from, to, ttl} }, ttl, misplaced = {name, type, text, key} | nil }`
-- @treturn[2] nil
-- @treturn[2] table err when no DNS source is given and none can be made
function M.check(opts)
  local fname = "spfkit.dkim.check"
  options.check(fname, opts, CHECK)
  if not opts.domain or not opts.selector then error(fname .. ": domain and selector are required", 2) end
  local ask, err = source(fname, opts)
  if not ask then return nil, err end
  return (lookup.check(ask, opts))
end

--- The selectors to try, in order: the DKIM-Signature's s= (with its d=),
-- then the provider's, then (when no signature names one, or `common = true`)
-- the common ones (`spfkit.dkim.COMMON_SELECTORS`, each documented in
-- lua/spfkit/dkim/selectors.lua).
-- @tparam table opts `{ signature = <DKIM-Signature value or list>, provider = <id>,
--   common = false }`
-- @treturn table `{ {selector, domain = <d= or nil>, source = "signature"|"provider"|"common"} }`
function M.selectors(opts)
  options.check("spfkit.dkim.selectors", opts or {}, SELECTORS)
  return selectors.list(opts or {})
end
M.COMMON_SELECTORS = selectors.COMMON

--- Try selectors for a domain (in one concurrent round with `query_many`).
-- @tparam table opts `{ domain, selectors = {"default", ...} | nil (then from
--   signature/provider/common), signature, provider, dns | query (+ query_many) | keys }`
-- @treturn[1] table `{ domain, tried = {selectors}, found = {check results not
--   "missing"}, results = {every check result}, selector = <first "ok"> }`
-- @treturn[2] nil
-- @treturn[2] table err when no DNS source can be made
function M.discover(opts)
  local fname = "spfkit.dkim.discover"
  options.check(fname, opts, DISCOVER)
  if not opts.domain then error(fname .. ": domain is required", 2) end
  local ask, ask_many = source(fname, opts)
  if not ask then return nil, ask_many end
  local list = {}
  if opts.selectors then
    for i, s in ipairs(opts.selectors) do
      if type(s) ~= "string" then error(fname .. ": selectors[" .. i .. "] must be a string", 2) end
      if i <= selectors.MAX then list[i] = s end
    end
  else
    for _, e in ipairs(selectors.list{ signature = opts.signature, provider = opts.provider }) do
      if e.domain == nil or e.domain == opts.domain:lower() then list[#list + 1] = e.selector end
    end
  end
  return selectors.discover(ask, ask_many, opts.domain, list)
end

--- Verify the DKIM signatures of a message.
-- @tparam table opts `{ message = <raw RFC 5322 message, or headers only>,
--   headers_only = <true when the body is absent or not the original>,
--   now = <unix time for x=> | false (no expiry check; default os.time()),
--   dns | query | keys }`
-- @treturn table one entry per DKIM-Signature (top first): `{ d, s, a, c, i, l,
--   result = "pass"|"fail"|"permerror"|"temperror"|"none", reason =
--   "headers-only"|"body-changed"|"key-mismatch"|"no-key"|"key-revoked"|
--   "key-unusable"|"dns-temperror"|"expired"|"sig-missing-tag"|..., body_checked,
--   header_checked, key_name, key_status, key = {type, bits}, key_findings }`;
--   "key-mismatch" means the published key did not verify b= (another key
--   signed, or a signed header changed). A message without a blank line
--   after its headers is taken as headers only.
-- @treturn[2] nil
-- @treturn[2] table err when no DNS source can be made
function M.verify(opts)
  local fname = "spfkit.dkim.verify"
  options.check(fname, opts, VERIFY)
  if not opts.message then error(fname .. ": message is required", 2) end
  if opts.now ~= nil and opts.now ~= false and type(opts.now) ~= "number" then
    error(fname .. ": now must be a number or false", 2)
  end
  local ask, err = source(fname, opts)
  if not ask then return nil, err end
  local o = { message = opts.message, headers_only = opts.headers_only, now = opts.now }
  if o.now == nil then o.now = os.time() end
  return verify.verify(ask, o)
end

--- The finding `{ code = "dkim-verify-*", severity, params }` that puts one
-- verification result into words (texts in lua/spfkit/i18n/dkim.lua).
-- @tparam table result one entry of `spfkit.dkim.verify`
-- @treturn table
function M.verdict(result)
  if type(result) ~= "table" then error("spfkit.dkim.verdict: expected a result table", 2) end
  return verify.finding(result)
end

--- Split a long TXT value into character-strings for panels and zone files
-- that limit a string to 255 bytes (receivers join them with nothing in
-- between, RFC 6376 3.6.2.2).
-- @tparam string value e.g. "v=DKIM1; k=rsa; p=MIIBIjANBg..."
-- @tparam[opt] number max default 255
-- @treturn table the strings
-- @treturn string the zone-file presentation: `"..." "..."`
function M.split(value, max)
  if type(value) ~= "string" then error("spfkit.dkim.split: value must be a string", 2) end
  if max ~= nil and (type(max) ~= "number" or max % 1 ~= 0 or max < 1 or max > 255) then
    error("spfkit.dkim.split: max must be an integer in 1..255", 2)
  end
  max = max or 255
  local out = {}
  for i = 1, #value, max do out[#out + 1] = value:sub(i, i + max - 1) end
  if #out == 0 then out[1] = "" end
  local quoted = {}
  local quote = require("spfkit.txt").quote
  for i, s in ipairs(out) do quoted[i] = quote(s) end
  return out, table.concat(quoted, " ")
end

--- DKIM guidance for a provider: does it sign, what to publish, where the
-- value comes from.
-- @tparam string id a provider id of spfkit.providers (e.g. "mixhost")
-- @tparam[opt] table opts `{ domain = "example.jp", tenant = "contoso" (Microsoft 365) }`
-- @treturn ?table `{ provider, signs, record, selectors, panel = {en, ja}, notes =
--   {en, ja}, source, records = { {name, type, value | value_from = "panel"} } }`,
--   nil for a provider without DKIM guidance
function M.guidance(id, opts)
  if type(id) ~= "string" then error("spfkit.dkim.guidance: id must be a string", 2) end
  opts = opts or {}
  local p = providers[id]
  if not p then return nil end
  local g = { provider = id, signs = p.signs, record = p.record, selectors = p.selectors or {},
              panel = p.panel, notes = p.notes, source = p.source, records = {} }
  for _, s in ipairs(g.selectors) do
    local name = s .. "._domainkey" .. (opts.domain and ("." .. opts.domain) or "")
    local r = { name = name, type = p.record, value_from = "panel" }
    if p.cname and opts.domain then r.value = p.cname(s, opts.domain, opts) end
    if r.value then r.value_from = nil end
    g.records[#g.records + 1] = r
  end
  return g
end

M.name = lookup.name
M.MIN_BITS, M.GOOD_BITS = record.MIN_BITS, record.GOOD_BITS
return M
