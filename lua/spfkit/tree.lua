--- One SPF tree: a domain's record and its include/redirect tree, resolved
-- once, then reasoned over (lint, flattening, merge's recount).
-- The rspamd model (`src/libserver/spf.c`): resolve once, keep the result.
--
--    local root = spfkit.tree{ domain = "example.jp", dns = spfkit.resolver() }
--    root.record, root.total_lookups, root.children[1].domain
--
-- The walk goes level by level: the questions of every node of a level
-- (the TXT of its includes and redirect, the A/AAAA/MX of its a, mx and
-- exists terms; then the A/AAAA of the MX hosts) are asked together,
-- through `query_many` when given. All DNS is asked from Lua
-- (`spfkit.tree.source`), so `query` may yield (cosockets), and every
-- question is asked once per call. DNS trouble is recorded in the nodes,
-- never raised.
--
-- Cost (bench/tree.lua, against `core.check` in the same run): a
-- `_spf.google.com`-like tree (4 levels, 7 nodes, 12 questions) over
-- spfkit.zone costs ~17 (LuaJIT) to ~26 (Lua 5.4) engine checks of the
-- same domain, ~0.1-0.2 ms on the build machine: the 12 zone answers and 7
-- parses are a third of it, the rest is Lua bookkeeping. That is far less
-- than one DNS round trip, so a tree is not cached across calls; a caller
-- that needs it twice keeps the root. A DNS source may opt in to reusing
-- the subtrees of shared includes across calls (`dns.tree_nodes`, see
-- `spfkit.tree.reuse`: the audit does, for `_spf.google.com` and the like).
-- @module spfkit.tree

local core = require "spfkit.core"
local errors = require "spfkit.errors"
local source = require "spfkit.tree.source"
local plan = require "spfkit.tree.plan"
local reuse = require "spfkit.tree.reuse"

local M = {}

local type, pairs, ipairs, error, tostring = type, pairs, ipairs, error, tostring

--- Nodes walked at most in one tree: a safety bound, not an RFC limit
-- (evaluation stops after `LIMITS.lookups`, a tree shows what lies beyond).
M.MAX_NODES = 100

--- The mechanisms that cost a DNS lookup (RFC 7208 4.6.4; redirect too).
M.DNS_MECH = plan.DNS_MECH

-- ---------------------------------------------------------------------
-- Resolving one node's terms
-- ---------------------------------------------------------------------

local function result(node, p, status, extra)
  local r = { term = p.term.text, position = p.term.position, mechanism = p.via or p.term.mechanism,
              target = p.target, status = status }
  for k, v in pairs(extra or {}) do r[k] = v end
  node.results[#node.results + 1] = r
  return r
end

-- Add the A/AAAA records of `name` as addresses of term t; returns
-- found (boolean) and the first temperror.
local function add_addresses(st, node, t, name)
  local found, temp = false, nil
  for _, qt in ipairs({ "A", "AAAA" }) do
    local ans = st.src:get(name, qt)
    if ans.code then temp = temp or ans end
    for _, r in ipairs(source.records(ans, qt)) do
      local ip = type(r.data) == "table" and r.data[1] or r.data
      node.addresses[#node.addresses + 1] = { term = t.text, ip = tostring(ip),
        cidr = qt == "A" and (t.cidr4 or 32) or (t.cidr6 or 128), ttl = r.ttl, name = name }
      found = true
    end
  end
  return found, temp
end

local function resolve_a(st, node, p)
  local found, temp = add_addresses(st, node, p.term, p.target)
  if found then return result(node, p, "ok") end
  if temp then return result(node, p, "temperror", { qtype = temp.qtype, error = temp }) end
  node.void = node.void + 1
  return result(node, p, "void")
end

local function resolve_mx(st, node, p)
  local ans, hosts = plan.mx_hosts(st, p)
  if ans.code then return result(node, p, "temperror", { qtype = "MX", error = ans }) end
  if #source.records(ans, "MX") == 0 then
    node.void = node.void + 1
    return result(node, p, "void", { reason = "no-mx" })
  end
  local any = false
  for _, h in ipairs(hosts) do
    if add_addresses(st, node, p.term, h) then any = true end
  end
  return result(node, p, any and "ok" or "no-address", { hosts = hosts })
end

local function resolve_exists(st, node, p)
  local ans = st.src:get(p.target, "A")
  if ans.code then return result(node, p, "temperror", { qtype = "A", error = ans }) end
  if #source.records(ans, "A") == 0 then
    node.void = node.void + 1
    return result(node, p, "void")
  end
  return result(node, p, "ok")
end

-- A copy of the same subtree resolved by an earlier call (spfkit.tree.reuse).
local function reused_child(st, node, p)
  local child, void = reuse.take(st, node, p)
  if not child then return false end
  node.children[#node.children + 1] = child
  result(node, p, "child", { child = #node.children })
  if void then node.void = node.void + 1 st.void_txt[child] = true end
  return true
end

-- Loops, the node bound, then the child's record.
local function open_child(st, node, p)
  if not node.path[p.target] and reused_child(st, node, p) then return end
  local child = plan.new_node(p.target, p.via, p.term)
  node.children[#node.children + 1] = child
  result(node, p, "child", { child = #node.children })
  if node.path[p.target] then child.loop = true return end
  if st.nodes >= M.MAX_NODES then child.truncated = true return end
  st.nodes = st.nodes + 1
  if plan.take_txt(child, st.src:get(p.target, "TXT")) then node.void = node.void + 1 st.void_txt[child] = true end
  if not child.parsed then return end
  child.path = {}
  for d in pairs(node.path) do child.path[d] = true end
  child.path[p.target] = true
  return child
end

local function macro_child(node, p)
  local child = plan.new_node(nil, p.via, p.term)
  child.macro = true
  node.children[#node.children + 1] = child
  result(node, p, "macro")
end

local RESOLVE = { a = resolve_a, mx = resolve_mx, exists = resolve_exists }

-- Resolve a planned node; returns its children that have a record to walk.
local function resolve(st, node, out)
  local src = st.src
  for _, p in ipairs(node.plan) do
    local m = p.term.mechanism
    if m == "ip4" or m == "ip6" then
      node.addresses[#node.addresses + 1] = { term = p.term.text, ip = p.term.ip,
        cidr = m == "ip4" and (p.term.cidr4 or 32) or (p.term.cidr6 or 128), ttl = node.ttl }
    elseif not src then
      if m ~= "ptr" then result(node, p, "unresolved") end
    elseif not p.target then
      if not p.macro then result(node, p, "unresolved")
      elseif p.via then macro_child(node, p) else result(node, p, "macro") end
    elseif p.via then
      out[#out + 1] = open_child(st, node, p)
    elseif RESOLVE[m] then
      RESOLVE[m](st, node, p)
    end
  end
end

-- ---------------------------------------------------------------------
-- The walk
-- ---------------------------------------------------------------------

local function walk_level(st, level)
  local qs = {}
  for _, node in ipairs(level) do plan.plan(node, qs) end
  if not st.src then
    for _, node in ipairs(level) do resolve(st, node, {}) end
    return {}
  end
  st.src:prefetch(qs)
  qs = {}
  for _, node in ipairs(level) do plan.plan_mx(st, node, qs) end
  st.src:prefetch(qs)
  local next_level = {}
  for _, node in ipairs(level) do resolve(st, node, next_level) end
  return next_level
end

-- Totals (RFC 7208 4.6.4 counts through includes and redirect) and the
-- walk's scratch fields removed.
local function finish(node)
  if node.total_lookups and not node.plan then return node.total_lookups, node.total_void end   -- a copy
  local l, v = node.lookups, node.void
  for _, c in ipairs(node.children) do
    local cl, cv = finish(c)
    l, v = l + cl, v + cv
  end
  node.plan, node.path = nil, nil
  node.void_lookups = node.void
  node.total_lookups, node.total_void = l, v
  node.total_void_lookups = v
  return l, v
end

-- The root: given a record, or the domain's TXT (that first lookup is
-- not counted, as check_host() does not count it: RFC 7208 4.6.4).
local function open_root(st, opts, domain)
  local root = plan.new_node(domain)
  root.path = domain and { [domain] = true } or {}
  if opts.record then
    plan.parse_record(root, opts.record)
  else
    plan.take_txt(root, st.src:get(domain, "TXT"))
  end
  return root
end

-- A name: no empty label, 253 bytes at most, no spaces or control
-- characters (a label over 63 bytes is left for DNS to refuse).
local function valid_domain(d)
  return d ~= "" and #d <= 253 and not d:find("[%z\1-\32\127]") and not d:find("..", 1, true)
    and d:sub(1, 1) ~= "."
end

local OPTIONS = { domain = "string", record = "string", dns = true, query = "function",
                  query_many = "function", limits = "table" }

local function check_opts(opts)
  require("spfkit.options").check("spfkit.tree", opts, OPTIONS)
  local dns = opts.dns
  source.check_dns("spfkit.tree", dns, 3)
  if dns and (opts.query or opts.query_many) then error("spfkit.tree: give either dns or query, not both", 3) end
  if not opts.domain and not opts.record then error("spfkit.tree: give domain= (or record=)", 3) end
  if not opts.record and not (dns or opts.query or opts.query_many) then
    error("spfkit.tree: domain= needs dns= or query=", 3)
  end
  for k, v in pairs(opts.limits or {}) do
    if core.LIMITS[k] == nil or type(v) ~= "number" then
      error("spfkit.tree: bad limit '" .. tostring(k) .. "'", 3)
    end
  end
end

local function limits_of(opts)
  local l = {}
  for k, v in pairs(core.LIMITS) do l[k] = v end
  for k, v in pairs(opts.limits or {}) do l[k] = v end
  return l
end

-- One walk from the root (`src` memoises, so a second walk asks nothing).
local function walk(opts, domain, src, reuse_get)
  local st = { src = src, limits = limits_of(opts), nodes = 1, max_nodes = M.MAX_NODES, reuse = reuse_get,
               void_txt = {}, cloned = {} }
  local root = open_root(st, opts, domain)
  local level = root.parsed and { root } or {}
  while #level > 0 do level = walk_level(st, level) end
  finish(root)
  return root, st
end

--- Resolve a domain's SPF record and its include/redirect tree, once.
-- @tparam table opts `{ domain = "example.jp", dns = <zone|resolver|cache|
--   any object with :query(name, qtype)> | query = function(name, qtype)
--   (may yield), query_many = function({{name, qtype}, ...}) -> {answer,
--   ...} (optional), limits = { mx = 10, ... }, record = "v=spf1 ..."
--   (optional: the root's record instead of the domain's TXT; without a
--   DNS source the tree is the root alone, lookups counted statically) }`
-- @treturn[1] table the root node `{ domain, record, records, parsed,
--   terms, strings, ttl, lookups, void, total_lookups, total_void, loop,
--   truncated, macro, error, addresses = {{term, ip, cidr, ttl, name}},
--   results = {{term, position, mechanism, target, status, qtype, error}},
--   other, children = {node with via = "include"|"redirect", term,
--   position}, questions = <DNS questions asked, root only> }` (see the
--   README)
-- @treturn[2] nil
-- @treturn[2] table err `bad-domain` (an `errors.new` table)
-- @raise on a non-table argument, unknown options or wrong types
function M.tree(opts)
  check_opts(opts)
  local domain = opts.domain and plan.norm(opts.domain)
  if domain and not valid_domain(domain) then
    return nil, errors.new("bad-domain", "not a domain name: " .. opts.domain, { domain = opts.domain })
  end
  local src = source.new(opts)
  local root, st = walk(opts, domain, src, reuse.source(opts.dns, opts))
  if st.reused and st.nodes >= M.MAX_NODES then
    root = walk(opts, domain, src, nil)   -- the bound's cut depends on the order: as without reuse
  else
    reuse.store(st, root)
  end
  root.questions = src and src.asked or 0
  return root
end

--- Visit every node depth-first, in record order: `fn(node, depth, parent)`.
-- @tparam table root
-- @tparam function fn
function M.each(root, fn)
  local function visit(node, depth, parent)
    fn(node, depth, parent)
    for _, c in ipairs(node.children) do visit(c, depth + 1, node) end
  end
  visit(root, 0, nil)
end

return M
