--- Build an SPF record from provider templates, and merge terms into an
-- existing record, the way the hosting notices tell customers to.
--
--    spfkit.build{ providers = { {id="willnet"}, {id="google-workspace"} }, all = "~" }
--    --> "v=spf1 a mx include:spf01.willnet.ad.jp include:_spf.google.com ~all", info
--    spfkit.merge("v=spf1 include:_spf.example.jp ~all", {"ip4:164.0.1.2"})
--    --> "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", info
--
-- User input errors return `nil, err` with `err = { code, message,
-- message_ja, ... }` (messages from `spfkit.i18n`); wrong argument types
-- and unknown options raise.
-- @module spfkit.build

local i18n = require "spfkit.i18n"

local M = {}

local type, pairs, ipairs, tostring, error, pcall = type, pairs, ipairs, tostring, error, pcall
local concat, sort = table.concat, table.sort

--- Default limit on DNS-querying terms (RFC 7208 section 4.6.4).
M.LOOKUP_LIMIT = 10

local function spfkit() return require "spfkit" end
local function lint() return require "spfkit.lint" end

local ALL = { ["~"] = "~", ["-"] = "-", ["?"] = "?", ["+"] = "+",
              ["~all"] = "~", ["-all"] = "-", ["?all"] = "?", ["+all"] = "+", all = "+" }

local ADDRESS = { ip4 = true, ip6 = true }

-- ---------------------------------------------------------------------
-- Terms
-- ---------------------------------------------------------------------

local function norm_domain(d)
  return (d:lower():gsub("%.$", ""))
end

-- Identity of a term regardless of qualifier and spelling:
-- "ip4:164.0.1.2/32" == "+IP4:164.0.1.2".
local function term_key(t)
  if t.modifier then return "=" .. t.name:lower() .. "=" .. t.value end
  local m = t.mechanism
  local k = m
  if m == "ip4" or m == "ip6" then
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

-- One term (a mechanism or a modifier) from text, or nil, err.
local function parse_term(text)
  local rec, perr = spfkit().parse("v=spf1 " .. text)
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

