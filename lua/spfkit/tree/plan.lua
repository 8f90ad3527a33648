--- Nodes of an SPF tree and the DNS questions each one asks (the first
-- half of `spfkit.tree`'s walk; `spfkit.tree` asks them and resolves).
-- @module spfkit.tree.plan

local core = require "spfkit.core"
local errors = require "spfkit.errors"
local source = require "spfkit.tree.source"
local is_spf = require("spfkit.repair").is_spf

local M = {}

local type, ipairs, tostring = type, ipairs, tostring
local concat = table.concat

-- Mechanisms that cost a DNS lookup (RFC 7208 4.6.4); redirect counts too.
local DNS_MECH = { a = true, mx = true, ptr = true, exists = true, include = true }
M.DNS_MECH = DNS_MECH

function M.norm(name)
  return (name:lower():gsub("%.$", ""))
end

-- ---------------------------------------------------------------------
-- Nodes and their records
-- ---------------------------------------------------------------------

function M.new_node(domain, via, term)
  return { domain = domain, via = via, term = term and term.text, position = term and term.position,
           lookups = 0, void = 0, addresses = {}, results = {}, children = {} }
end

-- Parse the node's record: sets parsed and terms, or error "syntax".
function M.parse_record(node, text)
  node.record = text
  local rec, perr = core.parse(text)
  if not rec then
    node.error = errors.new("syntax", perr.message, { position = perr.position, error_code = perr.code })
    return
  end
  node.parsed, node.terms = rec, rec.terms
end

-- The SPF records among a TXT answer: `spf = {{text, strings, ttl}}`, `other`.
local function split_txt(ans)
  local spf, other = {}, {}
  local txt = source.records(ans, "TXT")
  for _, r in ipairs(txt) do
    local strings = source.txt_strings(r)
    local text = concat(strings)
    local list = is_spf(text) and spf or other
    list[#list + 1] = { text = text, strings = strings, ttl = r.ttl }
  end
  return spf, other, #txt
end

-- Fill a node's record from its TXT answer. Returns true when the TXT
-- lookup was void (NXDOMAIN or no TXT at all: RFC 7208 4.6.4).
function M.take_txt(node, ans)
  if ans.code then node.error = ans return false end
  local spf, other, ntxt = split_txt(ans)
  node.other = {}
  for i, o in ipairs(other) do node.other[i] = o.text end
  if ans.rcode == "NXDOMAIN" then
    node.error = errors.new("nxdomain", node.domain .. " does not exist", { domain = node.domain })
    return true
  end
  node.records = {}
  for i, r in ipairs(spf) do node.records[i] = r.text end
  if #spf == 0 then
    node.error = errors.new("no-record", node.domain .. " publishes no SPF record", { domain = node.domain })
  elseif #spf > 1 then
    node.error = errors.new("multiple-records", node.domain .. " publishes " .. #spf .. " SPF records",
      { domain = node.domain, count = #spf })
  else
    node.strings, node.ttl = spf[1].strings, spf[1].ttl
    M.parse_record(node, spf[1].text)
  end
  return ntxt == 0
end

-- ---------------------------------------------------------------------
-- Terms: what each one asks
-- ---------------------------------------------------------------------

-- Expand the d/o macros of a domain-spec for a node; nil when it needs the
-- client's IP, sender or HELO (known only at check time).
function M.static_domain(spec, domain)
  if not spec:find("%", 1, true) then return spec end
  if not domain then return nil end
  local s = spec:gsub("%%%%", ""):gsub("%%_", ""):gsub("%%%-", "")
  for letter in s:gmatch("%%{(%a)") do
    if not letter:find("^[dDoO]$") then return nil end
  end
  local out = core.expand(spec, { domain = domain, sender = "postmaster@" .. domain, ip = "192.0.2.0" })
  return type(out) == "string" and out or nil
end

-- The live terms (before the first "all": later ones are never evaluated)
-- and the redirect that is followed (only without "all", RFC 7208 6.1).
local function live_terms(rec)
  local live = {}
  for _, t in ipairs(rec.terms) do
    if t.mechanism == "all" then return live, nil end
    live[#live + 1] = t
  end
  local redirect = rec.modifiers.redirect
  if not redirect then return live, nil end
  for _, m in ipairs(rec.modifier_list or {}) do
    if m.name:lower() == "redirect" then return live, m end
  end
  return live, { text = "redirect=" .. redirect, value = redirect }
end

-- Plan a node: its own lookups, the target of each DNS term, the questions.
function M.plan(node, qs)
  local live, redirect = live_terms(node.parsed)
  node.plan = {}
  for _, t in ipairs(live) do
    if DNS_MECH[t.mechanism] then node.lookups = node.lookups + 1 end
    if DNS_MECH[t.mechanism] or t.mechanism == "ip4" or t.mechanism == "ip6" then
      node.plan[#node.plan + 1] = { term = t, via = t.mechanism == "include" and "include" or nil }
    end
  end
  if redirect then
    node.lookups = node.lookups + 1
    node.plan[#node.plan + 1] = { term = redirect, via = "redirect", spec = redirect.value }
  end
  for _, p in ipairs(node.plan) do
    local spec = p.spec or p.term.domain
    local target = spec and M.static_domain(spec, node.domain) or (not spec and node.domain)
    p.target = target and M.norm(target) or nil
    p.macro = spec ~= nil and not target
    local m = p.via or p.term.mechanism
    if p.target and m ~= "ptr" then
      if p.via or m == "mx" then qs[#qs + 1] = { p.target, p.via and "TXT" or "MX" } end
      if m == "a" or m == "exists" then qs[#qs + 1] = { p.target, "A" } end
      if m == "a" then qs[#qs + 1] = { p.target, "AAAA" } end
    end
  end
end

-- The MX hosts of a planned mx term (limits.mx at most), for the next batch.
function M.mx_hosts(st, p)
  local ans = st.src:get(p.target, "MX")
  local hosts = {}
  for i, r in ipairs(source.records(ans, "MX")) do
    if i > st.limits.mx then break end
    local host = type(r.data) == "table" and r.data[2] or tostring(r.data):match("%S+$")
    if host and host ~= "." and host ~= "" then hosts[#hosts + 1] = M.norm(host) end
  end
  return ans, hosts
end

function M.plan_mx(st, node, qs)
  for _, p in ipairs(node.plan) do
    if p.target and p.term.mechanism == "mx" then
      local _, hosts = M.mx_hosts(st, p)
      for _, h in ipairs(hosts) do
        qs[#qs + 1] = { h, "A" }
        qs[#qs + 1] = { h, "AAAA" }
      end
    end
  end
end

return M
