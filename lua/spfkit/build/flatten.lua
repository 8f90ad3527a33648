--- Flattening over an SPF tree: the costliest includes of a record
-- replaced by the addresses they resolve to now, until the record fits the
-- lookup limit (a proposal marked stale: the provider may change them).
-- @module spfkit.build.flatten

local combine = require "spfkit.build.combine"

local M = {}

local ipairs, type = ipairs, type
local concat, sort = table.concat, table.sort

-- "ip4:198.51.100.1", "ip6:2001:db8::/32" for an address of the tree.
local function address_term(a)
  local v6 = a.ip:find(":", 1, true) ~= nil
  local text = (v6 and "ip6:" or "ip4:") .. a.ip
  if a.cidr and a.cidr ~= (v6 and 128 or 32) then text = text .. "/" .. a.cidr end
  return text
end

local function addresses_of(node, text, out)
  for _, a in ipairs(node.addresses) do
    if a.term == text then out[#out + 1] = address_term(a) end
  end
end

local UNFLATTENABLE = { exists = true, ptr = true }

-- Whether a term of a node stops the node from being flattened.
local function blocks(t, status)
  return t.qualifier ~= "+" or UNFLATTENABLE[t.mechanism] or status == "temperror" or status == "macro"
end

local collect

-- The ip4:/ip6: terms a node authorises now (through its includes and
-- redirect), appended to out; false when it cannot be flattened (errors,
-- macros, exists, ptr, qualifiers other than "+").
function collect(node, out)
  if node.error or node.loop or node.macro or node.truncated or not node.terms then return false end
  local status, kids = {}, 0
  for _, r in ipairs(node.results) do status[r.term] = status[r.term] or r.status end
  for _, t in ipairs(node.terms) do
    if t.mechanism == "all" then return true end
    if blocks(t, status[t.text]) then return false end
    if t.mechanism == "include" then
      kids = kids + 1
      if not collect(node.children[kids], out) then return false end
    else
      addresses_of(node, t.text, out)
    end
  end
  local redirect = node.children[kids + 1]
  if redirect and redirect.via == "redirect" then return collect(redirect, out) end
  return true
end

-- The root's includes, costliest first (1 + what they count below).
local function costs_of(root)
  local costs = {}
  for _, c in ipairs(root.children) do
    if c.via == "include" and c.domain and not c.error and not c.loop then
      costs[#costs + 1] = { node = c, term = c.term, cost = 1 + c.total_lookups, i = #costs }
    end
  end
  sort(costs, function(x, y)
    if x.cost ~= y.cost then return x.cost > y.cost end
    return x.i < y.i
  end)
  return costs
end

local function rewrite(record, replace)
  local rec = require("spfkit.core").parse(record)
  local parts, seen = { "v=spf1" }, {}
  for _, it in ipairs(combine.items_of(rec)) do
    local list = not it.modifier and replace[it.text]
    if list then
      for _, ip in ipairs(list) do
        if not seen[ip] then seen[ip] = true parts[#parts + 1] = ip end
      end
    else
      parts[#parts + 1] = it.text
    end
  end
  return concat(parts, " ")
end

--- Flatten the costliest includes of a tree's root record until it fits.
-- @tparam table root an `spfkit.tree` root (of the record to flatten)
-- @tparam number limit the lookup limit
-- @treturn[1] string the flattened record
-- @treturn[1] table the include terms replaced
-- @treturn[2] nil when no flattening makes the record fit
function M.flatten(root, limit)
  if type(root) ~= "table" or not root.record then return nil end
  local lookups = root.total_lookups
  local replace, flattened = {}, {}
  for _, c in ipairs(costs_of(root)) do
    if lookups <= limit then break end
    local ips = {}
    if collect(c.node, ips) then
      replace[c.term] = ips
      flattened[#flattened + 1] = c.term
      lookups = lookups - c.cost
    end
  end
  if lookups > limit or #flattened == 0 then return nil end
  return rewrite(root.record, replace), flattened
end

return M