-- The parsed terms and modifiers of a record, each marked modifier or not,
-- in record order.
local function items_of(rec)
  local items = {}
  for _, t in ipairs(rec.terms) do items[#items + 1] = t end
  for _, m in ipairs(rec.modifier_list or {}) do
    items[#items + 1] = { modifier = true, name = m.name, value = m.value, text = m.text, position = m.position }
  end
  sort(items, function(x, y) return (x.position or 0) < (y.position or 0) end)
  return items
end

-- ---------------------------------------------------------------------
-- Flattening
-- ---------------------------------------------------------------------

local function records_of(ans, qtype)
  local out = {}
  for _, r in ipairs(ans and ans.records or {}) do
    if r.type == qtype then out[#out + 1] = r end
  end
  return out
end

local function ask(dns, name, qtype)
  local ok, ans = pcall(dns.query, dns, name, qtype)
  if not ok or type(ans) ~= "table" then return nil end
  return ans
end

local function addresses(dns, name, t, out)
  for _, qt in ipairs({ "A", "AAAA" }) do
    local ans = ask(dns, name, qt)
    if not ans then return false end
    for _, r in ipairs(records_of(ans, qt)) do
      local ip = type(r.data) == "table" and r.data[1] or r.data
      local text = (qt == "A" and "ip4:" or "ip6:") .. tostring(ip)
      local c = qt == "A" and t.cidr4 or t.cidr6
      if c and c ~= (qt == "A" and 32 or 128) then text = text .. "/" .. c end
      out[#out + 1] = text
    end
  end
  return true
end

-- The ip4:/ip6: terms a domain's SPF record authorises now, or nil when
-- it cannot be flattened (macros, exists, ptr, non-pass qualifiers).
local function resolve(dns, domain, out, depth)
  if depth > 10 then return nil end
  local ans = ask(dns, domain, "TXT")
  if not ans then return nil end
  local text
  for _, r in ipairs(records_of(ans, "TXT")) do
    local s = type(r.data) == "table" and concat(r.data) or tostring(r.data)
    if lint().is_spf(s) then
      if text then return nil end
      text = s
    end
  end
  if not text then return nil end
  local rec = spfkit().parse(text)
  if not rec then return nil end
  local has_all = false
  for _, t in ipairs(rec.terms) do
    local m = t.mechanism
    if m == "all" then has_all = true break end
    if t.qualifier ~= "+" then return nil end
    if (t.domain and t.domain:find("%", 1, true)) or m == "exists" or m == "ptr" then return nil end
    if ADDRESS[m] then
      out[#out + 1] = (t.text:gsub("^%+", ""))
    elseif m == "a" then
      if not addresses(dns, norm_domain(t.domain or domain), t, out) then return nil end
    elseif m == "mx" then
      local mx = ask(dns, norm_domain(t.domain or domain), "MX")
      if not mx then return nil end
      for _, r in ipairs(records_of(mx, "MX")) do
        local host = type(r.data) == "table" and r.data[2] or tostring(r.data):match("%S+$")
        if host and host ~= "." then
          if not addresses(dns, norm_domain(host), t, out) then return nil end
        end
      end
    elseif m == "include" then
      if not resolve(dns, norm_domain(t.domain), out, depth + 1) then return nil end
    end
  end
  local redirect = rec.modifiers.redirect
  if redirect and not has_all then
    if redirect:find("%", 1, true) then return nil end
    if not resolve(dns, norm_domain(redirect), out, depth + 1) then return nil end
  end
  return out
end

local function count_lookups(record, dns, domain)
  local r = lint().lint{ record = record, dns = dns, domain = domain }
  return r.lookups, r
end

-- Replace the costliest includes by the addresses they resolve to now
-- until the record fits the limit.
local function flatten(record, opts, limit)
  local dns = opts.dns
  if not dns then return nil end
  local lookups, r = count_lookups(record, dns, opts.domain)
  local costs = {}
  for _, c in ipairs(r.tree.children or {}) do
    if c.via == "include" and c.domain and not c.error and not c.loop then
      costs[#costs + 1] = { term = c.term, domain = c.domain, cost = 1 + (c.total_lookups or 0), i = #costs }
    end
  end
  sort(costs, function(x, y)
    if x.cost ~= y.cost then return x.cost > y.cost end
    return x.i < y.i
  end)
  local replace, flattened = {}, {}
  for _, c in ipairs(costs) do
    if lookups <= limit then break end
    local ips = resolve(dns, c.domain, {}, 0)
    if ips then
      replace[c.term] = ips
      flattened[#flattened + 1] = c.term
      lookups = lookups - c.cost
    end
  end
  if lookups > limit or #flattened == 0 then return nil end
  local rec = spfkit().parse(record)
  local parts, seen = { "v=spf1" }, {}
  for _, it in ipairs(items_of(rec)) do
    local list = not it.modifier and replace[it.text]
    if list then
      for _, ip in ipairs(list) do
        if not seen[ip] then seen[ip] = true parts[#parts + 1] = ip end
      end
    else
      parts[#parts + 1] = it.text
    end
  end
  local text = concat(parts, " ")
  local exact = count_lookups(text, dns, opts.domain)
  local date = os.date("!%Y-%m-%d")
  return {
    record = text, flattened = flattened, lookups = exact, stale = true, resolved_at = date,
    message = i18n.message("flatten-proposal", { flattened = concat(flattened, ", "), date = date, lookups = exact }),
  }
end

-- ---------------------------------------------------------------------
-- Merge
-- ---------------------------------------------------------------------

local MERGE_OPTIONS = { all = true, dns = true, domain = true, limit = true }

local function check_dns(fname, dns)
  if dns == nil then return end
  local ok, q = pcall(function() return dns.query end)
  if (type(dns) ~= "table" and type(dns) ~= "userdata") or not ok or type(q) ~= "function" then
    error(fname .. ": option 'dns' must have a :query(name, qtype) method", 3)
  end
end

local function all_qualifier(v)
  if v == nil then return nil end
  local q = ALL[tostring(v):lower()]
  if not q then return nil, i18n.err("bad-all", { value = tostring(v) }) end
  if q == "+" then return nil, i18n.err("plus-all", { term = "+all" }) end
  return q
end

-- Additions: a string of terms (a whole "v=spf1 ... ~all" record is fine),
-- or a list of term strings and provider specs `{ id =, ip =, host = }`.
local function addition_items(additions, notes)
  local tokens = {}
  local function add_string(s)
    local fixed = lint().repair(s)
    for tok in fixed:gmatch("%S+") do
      if tok:lower() ~= "v=spf1" then tokens[#tokens + 1] = tok end
    end
  end
  if type(additions) == "string" then
    add_string(additions)
  else
    for i, a in ipairs(additions) do
      if type(a) == "string" then
        add_string(a)
      elseif type(a) == "table" then
        local terms, err = M.provider_terms(a, i)
        if not terms then return nil, err end
        for _, t in ipairs(terms) do tokens[#tokens + 1] = t end
        local entry = require("spfkit.providers").get(a.id)
        if entry and entry.notes then
          notes[#notes + 1] = { provider = a.id, en = entry.notes.en, ja = entry.notes.ja }
        end
      else
        error("spfkit.merge: additions[" .. i .. "] must be a string or a provider table", 3)
      end
    end
  end
  local items = {}
  for _, tok in ipairs(tokens) do
    local t, err = parse_term(tok)
    if not t then return nil, err end
    items[#items + 1] = t
  end
  return items
end

--- Provider terms for one `{ id =, ip =, host = }` spec, or `nil, err`.
-- @tparam table spec
-- @tparam[opt] number index position in the list (for error messages)
-- @treturn table list of term strings
function M.provider_terms(spec, index)
  if type(spec.id) ~= "string" then
    error("spfkit.build: provider " .. tostring(index or "?") .. " needs a string id", 3)
  end
  local providers = require "spfkit.providers"
  local params = {}
  for k, v in pairs(spec) do if k ~= "id" then params[k] = v end end
  local terms, perr = providers.terms(spec.id, params)
  if terms then return terms end
  local p = { id = spec.id, param = perr.param }
  if perr.param then
    local entry = providers.get(spec.id)
    local d = entry and entry.params and entry.params[perr.param]
    if d then
      p.description, p.description_ja, p.example = d.description.en, d.description.ja, d.example
    end
    p.value = tostring(params[perr.param])
  end
  return nil, i18n.err(perr.code, p)
end

--- Merge terms into an existing SPF record (or several), as one record.
-- Address terms (ip4/ip6) go after the record's leading address terms,
-- before its first DNS-querying term; other terms go after the existing
-- ones, before `all`; duplicates (same mechanism and value, any qualifier)
-- are dropped; the existing `all` is kept unless `opts.all` says otherwise.
-- Several `v=spf1` records are merged into one; other TXT values in the
-- list are left out (and reported). With no existing record this builds a
-- new one, in the order given, ending in `~all` (or `opts.all`).
-- @tparam nil|string|table existing a record, or a list of TXT values
-- @tparam nil|string|table additions a string of terms (a whole record is
--   fine) or a list of term strings and provider specs `{id=, ip=, host=}`
-- @tparam[opt] table opts `{ all = "~"|"-"|"?", dns = <source with :query>
--   (count lookups through includes, and propose flattening), domain =
--   <the record's domain, for bare a/mx>, limit = 10 }`
-- @treturn[1] string the merged record
-- @treturn[1] table info `{ lookups, lookups_exact, added = {terms},
--   skipped = {terms already there}, ignored = {non-SPF TXT values},
--   warnings = { {code, message={en,ja}} }, findings = <lint findings>,
--   notes = { {provider, en, ja} } }`
-- @treturn[2] nil
-- @treturn[2] table err `{ code, message, message_ja, ... }`; for
--   `merge-too-many-lookups` also `lookups`, `limit`, `record` (the
--   over-limit record) and `flatten = { record, flattened = {terms},
--   lookups, stale = true, resolved_at, message = {en,ja} }` when a
--   flattened proposal could be made (needs `opts.dns`)
function M.merge(existing, additions, opts)
  local fname = "spfkit.merge"
  if existing ~= nil and type(existing) ~= "string" and type(existing) ~= "table" then
    error(fname .. ": existing must be nil, a string or a list of strings", 2)
  end
  if additions ~= nil and type(additions) ~= "string" and type(additions) ~= "table" then
    error(fname .. ": additions must be nil, a string or a list", 2)
  end
  if opts ~= nil and type(opts) ~= "table" then error(fname .. ": opts must be a table", 2) end
  opts = opts or {}
  for k in pairs(opts) do
    if not MERGE_OPTIONS[k] then error(fname .. ": unknown option '" .. tostring(k) .. "'", 2) end
  end
  check_dns(fname, opts.dns)
  if opts.domain ~= nil and type(opts.domain) ~= "string" then error(fname .. ": domain must be a string", 2) end
  local limit = opts.limit or M.LOOKUP_LIMIT
  if type(limit) ~= "number" then error(fname .. ": limit must be a number", 2) end

  local info = { added = {}, skipped = {}, ignored = {}, warnings = {}, notes = {} }
  local function warn(code, params)
    info.warnings[#info.warnings + 1] = { code = code, message = i18n.message(code, params) }
  end

  local forced_all, aerr = all_qualifier(opts.all)
  if aerr then return nil, aerr end

  -- the existing records
  local texts = {}
  if type(existing) == "string" then texts[1] = existing
  elseif type(existing) == "table" then
    for i, s in ipairs(existing) do
      if type(s) ~= "string" then error(fname .. ": existing[" .. i .. "] must be a string", 2) end
      texts[#texts + 1] = s
    end
  end
  local records = {}
  for _, s in ipairs(texts) do
    local fixed = lint().repair(s)
    if lint().is_spf(fixed) then
      local rec, perr = spfkit().parse(fixed)
      if not rec then
        local e = i18n.err("syntax", { term = fixed:match("^[^ ]*", perr.position), position = perr.position,
          error_code = perr.code, detail = perr.message })
        e.record = fixed
        return nil, e
      end
      records[#records + 1] = rec
    elseif s:find("%S") then
      info.ignored[#info.ignored + 1] = s
      warn("not-spf-ignored", { text = s })
    end
  end

  local adds = {}
  if additions ~= nil then
    local err
    adds, err = addition_items(additions, info.notes)
    if not adds then return nil, err end
  end

  -- mechanisms before all (pre), the all, after all (post), modifiers
  local pre, post, mods = {}, {}, {}
  local keys = {}          -- key -> item already in the record
  local all_term, alls = nil, {}
  local redirects = {}     -- { item, from_record_with_all }
  local exp_seen = false
  local function take(list, t)
    local k = term_key(t)
    if keys[k] then return false end
    keys[k] = t
    list[#list + 1] = t
    return true
  end
  for _, rec in ipairs(records) do
    local seen_all = false
    local rec_all
    for _, t in ipairs(rec.terms) do
      if t.mechanism == "all" then rec_all = rec_all or t end
    end
    for _, it in ipairs(items_of(rec)) do
      if it.modifier then
        local name = it.name:lower()
        if name == "redirect" then
          redirects[#redirects + 1] = { item = it, with_all = rec_all ~= nil }
        elseif name == "exp" then
          if exp_seen then warn("exp-dropped", { term = it.text })
          else exp_seen = true take(mods, it) end
        else
          take(mods, it)
        end
      elseif it.mechanism == "all" and not seen_all then
        seen_all = true
        alls[#alls + 1] = it.text
        if not all_term then all_term = it end
      else
        take(seen_all and post or pre, it)
      end
    end
  end
  if #alls > 1 then
    local distinct, uniq = {}, {}
    for _, a in ipairs(alls) do if not uniq[a] then uniq[a] = true distinct[#distinct + 1] = a end end
    if #distinct > 1 then warn("all-conflict", { alls = concat(distinct, ", "), all = all_term.text }) end
  end

  -- additions
  local new_record = #records == 0
  local add_all
  local lead = 0                        -- leading address terms of the record
  if not new_record then
    while pre[lead + 1] and ADDRESS[pre[lead + 1].mechanism] do lead = lead + 1 end
  end
  for _, t in ipairs(adds) do
    if not t.modifier and t.mechanism == "all" then
      add_all = add_all or t.qualifier
    elseif t.modifier and t.name:lower() == "redirect" then
      redirects[#redirects + 1] = { item = t, added = true }
    elseif t.modifier and t.name:lower() == "exp" and exp_seen then
      warn("exp-dropped", { term = t.text })
    else
      local k = term_key(t)
      local have = keys[k]
      if have then
        info.skipped[#info.skipped + 1] = t.text
        if not t.modifier and have.qualifier ~= t.qualifier then
          warn("qualifier-conflict", { term = t.text, existing = have.text })
        end
      elseif t.modifier then
        if t.name:lower() == "exp" then exp_seen = true end
        take(mods, t)
        info.added[#info.added + 1] = t.text
      elseif ADDRESS[t.mechanism] and not new_record then
        keys[k] = t
        lead = lead + 1
        table.insert(pre, lead, t)
        info.added[#info.added + 1] = t.text
      else
        take(pre, t)
        info.added[#info.added + 1] = t.text
      end
    end
  end

  -- all
  local all_q
  if forced_all then all_q = forced_all
  elseif all_term then all_q = all_term.qualifier
  elseif new_record then
    all_q = add_all or "~"
    if add_all == "+" then return nil, i18n.err("plus-all", { term = "+all" }) end
  end
  local all_text
  if all_q then
    if all_term and all_term.qualifier == all_q then all_text = all_term.text
    else all_text = all_q .. "all" end
  end

  -- redirects: one at most, and none that "all" would make ignored
  local kept_redirect
  for _, r in ipairs(redirects) do
    local it = r.item
    if all_text and r.with_all and #records == 1 and not kept_redirect and not r.added then
      kept_redirect = it                   -- the record's own ignored redirect: leave it be
    elseif all_text or kept_redirect then
      local inc = assert(parse_term("include:" .. it.value))
      if take(pre, inc) then warn("redirect-to-include", { term = it.text, target = it.value }) end
      if r.added then info.added[#info.added + 1] = inc.text end
    else
      kept_redirect = it
      if r.added then info.added[#info.added + 1] = it.text end
    end
  end

  -- the text
  local parts = { "v=spf1" }
  for _, t in ipairs(pre) do parts[#parts + 1] = t.text end
  if all_text then parts[#parts + 1] = all_text end
  for _, t in ipairs(post) do parts[#parts + 1] = t.text end
  if kept_redirect then parts[#parts + 1] = kept_redirect.text end
  for _, m in ipairs(mods) do parts[#parts + 1] = m.text end
  local record = concat(parts, " ")

  -- lookups
  local lookups, r = count_lookups(record, opts.dns, opts.domain)
  info.lookups = lookups
  info.lookups_exact = opts.dns ~= nil
  info.findings = r.findings
  if lookups > limit then
    local e = i18n.err("merge-too-many-lookups", { lookups = lookups, limit = limit })
    e.record = record
    e.flatten = flatten(record, opts, limit)
    if not e.flatten then e.flatten_message = i18n.message("flatten-unavailable") end
    return nil, e
  end
  if not opts.dns then
    local dns_terms = false
    for _, t in ipairs(pre) do if t.mechanism == "include" then dns_terms = true end end
    if dns_terms or kept_redirect then warn("lookups-estimated", { lookups = lookups }) end
  end
  return record, info
end

-- ---------------------------------------------------------------------
-- Build
-- ---------------------------------------------------------------------

local BUILD_OPTIONS = { providers = true, terms = true, all = true, dns = true, domain = true, limit = true }

--- Build a new SPF record from provider templates and extra terms.
-- @tparam table opts `{ providers = { {id = "willnet"}, {id = "zenlogic",
--   ip = "164.0.1.2"}, {id = "sakura", host = "www1234.sakura.ne.jp"} },
--   terms = {"ip4:192.0.2.1"} or "ip4:192.0.2.1 mx", all = "~" (default;
--   "-" or "?"), dns = <source> (count lookups through includes), domain =,
--   limit = 10 }`
-- @treturn[1] string the record, e.g. `"v=spf1 a mx include:spf01.willnet.ad.jp ~all"`
-- @treturn[1] table info `{ lookups, lookups_exact, warnings, findings,
--   notes = { {provider, en, ja} }, added, skipped }` (as for merge)
-- @treturn[2] nil
-- @treturn[2] table err `{ code = "unknown-provider"|"missing-param"|
--   "bad-param"|"bad-term"|"bad-all"|"plus-all"|"merge-too-many-lookups",
--   message, message_ja, ... }`
-- @raise on a non-table argument, unknown options, wrong types
function M.build(opts)
  if type(opts) ~= "table" then
    error("spfkit.build: expected a table of options, got " .. type(opts), 2)
  end
  for k in pairs(opts) do
    if not BUILD_OPTIONS[k] then error("spfkit.build: unknown option '" .. tostring(k) .. "'", 2) end
  end
  if opts.providers ~= nil and type(opts.providers) ~= "table" then
    error("spfkit.build: providers must be a list of { id = ... } tables", 2)
  end
  if opts.terms ~= nil and type(opts.terms) ~= "string" and type(opts.terms) ~= "table" then
    error("spfkit.build: terms must be a string or a list of strings", 2)
  end
  local additions = {}
  for i, p in ipairs(opts.providers or {}) do
    if type(p) ~= "table" then error("spfkit.build: providers[" .. i .. "] must be a table", 2) end
    additions[#additions + 1] = p
  end
  if type(opts.terms) == "string" then additions[#additions + 1] = opts.terms
  else
    for i, t in ipairs(opts.terms or {}) do
      if type(t) ~= "string" then error("spfkit.build: terms[" .. i .. "] must be a string", 2) end
      additions[#additions + 1] = t
    end
  end
  return M.merge(nil, additions, { all = opts.all or "~", dns = opts.dns, domain = opts.domain, limit = opts.limit })
end

return M
