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
-- Evaluation runs in deferred mode (`spfkit.check{ query = ... }`), so it
-- needs no C beyond the engine and works with any DNS source that has
-- `:query(name, qtype)`.
-- @module spfkit.whatif

local i18n = require "spfkit.i18n"
local options = require "spfkit.options"

local M = {}

local type, pairs, ipairs, tostring, error, pcall = type, pairs, ipairs, tostring, error, pcall
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
  return { code = code, message = i18n.message(code, { ip = ip, before = b, after = a }) }
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
  options.check("spfkit.whatif", opts, OPTIONS)
  local strings
  if type(opts.record) == "string" then
    strings = require("spfkit.txt").split(opts.record)
  elseif type(opts.record) == "table" then
    strings = {}
    for i, s in ipairs(opts.record) do
      if type(s) ~= "string" then error("spfkit.whatif: record[" .. i .. "] must be a string", 2) end
      strings[i] = s
    end
  else
    error("spfkit.whatif: option 'record' (the proposed record) is required", 2)
  end
  local dns = opts.dns
  if dns ~= nil then
    local ok, q = pcall(function() return dns.query end)
    if (type(dns) ~= "table" and type(dns) ~= "userdata") or not ok or type(q) ~= "function" then
      error("spfkit.whatif: option 'dns' must have a :query(name, qtype) method", 2)
    end
  end
  local sender, domain = opts.sender, opts.domain
  if not sender and not domain then error("spfkit.whatif: give sender= or domain=", 2) end
  if not sender then sender = "postmaster@" .. domain end
  if not domain then domain = sender:match("@([^@]*)$") or sender end
  domain = norm(domain)

  local function real(name, qtype)
    if not dns then return { rcode = "NXDOMAIN", records = {} } end
    return dns:query(name, qtype)
  end

  local lint = require "spfkit.lint"
  local function proposed(name, qtype)
    if qtype ~= "TXT" or norm(name) ~= domain then return real(name, qtype) end
    local ans = real(name, qtype)           -- a failure here only loses non-SPF TXT
    local records = {}
    if type(ans) == "table" then
      for _, r in ipairs(ans.records or {}) do
        local data = r.data
        local text = type(data) == "table" and concat(data) or tostring(data)
        if r.type == "TXT" and not lint.is_spf(text) then records[#records + 1] = r end
      end
    end
    records[#records + 1] = { name = name, type = "TXT", ttl = 3600, data = strings }
    return { rcode = "NOERROR", records = records }
  end

  local spfkit = require "spfkit"
  local base = { ip = opts.ip, sender = sender, helo = opts.helo, limits = opts.limits }
  local function run(query)
    local o = { query = query }
    for k, v in pairs(base) do o[k] = v end
    return spfkit.check(o)
  end
  local before, err = run(real)
  if not before then return nil, err end
  local after
  after, err = run(proposed)
  if not after then return nil, err end
  after.before = before
  after.changed = before.result ~= after.result
  after.proposed_record = concat(strings)
  after.summary = summary(before, after, after.ip or opts.ip)
  return after
end

return M
