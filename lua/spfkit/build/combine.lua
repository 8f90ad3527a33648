--- The pure part of `spfkit.merge`: existing SPF records and parsed
-- additions combined into one record text, without DNS. Shared by
-- `spfkit.build` (merge, build) and `spfkit.lint` (the fix it proposes for
-- a domain that publishes several records).
-- Pure Lua (5.1/LuaJIT and 5.4) over `spfkit.core.parse`.
-- @module spfkit.build.combine

local core = require "spfkit.core"
local i18n = require "spfkit.i18n"

local M = {}

local ipairs, assert = ipairs, assert
local concat, sort, insert = table.concat, table.sort, table.insert

local ADDRESS = { ip4 = true, ip6 = true }

local function norm_domain(d)
  return (d:lower():gsub("%.$", ""))
end

--- Identity of a term regardless of qualifier and spelling:
-- "ip4:164.0.1.2/32" == "+IP4:164.0.1.2".
function M.term_key(t)
  if t.modifier then return "=" .. t.name:lower() .. "=" .. t.value end
  local m = t.mechanism
  local k = m
  if ADDRESS[m] then
    k = k .. ":" .. t.ip:lower()
    local full = m == "ip4" and 32 or 128
    local c = m == "ip4" and t.cidr4 or t.cidr6
    if c and c ~= full then k = k .. "/" .. c end
  else
    if t.domain then k = k .. ":" .. norm_domain(t.domain) end
    if t.cidr4 then k = k .. "/" .. t.cidr4 end
    if t.cidr6 then k = k .. "//" .. t.cidr6 end
  end
  return k
end

--- One term (a mechanism or a modifier) from text, or nil, err.
function M.parse_term(text)
  local rec, perr = core.parse("v=spf1 " .. text)
  if not rec or #rec.terms + #(rec.modifier_list or {}) ~= 1 then
    return nil, i18n.err("bad-term", { term = text, error_code = perr and perr.code,
      detail = perr and perr.message or "one term expected" })
  end
  if rec.terms[1] then
    local t = rec.terms[1]
    t.position = nil
    return t
  end
  local m = rec.modifier_list[1]
  return { modifier = true, name = m.name, value = m.value, text = m.text }
end

