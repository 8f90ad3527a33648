--- Lint's findings about the nodes of an SPF tree (`spfkit.tree`): what a
-- record says (static), and what its DNS terms found (results, children).
-- @module spfkit.lint.rules

local finding = require "spfkit.lint.finding"
local compat = require "spfkit.lint.compat"

local M = {}

local ipairs, tonumber = ipairs, tonumber
local add, term_at = finding.add, compat.term_at

local function norm_name(s)
  return (s:lower():gsub("%.$", ""))
end

-- Addresses a prefix covers, as a short string ("16,777,216").
local function count_text(bits)
  if bits > 48 then return ("2^%d"):format(bits) end
  local s = ("%.0f"):format(2 ^ bits)
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

local function is_private(t)
  if t.mechanism == "ip4" then
    local a, b = t.ip:match("^(%d+)%.(%d+)")
    a, b = tonumber(a), tonumber(b)
    return a == 10 or a == 127 or (a == 172 and b >= 16 and b <= 31) or (a == 192 and b == 168)
      or (a == 169 and b == 254)
  end
  local ip = t.ip:lower()
  return ip == "::1" or ip:find("^f[cd]") ~= nil or ip:find("^fe[89ab]") ~= nil
end

local function address_findings(st, node, t)
  local m = t.mechanism
  if is_private(t) then add(st, "private-address", "warning", node, t.text, t.position) end
  local bits = m == "ip4" and 32 - (t.cidr4 or 32) or 128 - (t.cidr6 or 128)
  if (m == "ip4" and bits > 16) or (m == "ip6" and bits > 96) then
    add(st, "wide-range", "warning", node, t.text, t.position, { count = count_text(bits) })
  end
end

local function first_all(terms)
  for i, t in ipairs(terms) do
    if t.mechanism == "all" then return i end
  end
end

-- One term's own findings; `seen` holds the include targets met so far.
local function term_findings(st, node, t, i, all_index, seen)
  local m = t.mechanism
  if m == "all" and t.qualifier == "+" and i == all_index then
    add(st, "plus-all", "error", node, t.text, t.position)
  elseif m == "ptr" then
    add(st, "ptr", "warning", node, t.text, t.position)
  elseif m == "include" then
    local key = norm_name(t.domain)
    if seen[key] then add(st, "duplicate-include", "warning", node, t.text, t.position) end
    seen[key] = true
  elseif (m == "ip4" or m == "ip6") and t.ip then
    address_findings(st, node, t)
  end
  if all_index and i > all_index then
    add(st, "after-all", "warning", node, t.text, t.position, { all = node.terms[all_index].text })
  end
end

local function redirect_term(rec)
  for _, m in ipairs(rec.modifier_list or {}) do
    if m.name:lower() == "redirect" then return m end
  end
  return {}
end

-- What the record says, whatever DNS answers. Returns the include targets.
local function static_findings(st, node)
  local rec, terms = node.parsed, node.terms
  local all_index, seen = first_all(terms), {}
  for i, t in ipairs(terms) do term_findings(st, node, t, i, all_index, seen) end
  local redirect = rec.modifiers.redirect
  if not all_index and not redirect then add(st, "no-all", "warning", node, nil, nil) end
  if all_index and redirect then
    local rt = redirect_term(rec)
    add(st, "redirect-ignored", "warning", node, rt.text, rt.position, { all = terms[all_index].text })
    if node == st.root then
      add(st, "compat-libspf2", "info", node, rt.text, rt.position, { kind = "redirect-with-all" })
    end
  end
  if node == st.root then compat.check(st, node, node.record, rec) end
  return seen
end

-- ---------------------------------------------------------------------
-- DNS results
-- ---------------------------------------------------------------------

local CHILD_ERROR = {
  ["dns-temperror"] = function(st, node, r)
    add(st, "dns-temperror", "warning", node, r.term, r.position, { target = r.target, qtype = "TXT" })
  end,
  ["no-record"] = function(st, node, r)
    add(st, "include-no-record", "error", node, r.term, r.position, { target = r.target })
  end,
  ["multiple-records"] = function(st, _, r, child)
    add(st, "multiple-records", "error", child, r.term, nil, { domain = r.target, count = #child.records })
  end,
}
CHILD_ERROR.nxdomain = CHILD_ERROR["no-record"]

-- An include/redirect: the parent's findings about it, the child's own,
-- then a duplicate include elsewhere in the tree.
local function child_findings(st, node, r, seen)
  local child = node.children[r.child]
  if child.loop then
    add(st, "include-loop", "error", node, r.term, r.position, { target = r.target })
  elseif child.error and CHILD_ERROR[child.error.code] then
    CHILD_ERROR[child.error.code](st, node, r, child)
  else
    M.node(st, child)
  end
  if child.via ~= "include" then return end
  local first = st.included[r.target]
  if first and not child.loop and (not seen[r.target] or first ~= node) then
    add(st, "duplicate-include", node == st.root and "warning" or "info", node, r.term, r.position)
  end
  st.included[r.target] = first or node
end

local function temperror(st, node, r)
  add(st, "dns-temperror", "warning", node, r.term, r.position, { target = r.target, qtype = r.qtype })
end

local RESULT = {
  a = { void = function(st, node, r)
    add(st, "a-no-address", "warning", node, r.term, r.position, { target = r.target })
  end, temperror = temperror },
  mx = { void = function(st, node, r)
    add(st, "mx-no-address", "warning", node, r.term, r.position, { target = r.target, reason = "no-mx" })
  end, ["no-address"] = function(st, node, r)
    add(st, "mx-no-address", "warning", node, r.term, r.position, { target = r.target, reason = "no-address" })
  end, temperror = temperror },
}

--- Lint one node of the tree and, recursively, the nodes below it.
function M.node(st, node)
  if not node.parsed then
    local e = node.error
    if e and e.code == "syntax" and not node.quiet_syntax then
      add(st, "syntax", "error", node, term_at(node.record, e.position), e.position,
        { error_code = e.error_code, detail = e.message, position = e.position })
    end
    if e and e.code == "syntax" and node == st.root then
      compat.check(st, node, node.record, nil, { code = e.error_code, position = e.position })
    end
    return
  end
  local seen = static_findings(st, node)
  if not st.dns then return end
  for _, r in ipairs(node.results) do
    if r.status == "child" then child_findings(st, node, r, seen)
    else
      local on = RESULT[r.mechanism] and RESULT[r.mechanism][r.status]
      if on then on(st, node, r) end
    end
  end
end

return M
