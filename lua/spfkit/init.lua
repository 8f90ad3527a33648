--- spfkit: why mail bounced for SPF, and exactly what to put in DNS.
--
-- The public facade over the C core `spfkit.core`. Functions that take user
-- input return `nil, err` (err = { code =, message =, position = }) or a
-- result table with an error result; they raise only on programmer
-- mistakes (wrong argument types, unknown options).
-- @module spfkit

local core = require "spfkit.core"
local engine = require "spfkit.engine"

local spfkit = { version = core.version }

--- The RFC 7208 processing limits (named once, in csrc/spfkit.h):
-- `lookups` 10, `void_lookups` 2, `mx` 10, `ptr` 10 (section 4.6.4),
-- `record_length` 450 (3.4), `txt_string` 255 (3.3). Read-only by convention.
spfkit.LIMITS = core.LIMITS

local type, error = type, error

--- Parse an SPF record.
-- @tparam string text the record, e.g. "v=spf1 ip4:192.0.2.0/24 -all"
-- @return record table `{ text, terms = {{qualifier, mechanism, value, domain,
--   ip, cidr4, cidr6, position, text}, ...}, modifiers = {redirect=, exp=, ...},
--   modifier_list, dns_terms }`, or `nil, err` with `err.code`, `err.message`
--   and `err.position` (1-based byte offset of the offending term)
function spfkit.parse(text)
  if type(text) ~= "string" then
    error("spfkit.parse: expected a string, got " .. type(text), 2)
  end
  return core.parse(text)
end

--- Expand an SPF macro-string (RFC 7208 section 7).
-- @tparam string s the macro-string, e.g. "%{ir}.%{v}._spf.%{d2}"
-- @tparam table ctx `{ ip=, sender=, helo=, domain=, receiver=, now=, p=,
--   exp = true (explanation text: c, r, t allowed, no truncation) }`
-- @return the expansion, or `nil, err`
function spfkit.expand(s, ctx)
  if type(s) ~= "string" then error("spfkit.expand: expected a string", 2) end
  ctx = ctx or {}
  if type(ctx) ~= "table" then error("spfkit.expand: ctx must be a table", 2) end
  return core.expand(s, ctx)
end

--- A static DNS source (see README: zone shape).
-- @tparam table data `{ ["name"] = { {TXT = "..."}, {A = "192.0.2.1"}, "TIMEOUT" }, ... }`
-- @return zone userdata (with `zone:query(name, type)`), or `nil, err`
function spfkit.zone(data)
  if type(data) ~= "table" then
    error("spfkit.zone: expected a table, got " .. type(data), 2)
  end
  return core.zone(data)
end

--- A static DNS source read from a master file (RFC 1035 format, read with
-- ldns's zone reader): `$ORIGIN`, `$TTL`, relative names, `@`, multi-string
-- TXT and TTLs as written.
-- @tparam string path the zone file
-- @tparam[opt] string origin the origin when the file has no `$ORIGIN`
-- @return zone userdata, or `nil, err` (`err.code` "zone-file", `err.line`)
function spfkit.zone_file(path, origin)
  if type(path) ~= "string" then
    error("spfkit.zone_file: expected a path, got " .. type(path), 2)
  end
  if origin ~= nil and type(origin) ~= "string" then
    error("spfkit.zone_file: origin must be a string, got " .. type(origin), 2)
  end
  return core.zone_file(path, origin)
end

--- Evaluate check_host() (RFC 7208) for a client IP and sender
-- (lua/spfkit/engine.lua).
-- @tparam table opts `{ ip =, sender =, helo =, dns = zone|resolver|cache,
--   query = function(name, qtype) (deferred mode), query_many =
--   function({{name, qtype}, ...}) -> {answer, ...} (optional, with query:
--   a round's questions answered together), limits = {lookups=10,
--   void_lookups=2, mx=10, ptr=10}, default_explanation =, receiver =,
--   authserv_id =, engine = "spfkit"|"libspf2" }`
-- @return result table `{ result, explanation, mechanism, domain, lookups,
--   void_lookups, trace, received_spf, authentication_results, ... }`
--   (`trace` and the two headers are built on first access), or `nil, err`
--   for a bad IP or sender
spfkit.check = engine.check

-- Record toolkit (issue 5): each in its own module, loaded on first use.
function spfkit.lint(opts) return require("spfkit.lint").lint(opts) end
function spfkit.build(opts) return require("spfkit.build").build(opts) end
function spfkit.merge(existing, additions, opts)
  return require("spfkit.build").merge(existing, additions, opts)
end
function spfkit.txt(record, opts) return require("spfkit.txt").txt(record, opts) end
function spfkit.whatif(opts) return require("spfkit.whatif").whatif(opts) end
function spfkit.tree(opts) return require("spfkit.tree").tree(opts) end

--- Diagnose a bounce (or a domain and an IP): what is wrong and the exact
-- DNS change that fixes it (lua/spfkit/diagnose.lua). Never raises on bad
-- input; returns a report object with `text()`, `json()` and `html()`.
function spfkit.diagnose(opts) return require("spfkit.diagnose").diagnose(opts) end
function spfkit.audit(opts) return require("spfkit.audit").audit(opts) end

-- Modules loaded on first use, so that `require "spfkit"` stays cheap.
local MODULES = {
  bounce = "spfkit.bounce", providers = "spfkit.providers", dns = "spfkit.dns",
  i18n = "spfkit.i18n", compat = "spfkit.compat", dkim = "spfkit.dkim",
}

-- Real DNS sources (lua/spfkit/dns.lua): spfkit.resolver{...}, spfkit.cache{...}
function spfkit.resolver(opts) return require("spfkit.dns").resolver(opts) end
function spfkit.cache(opts) return require("spfkit.dns").cache(opts) end

return setmetatable(spfkit, {
  __index = function(t, k)
    local name = MODULES[k]
    if not name then return nil end
    local m = require(name)
    rawset(t, k, m)
    return m
  end,
})
