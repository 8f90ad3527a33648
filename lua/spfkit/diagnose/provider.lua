--- Which hosting provider sent the mail, inferred from what the bounce
-- proves — the reporting MTA, "This is the mail system at host ...",
-- Received: hosts, the sending IP's PTR name — and, failing those, from
-- the includes of the domain's current record. Host patterns and include
-- targets come from the provider data (`hosts`, `terms`), nothing else.
-- A caller's `providers=` always wins (the diagnosis does not ask then).
-- @module spfkit.diagnose.provider

local data = require "spfkit.providers.data"
local ptr = require "spfkit.diagnose.ptr"

local M = {}

local type, ipairs, lower = type, ipairs, string.lower

local function norm(h)
  if type(h) ~= "string" then return nil end
  h = lower(h):gsub("%.$", "")
  if h == "" or #h > 253 or h:find("[^%w%.%-_]") then return nil end
  return h
end

local function needs_host(entry)
  return entry.params and entry.params.host ~= nil
end

--- The provider whose documented host patterns match a host name.
-- @treturn ?table the data entry
function M.by_host(host)
  host = norm(host)
  if not host then return nil end
  for _, entry in ipairs(data) do
    for _, pat in ipairs(entry.hosts or {}) do
      if host:find(pat) then return entry, host end
    end
  end
end

-- include:/redirect targets of a provider's template.
local function targets(entry)
  local out = {}
  for _, t in ipairs(entry.terms or {}) do
    local d = t:match("^[%+%-~%?]?include:(.+)$") or t:match("^redirect=(.+)$")
    if d and not d:find("{", 1, true) then out[#out + 1] = lower(d) end
  end
  return out
end

local INCLUDES             -- target -> entry, built on first use
--- Every documented include target of the providers: `{ [target] = entry }`.
function M.includes()
  if not INCLUDES then
    INCLUDES = {}
    for _, entry in ipairs(data) do
      for _, d in ipairs(targets(entry)) do INCLUDES[d] = INCLUDES[d] or entry end
    end
  end
  return INCLUDES
end

-- Host names the bounce shows, each with where it came from.
local function bounce_hosts(ev)
  local b, out = ev.bounce or {}, {}
  out[#out + 1] = { b.mail_system_host, "mail-system-host" }
  out[#out + 1] = { b.reporting_mta, "reporting-mta" }
  for _, r in ipairs(ev.received or {}) do out[#out + 1] = { r.host, "received" } end
  return out
end

-- The first provider of a list of {host, from}.
local function first_match(list)
  for _, h in ipairs(list) do
    local entry, host = M.by_host(h[1])
    if entry then return { id = entry.id, from = h[2], clue = host, host = needs_host(entry) and host or nil } end
  end
end

-- The PTR names of the sending IP (one DNS question).
local function ptr_names(ctx, ip)
  if not ip or not ctx.query then return {} end
  local rname = ptr.reverse(ip)
  local ans = rname and ctx.query(rname, "PTR")
  local out = {}
  for _, r in ipairs(ans and ans.records or {}) do
    if r.type == "PTR" and type(r.data) == "string" then out[#out + 1] = { r.data, "ptr" } end
  end
  return out
end

-- A provider named by an include of the current records.
local function from_records(records)
  local inc = M.includes()
  for _, rec in ipairs(records or {}) do
    for term in rec:gmatch("%S+") do
      local d = term:match("^[%+%-~%?]?include:(.+)$") or term:match("^redirect=(.+)$")
      local entry = d and inc[lower(d)]
      if entry then return { id = entry.id, from = "record", term = term, clue = term } end
    end
  end
end

--- The provider the bounce's own host names show (no DNS asked), or nil.
function M.from_bounce(ev)
  return first_match(bounce_hosts(ev))
end

--- Infer the provider of a diagnosis.
-- @tparam table ctx the diagnosis context (`query` for the PTR question)
-- @tparam table ev the evidence
-- @tparam[opt] table records the SPF records published now
-- @treturn ?table `{ id, from = "mail-system-host"|"reporting-mta"|
--   "received"|"ptr"|"record", host }`
function M.infer(ctx, ev, records)
  return M.from_bounce(ev) or first_match(ptr_names(ctx, ev.ip)) or from_records(records)
end

--- The provider entry of an id (for names and quoting advice).
function M.entry(id)
  for _, entry in ipairs(data) do if entry.id == id then return entry end end
end

return M
