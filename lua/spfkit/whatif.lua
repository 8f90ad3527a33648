--- What-if: the SPF result a client would get if the domain published a
-- proposed record instead of what it publishes now. Everything else
-- (includes, A/MX records, other TXT records) comes from real DNS, so the
-- diagnosis can prove a fix works before the customer touches DNS.
--
--    local r = spfkit.whatif{ ip = "164.0.1.2", sender = "info@example.jp",
--                             record = "v=spf1 ip4:164.0.1.2 ~all", dns = resolver }
--    r.result          --> "pass"      (with the proposed record)
--    r.before.result   --> "softfail"  (now)
--    r.summary.message.ja
--
-- Evaluation runs the engine in deferred mode (`spfkit.deferred`), so it
-- works with any DNS source that has `:query(name, qtype)`; each question
-- is asked of that source once for both evaluations.
-- @module spfkit.whatif

local core = require "spfkit.core"
local errors = require "spfkit.errors"
local i18n = require "spfkit.i18n"
local options = require "spfkit.options"
local repair = require "spfkit.repair"
local source = require "spfkit.tree.source"
local deferred = require "spfkit.deferred"
local split = require("spfkit.txt").split

local M = {}

local type, pairs, ipairs, tostring, error = type, pairs, ipairs, tostring, error
local concat = table.concat

local OPTIONS = {
  ip = "string", sender = "string", domain = "string", helo = "string",
  record = true, dns = true, limits = "table",
}

local function norm(d)
  return (d:lower():gsub("%.$", ""))
end

local function summary(before, after, ip)
  local b, a = before.result, after.result
  local code
  if a == b then code = a == "pass" and "whatif-unchanged" or "whatif-still-failing"
  elseif a == "pass" then code = "whatif-fixed"
  elseif b == "pass" then code = "whatif-broken"
  else code = "whatif-changed" end
  local params = { ip = ip, before = b, after = a }
  return { code = code, params = params, message = i18n.message(code, params) }
end

-- The proposed record as TXT character-strings (raises on a bad list).
local function record_strings(record)
  if type(record) == "string" then return split(record) end
  if type(record) ~= "table" then
    error("spfkit.whatif: option 'record' (the proposed record) is required", 4)
  end
  local strings = {}
  for i, s in ipairs(record) do
    if type(s) ~= "string" then error("spfkit.whatif: record[" .. i .. "] must be a string", 4) end
    strings[i] = s
  end
  return strings
end

local function check_args(opts)
  options.check("spfkit.whatif", opts, OPTIONS)
  local strings = record_strings(opts.record)
  local dns = opts.dns
  require("spfkit.tree.source").check_dns("spfkit.whatif", dns, 3)
  for k, v in pairs(opts.limits or {}) do
    if core.LIMITS[k] == nil or type(v) ~= "number" or v < 0 or v % 1 ~= 0 then
      error("spfkit.whatif: bad limit '" .. tostring(k) .. "'", 3)
    end
  end
  if not opts.sender and not opts.domain then error("spfkit.whatif: give sender= or domain=", 3) end
  return strings
end

-- The domain's TXT answer with its SPF records replaced by the proposal
-- (a failure of the real lookup only loses the non-SPF TXT records).
local function replaced(real, name, strings)
  local ans = real:get(name, "TXT")
  local records = {}
  for _, r in ipairs(source.records(ans, "TXT")) do
    if not repair.is_spf(table.concat(source.txt_strings(r))) then records[#records + 1] = r end
  end
  records[#records + 1] = { name = name, type = "TXT", ttl = 3600, data = strings }
  return { rcode = "NOERROR", records = records }
end

-- The two sources: DNS as it is (NXDOMAIN everywhere without dns), and
-- DNS with the proposal, asking the first for everything else.
local function sources(dns, domain, strings)
  local real = source.new{ dns = dns, query = not dns and function()
    return { rcode = "NXDOMAIN", records = {} }
  end or nil }
  local proposed = source.new{ query = function(name, qtype)
    if qtype == "TXT" and norm(name) == domain then return replaced(real, name, strings) end
    return real:get(name, qtype)
  end }
  return real, proposed
end

--- Evaluate SPF as if `domain` published `record`.
-- @tparam table opts `{ ip = "192.0.2.1", sender = "user@example.jp" (or
--   domain = "example.jp": the sender becomes postmaster@domain), helo =,
--   record = "v=spf1 ..." (or a list of TXT character-strings), dns =
--   <zone|resolver|cache or any object with :query(name, qtype)>; without
--   dns, every other name is NXDOMAIN, limits = {...} (as spfkit.check) }`
-- @treturn[1] table the `spfkit.check` result with the proposed record, plus
--   `before` (the result with what is published now), `changed` (whether
--   the result differs), `proposed_record`, and `summary = { code =
--   "whatif-fixed"|"whatif-broken"|"whatif-still-failing"|"whatif-unchanged"|
--   "whatif-changed", message = {en, ja} }`
-- @treturn[2] nil
-- @treturn[2] table err from `spfkit.check` (bad IP or sender)
-- @raise on a non-table argument, unknown options, wrong types, or when
--   neither sender nor domain is given
function M.whatif(opts)
  local strings = check_args(opts)
  if not opts.ip then return nil, errors.new("bad-ip", "ip is required") end
  local sender, domain = opts.sender, opts.domain
  if not sender then sender = "postmaster@" .. domain end
  if not domain then domain = sender:match("@([^@]*)$") or sender end
  domain = norm(domain)
  local real, proposed = sources(opts.dns, domain, strings)
  local base = { ip = opts.ip, sender = sender, helo = opts.helo, limits = opts.limits }
  local before, err = deferred.check(base, real)
  if not before then return nil, err end
  local after
  after, err = deferred.check(base, proposed)
  if not after then return nil, err end
  after.before = before
  after.changed = before.result ~= after.result
  after.proposed_record = concat(strings)
  after.summary = summary(before, after, after.ip or opts.ip)
  return after
end

return M
