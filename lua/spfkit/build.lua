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

local core = require "spfkit.core"
local i18n = require "spfkit.i18n"
local repair = require "spfkit.repair"
local lint = require "spfkit.lint"
local combine = require "spfkit.build.combine"
local flatten_tree = require("spfkit.build.flatten").flatten
local check_dns = require("spfkit.tree.source").check_dns

local M = {}

local type, pairs, ipairs, tostring, error = type, pairs, ipairs, tostring, error
local concat = table.concat

local ALL = { ["~"] = "~", ["-"] = "-", ["?"] = "?", ["+"] = "+",
              ["~all"] = "~", ["-all"] = "-", ["?all"] = "?", ["+all"] = "+", all = "+" }

--- Default limit on DNS-querying terms (RFC 7208 section 4.6.4; `core.LIMITS`).
M.LOOKUP_LIMIT = core.LIMITS.lookups

-- ---------------------------------------------------------------------
-- Lookups and flattening (over spfkit.tree, through lint)
-- ---------------------------------------------------------------------

-- Lint the record (its tree counts the lookups); nil, err for a bad domain.
local function count_lookups(record, dns, domain)
  local r, err = lint.lint{ record = record, dns = dns, domain = domain }
  if not r then return nil, err end
  return r.lookups, r
end

-- Replace the costliest includes by the addresses they resolve to now
-- until the record fits the limit.
local function flatten(r, opts, limit)
  if not opts.dns then return nil end
  local text, flattened = flatten_tree(r.tree, limit)
  if not text then return nil end
  local exact = count_lookups(text, opts.dns, opts.domain)
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
    local fixed = repair.repair(s)
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
    local t, err = combine.parse_term(tok)
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

local function check_merge_args(existing, additions, opts)
  local fname = "spfkit.merge"
  if existing ~= nil and type(existing) ~= "string" and type(existing) ~= "table" then
    error(fname .. ": existing must be nil, a string or a list of strings", 3)
  end
  if additions ~= nil and type(additions) ~= "string" and type(additions) ~= "table" then
    error(fname .. ": additions must be nil, a string or a list", 3)
  end
  if opts ~= nil and type(opts) ~= "table" then error(fname .. ": opts must be a table", 3) end
  opts = opts or {}
  for k in pairs(opts) do
    if not MERGE_OPTIONS[k] then error(fname .. ": unknown option '" .. tostring(k) .. "'", 3) end
  end
  check_dns(fname, opts.dns, 3)
  if opts.domain ~= nil and type(opts.domain) ~= "string" then error(fname .. ": domain must be a string", 3) end
  if opts.limit ~= nil and type(opts.limit) ~= "number" then error(fname .. ": limit must be a number", 3) end
  if type(existing) == "table" then
    for i, v in ipairs(existing) do
      if type(v) ~= "string" then error(fname .. ": existing[" .. i .. "] must be a string", 3) end
    end
  end
  return opts
end

local function warn(info, code, params)
  info.warnings[#info.warnings + 1] = { code = code, params = params, message = i18n.message(code, params) }
end

-- The existing SPF records, parsed (other TXT values are ignored and
-- reported); nil, err for a record that does not parse.
local function existing_records(existing, info)
  local texts = type(existing) == "table" and existing or { existing }
  local records = {}
  for _, s in ipairs(texts) do
    local fixed = repair.repair(s)
    if repair.is_spf(fixed) then
      local rec, perr = core.parse(fixed)
      if not rec then
        return nil, i18n.err("syntax", { term = fixed:match("^[^ ]*", perr.position), position = perr.position,
          error_code = perr.code, detail = perr.message, record = fixed })
      end
      records[#records + 1] = rec
    elseif s:find("%S") then
      info.ignored[#info.ignored + 1] = s
      warn(info, "not-spf-ignored", { text = s })
    end
  end
  return records
end

-- Count the record's lookups through its tree; over the limit, refuse
-- with a flattened proposal when DNS can give one.
local function check_lookups(record, info, opts, limit, dns_terms)
  local lookups, r = count_lookups(record, opts.dns, opts.domain)
  if not lookups then return nil, r end
  info.lookups, info.lookups_exact, info.findings = lookups, opts.dns ~= nil, r.findings
  if lookups > limit then
    local e = i18n.err("merge-too-many-lookups", { lookups = lookups, limit = limit, record = record })
    e.flatten = flatten(r, opts, limit)
    if not e.flatten then e.flatten_message = i18n.message("flatten-unavailable") end
    return nil, e
  end
  if not opts.dns and dns_terms then warn(info, "lookups-estimated", { lookups = lookups }) end
  return record, info
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
  opts = check_merge_args(existing, additions, opts)
  local limit = opts.limit or M.LOOKUP_LIMIT
  local info = { added = {}, skipped = {}, ignored = {}, warnings = {}, notes = {} }
  local forced_all, err = all_qualifier(opts.all)
  if err then return nil, err end
  local records
  records, err = existing_records(existing, info)
  if not records then return nil, err end
  local adds = {}
  if additions ~= nil then
    adds, err = addition_items(additions, info.notes)
    if not adds then return nil, err end
  end
  local record, dns_terms
  record, err, dns_terms = combine.combine(records, adds, forced_all, info)
  if not record then return nil, err end
  return check_lookups(record, info, opts, limit, dns_terms)
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