--- The parsed terms and modifiers of a record, each marked modifier or
-- not, in record order.
function M.items_of(rec)
  local items = {}
  for _, t in ipairs(rec.terms) do items[#items + 1] = t end
  for _, m in ipairs(rec.modifier_list or {}) do
    items[#items + 1] = { modifier = true, name = m.name, value = m.value, text = m.text, position = m.position }
  end
  sort(items, function(x, y) return (x.position or 0) < (y.position or 0) end)
  return items
end

-- ---------------------------------------------------------------------
-- Steps
-- ---------------------------------------------------------------------

local function warn(s, code, params)
  local w = s.info.warnings
  w[#w + 1] = { code = code, params = params, message = i18n.message(code, params) }
end

local function take(s, list, t)
  local k = M.term_key(t)
  if s.keys[k] then return false end
  s.keys[k] = t
  list[#list + 1] = t
  return true
end

local function has_all(rec)
  for _, t in ipairs(rec.terms) do
    if t.mechanism == "all" then return true end
  end
  return false
end

-- One existing record's items: mechanisms before all (pre), the first
-- all, after all (post), modifiers (one exp), redirects aside.
local function absorb_record(s, rec)
  local seen_all, rec_all = false, has_all(rec)
  for _, it in ipairs(M.items_of(rec)) do
    local name = it.modifier and it.name:lower()
    if name == "redirect" then
      s.redirects[#s.redirects + 1] = { item = it, with_all = rec_all }
    elseif name == "exp" and s.exp_seen then
      warn(s, "exp-dropped", { term = it.text })
    elseif it.modifier then
      s.exp_seen = s.exp_seen or name == "exp"
      take(s, s.mods, it)
    elseif it.mechanism == "all" and not seen_all then
      seen_all = true
      s.alls[#s.alls + 1] = it.text
      s.all_term = s.all_term or it
    else
      take(s, seen_all and s.post or s.pre, it)
    end
  end
end

local function all_conflict(s)
  local distinct, uniq = {}, {}
  for _, a in ipairs(s.alls) do
    if not uniq[a] then uniq[a] = true distinct[#distinct + 1] = a end
  end
  if #distinct > 1 then warn(s, "all-conflict", { alls = concat(distinct, ", "), all = s.all_term.text }) end
end

-- An addition already in the record: skipped (and a qualifier conflict noted).
local function skip(s, t, have)
  s.info.skipped[#s.info.skipped + 1] = t.text
  if not t.modifier and have.qualifier ~= t.qualifier then
    warn(s, "qualifier-conflict", { term = t.text, existing = have.text })
  end
end

local function add_one(s, t)
  local added = s.info.added
  local have = s.keys[M.term_key(t)]
  if have then return skip(s, t, have) end
  if t.modifier then
    s.exp_seen = s.exp_seen or t.name:lower() == "exp"
    take(s, s.mods, t)
  elseif ADDRESS[t.mechanism] and not s.new_record then
    s.keys[M.term_key(t)] = t
    s.lead = s.lead + 1
    insert(s.pre, s.lead, t)
  else
    take(s, s.pre, t)
  end
  added[#added + 1] = t.text
end

-- Additions: address terms after the record's leading address terms,
-- others before all; an added all or redirect is remembered.
local function absorb_additions(s, adds)
  s.lead = 0
  if not s.new_record then
    while s.pre[s.lead + 1] and ADDRESS[s.pre[s.lead + 1].mechanism] do s.lead = s.lead + 1 end
  end
  for _, t in ipairs(adds) do
    local name = t.modifier and t.name:lower()
    if not t.modifier and t.mechanism == "all" then
      s.add_all = s.add_all or t.qualifier
    elseif name == "redirect" then
      s.redirects[#s.redirects + 1] = { item = t, added = true }
    elseif name == "exp" and s.exp_seen then
      warn(s, "exp-dropped", { term = t.text })
    else
      add_one(s, t)
    end
  end
end

-- The all to end with: forced, kept, or (new record) added / "~all".
local function choose_all(s, forced_all)
  local q
  if forced_all then q = forced_all
  elseif s.all_term then q = s.all_term.qualifier
  elseif s.new_record then
    if s.add_all == "+" then return nil, i18n.err("plus-all", { term = "+all" }) end
    q = s.add_all or "~"
  end
  if not q then return false end
  if s.all_term and s.all_term.qualifier == q then return s.all_term.text end
  return q .. "all"
end

-- One redirect at most, and none that "all" would make ignored: those
-- become includes.
local function place_redirects(s, all_text, nrecords)
  local kept
  for _, r in ipairs(s.redirects) do
    local it = r.item
    if all_text and r.with_all and nrecords == 1 and not kept and not r.added then
      kept = it                            -- the record's own ignored redirect: leave it be
    elseif all_text or kept then
      local inc = assert(M.parse_term("include:" .. it.value))
      if take(s, s.pre, inc) then warn(s, "redirect-to-include", { term = it.text, target = it.value }) end
      if r.added then s.info.added[#s.info.added + 1] = inc.text end
    else
      kept = it
      if r.added then s.info.added[#s.info.added + 1] = it.text end
    end
  end
  return kept
end

local function render(s, all_text, kept)
  local parts = { "v=spf1" }
  for _, t in ipairs(s.pre) do parts[#parts + 1] = t.text end
  if all_text then parts[#parts + 1] = all_text end
  for _, t in ipairs(s.post) do parts[#parts + 1] = t.text end
  if kept then parts[#parts + 1] = kept.text end
  for _, m in ipairs(s.mods) do parts[#parts + 1] = m.text end
  return concat(parts, " ")
end

--- Combine parsed records and parsed additions into one record.
-- @tparam table records `core.parse` results (may be empty: a new record)
-- @tparam table adds parsed terms (`parse_term`)
-- @tparam[opt] string forced_all "~", "-" or "?" to end with
-- @tparam[opt] table info `{ added, skipped, warnings }` to fill (created
--   when absent)
-- @treturn[1] string the record
-- @treturn[1] table info
-- @treturn[1] boolean whether the record has an include or a redirect
--   (whose lookups only DNS can count)
-- @treturn[2] nil
-- @treturn[2] table err (`plus-all`)
function M.combine(records, adds, forced_all, info)
  info = info or {}
  info.added, info.skipped, info.warnings = info.added or {}, info.skipped or {}, info.warnings or {}
  local s = { pre = {}, post = {}, mods = {}, keys = {}, alls = {}, redirects = {}, info = info,
              new_record = #records == 0 }
  for _, rec in ipairs(records) do absorb_record(s, rec) end
  if #s.alls > 1 then all_conflict(s) end
  absorb_additions(s, adds)
  local all_text, err = choose_all(s, forced_all)
  if all_text == nil then return nil, err end
  local kept = place_redirects(s, all_text or nil, #records)
  local dns_terms = kept ~= nil
  for _, t in ipairs(s.pre) do
    if t.mechanism == "include" then dns_terms = true end
  end
  return render(s, all_text or nil, kept), info, dns_terms
end

return M
