--- Reusing the resolved subtrees of shared includes across `spfkit.tree`
-- calls (issue 13: an audit walks `_spf.google.com` once, not once per
-- customer).
--
-- The hook: a DNS source may carry `tree_nodes`, a table owned by whoever
-- owns the source's answers (the audit's answer cache, one table per cache
-- generation). The source's owner vouches that, while that table lives,
-- the source gives the same answer to the same question; the tree then
-- keeps there, by target name, every finished include/redirect subtree and
-- takes a copy of it instead of walking it again. A subtree is kept only
-- when it is context-free: no include loop and no truncation inside it,
-- default limits; it is taken only when none of its names is an ancestor
-- of the node that includes it and it fits under `MAX_NODES`. A walk that
-- took a subtree and then reached `MAX_NODES` is done again without reuse
-- (which nodes the bound cuts depends on the walk's order). So a tree built
-- with reuse reads as the tree built without it (a copied node's fields are
-- read through its metatable: `pairs` does not list them).
-- @module spfkit.tree.reuse

local M = {}

local type, pairs, ipairs, pcall, setmetatable = type, pairs, ipairs, pcall, setmetatable

--- The reuse table of a DNS source (`dns.tree_nodes`), or nil.
-- @param dns the tree's `dns` option
-- @tparam table opts the tree's options (reuse only with default limits)
-- @treturn ?function a getter of the current table (it may change between
--   levels: the owner starts a new one when its answers change)
function M.source(dns, opts)
  if dns == nil or opts.limits ~= nil then return nil end
  local function get()
    local ok, t = pcall(function() return dns.tree_nodes end)
    return ok and type(t) == "table" and t or nil
  end
  if not get() then return nil end
  return get
end

-- A copy of a finished node and of the nodes below it: a new table per
-- node (lint tells nodes apart by identity, so no node is shared between
-- two places) that reads the kept node's fields through `__index` (a
-- field copy cost as much as the walk it saves). `mts` keeps one
-- metatable per kept node.
local function clone(node, mts)
  local mt = mts[node]
  if not mt then mt = { __index = node } mts[node] = mt end
  local kids = {}
  for i, ch in ipairs(node.children) do kids[i] = clone(ch, mts) end
  return setmetatable({ children = kids }, mt)
end

--- A kept subtree for child target `p.target` of `node`, as a new child,
-- or nil. Returns the child and whether its TXT lookup was void.
-- @tparam table st the walk's state (`reuse`, `nodes`, `max_nodes`)
-- @tparam table node the parent
-- @tparam table p the planned term
function M.take(st, node, p)
  local t = st.reuse and st.reuse()
  local e = t and t[p.target]
  if not e or st.nodes + e.size > st.max_nodes then return nil end
  for name in pairs(e.names) do
    if node.path[name] then return nil end
  end
  local child = clone(e.node, e.mts)
  child.via, child.term, child.position = p.via, p.term.text, p.term.position
  st.nodes, st.reused = st.nodes + e.size, true
  st.cloned[child] = true
  return child, e.void
end

-- Size and names of a finished subtree, or nil when it is not context-free.
local function summarise(node, names)
  if node.loop or node.truncated then return nil end
  if node.domain then names[node.domain] = true end
  local size = node.domain and 1 or 0
  for _, c in ipairs(node.children) do
    local n = summarise(c, names)
    if not n then return nil end
    size = size + n
  end
  return size
end

--- Keep the context-free include/redirect subtrees of a finished tree
-- (those walked by this call; copies taken are already kept).
-- @tparam table st the walk's state (`reuse`, `void_txt` = { [child] = true },
--   `cloned` = { [child] = true })
-- @tparam table root
function M.store(st, root)
  local t = st.reuse and st.reuse()
  if not t then return end
  local function visit(node)
    for _, c in ipairs(node.children) do
      if not st.cloned[c] then
        if c.domain and not c.macro and t[c.domain] == nil then
          local names = {}
          local size = summarise(c, names)
          if size then t[c.domain] = { node = c, size = size, names = names, void = st.void_txt[c] or false,
                                  mts = {} } end
        end
        visit(c)
      end
    end
  end
  visit(root)
end

return M
