--- Record audit: what is wrong with an SPF record, in words a hosting
-- customer can act on (English and Japanese).
--
--    local r = spfkit.lint{ domain = "example.jp", dns = spfkit.resolver() }
--    local r = spfkit.lint{ record = "v=spf1 a mx include:spf01.willnet.ad.jp ~all" }
--
-- The record and its includes are resolved once into an `spfkit.tree`;
-- the findings are read off the tree (`spfkit.lint.rules`). Result:
-- `{ record, findings, lookups, void_lookups, tree, records? }`, see
-- `lint`. Bad input never raises; programmer mistakes (a non-table
-- argument, an unknown option, a `dns` without `:query`) do.
-- @module spfkit.lint

local core = require "spfkit.core"
local tree = require "spfkit.tree"
local repair = require "spfkit.repair"
local combine = require "spfkit.build.combine"
local rules = require "spfkit.lint.rules"
local add = require("spfkit.lint.finding").add

local M = {}

local LIMITS = core.LIMITS

--- RFC 7208 section 4.6.4 limits (`spfkit.LIMITS.lookups`, `.void_lookups`).
M.LOOKUP_LIMIT = LIMITS.lookups
M.VOID_LIMIT = LIMITS.void_lookups

local type, ipairs, pcall, error = type, ipairs, pcall, error
local concat = table.concat

-- Every code lint can report, with its severity (for the catalog spec and docs).
M.CODES = {
  ["no-record"] = "error", ["multiple-records"] = "error", syntax = "error",
  ["too-many-lookups"] = "error", ["too-many-void-lookups"] = "error",
  ["plus-all"] = "error", ptr = "warning", ["no-all"] = "warning",
  ["after-all"] = "warning", ["redirect-ignored"] = "warning",
  ["string-too-long"] = "error", ["record-too-long"] = "warning",
  ["duplicate-include"] = "warning", ["include-loop"] = "error",
  ["include-no-record"] = "error", ["quoted-value"] = "error",
  ["spf-rr-type"] = "warning", ["mx-no-address"] = "warning",
  ["a-no-address"] = "warning", ["compat-libspf2"] = "warning",
  ["version-typo"] = "error", ["fullwidth-character"] = "error",
  ["dns-temperror"] = "warning", ["private-address"] = "warning",
  ["wide-range"] = "warning",
}

-- ---------------------------------------------------------------------
-- Options
-- ---------------------------------------------------------------------

local OPTIONS = { domain = "string", record = true, dns = true, lang = "string" }

local function check_record_opt(r)
  if r == nil or type(r) == "string" then return end
  if type(r) ~= "table" then error("spfkit.lint: option 'record' must be a string or a list of strings", 4) end
  for _, s in ipairs(r) do
    if type(s) ~= "string" then error("spfkit.lint: option 'record' must be a list of strings", 4) end
  end
end

local function check_opts(opts)
  require("spfkit.options").check("spfkit.lint", opts, OPTIONS)
  check_record_opt(opts.record)
  local dns = opts.dns
  require("spfkit.tree.source").check_dns("spfkit.lint", dns, 3)
  if opts.record == nil and opts.domain == nil then error("spfkit.lint: give record= or domain=", 3) end
  if opts.record == nil and dns == nil then
    error("spfkit.lint: domain= needs dns= (a zone, resolver or cache)", 3)
  end
  if opts.lang and opts.lang ~= "en" and opts.lang ~= "ja" then
    error("spfkit.lint: option 'lang' must be \"en\" or \"ja\"", 3)
  end
end

-- ---------------------------------------------------------------------
-- The root record: given, or published
-- ---------------------------------------------------------------------

local function string_checks(st, strings, published)
  for _, s in ipairs(strings) do
    if #s > LIMITS.txt_string then
      add(st, "string-too-long", published and "error" or "warning", st.root, nil, nil,
        { length = #s, limit = LIMITS.txt_string, published = published or nil })
      return
    end
  end
end

local function add_issues(st, issues, severity)
  for _, is in ipairs(issues) do
    add(st, is.code, severity or is.severity, st.root, nil, is.position, is.params)
  end
end

-- A given record (text or TXT strings): repaired, then its tree.
local function given_root(st, opts)
  local strings, text = nil, opts.record
  if type(text) == "table" then
    strings, text = text, concat(text)
  end
  local fixed, issues = repair.repair(text, false)
  st.root = { domain = st.domain }
  if strings then string_checks(st, strings, true) end
  add_issues(st, issues)
  if not strings then string_checks(st, { fixed }, false) end
  return tree.tree{ record = fixed, domain = st.domain, dns = opts.dns }
end

-- The fix for several published records: one merged record, when it fits.
local function merged_fix(records)
  local parsed = {}
  for i, text in ipairs(records) do
    parsed[i] = core.parse(repair.repair(text))
    if not parsed[i] then return nil end
  end
  local record = combine.combine(parsed, {})
  local t = record and tree.tree{ record = record }
  if t and t.total_lookups <= LIMITS.lookups then return record end
  return nil
end

-- No SPF record: a TXT record that was meant to be one, repaired.
local function candidate(st, root)
  for _, text in ipairs(root.other or {}) do
    local fixed, issues = repair.repair(text, true)
    if #issues > 0 and repair.is_spf(fixed) then
      add_issues(st, issues, "error")
      return true
    end
  end
end

local function published_problem(st, root, out)
  local code = root.error and root.error.code
  if code == "dns-temperror" then
    add(st, "dns-temperror", "warning", root, nil, nil, { target = st.domain, qtype = "TXT" })
  elseif code == "multiple-records" then
    out.records = root.records
    local f = add(st, "multiple-records", "error", root, nil, nil, { count = #root.records })
    f.fix = merged_fix(root.records)
  else
    local found = candidate(st, root)
    add(st, "no-record", "error", root, nil, nil, { reason = code == "nxdomain" and "nxdomain" or nil,
      candidate = found or nil })
  end
end

-- The published record: its tree, and what keeps it from being read.
local function published_root(st, opts, out)
  local root, err = tree.tree{ domain = st.domain, dns = opts.dns }
  if not root then return nil, err end
  st.root = root
  if not root.record then published_problem(st, root, out) return root end
  string_checks(st, root.strings, true)
  local _, issues = repair.repair(root.record, true)
  add_issues(st, issues, "error")
  root.quiet_syntax = #issues > 0 or nil
  return root
end

-- ---------------------------------------------------------------------
-- Limits over the whole tree
-- ---------------------------------------------------------------------

-- The root term at which the count first passes the limit.
local function over_at(root)
  if not root.parsed then return nil end
  local n, child_of = 0, {}
  for _, c in ipairs(root.children) do child_of[c.term] = child_of[c.term] or c end
  for _, t in ipairs(root.terms) do
    if t.mechanism == "all" then break end
    if tree.DNS_MECH[t.mechanism] then
      n = n + 1 + (child_of[t.text] and child_of[t.text].total_lookups or 0)
      if n > LIMITS.lookups then return t end
    end
  end
  for _, m in ipairs(root.parsed.modifier_list or {}) do
    if m.name:lower() == "redirect" then return m end
  end
end

local function limit_findings(st, root, out)
  local lookups, voids = root.total_lookups, root.total_void
  out.lookups, out.void_lookups = lookups, voids
  if lookups > LIMITS.lookups then
    local t = over_at(root) or {}
    add(st, "too-many-lookups", "error", root, t.text, t.position, { lookups = lookups, limit = LIMITS.lookups })
    if root.lookups <= LIMITS.lookups then
      add(st, "compat-libspf2", "info", root, nil, nil, { kind = "include-limit", lookups = lookups,
        limit = LIMITS.lookups })
    end
  end
  if voids > LIMITS.void_lookups then
    add(st, "too-many-void-lookups", "error", root, nil, nil, { void_lookups = voids, limit = LIMITS.void_lookups })
    add(st, "compat-libspf2", "info", root, nil, nil, { kind = "void-limit" })
  end
end

local function length_findings(st, root)
  local n = #root.record
  if n > LIMITS.record_length then
    add(st, "record-too-long", "warning", root, nil, nil, { length = n, limit = LIMITS.record_length,
      over512 = n > 512 or nil })          -- 512: the classic DNS-over-UDP message size (RFC 1035 4.2.1)
  end
end

local function spf_rr_type(st, dns)
  local ok, ans = pcall(dns.query, dns, st.domain, "SPF")
  if not ok or type(ans) ~= "table" then return end
  for _, r in ipairs(ans.records or {}) do
    if r.type == "SPF" then
      add(st, "spf-rr-type", "warning", st.root, nil, nil, { domain = st.domain })
      return
    end
  end
end

--- Audit an SPF record: the published one of a domain, or a given text.
-- @tparam table opts
--   `{ domain = "example.jp", dns = zone|resolver|cache }` lints what the
--   domain publishes; `{ record = "v=spf1 ..." | {"string1", "string2"},
--   dns = ... (optional), domain = ... (optional: the domain the record is
--   for, used by bare `a`/`mx` and `%{d}`) }` lints a text (a list is taken
--   as the TXT record's character-strings). `dns` is any object with
--   `:query(name, qtype)`. `lang = "en"|"ja"` renders each finding's
--   `message` in that language (without it, `message = { en =, ja = }`).
-- @treturn[1] table `{ record = <the SPF text linted, or nil>, records =
--   <all SPF texts when several are published>, findings = { { code,
--   severity = "error"|"warning"|"info", params, term, position (1-based
--   byte offset in the record of finding.domain; for the top record, in
--   result.record), domain, message, fix = <repaired record, when there
--   is one>, kind = <compat-libspf2 kind> }, ... }, lookups, void_lookups
--   (counted through includes and redirects with dns, statically
--   without), tree = <the spfkit.tree root> }`
-- @treturn[2] nil
-- @treturn[2] table err `bad-domain` (an `errors.new` table)
-- @raise on a non-table argument, an unknown option, or wrong option types
function M.lint(opts)
  check_opts(opts)
  local st = { findings = {}, dns = opts.dns, included = {}, lang = opts.lang,
               domain = opts.domain and opts.domain:lower():gsub("%.$", "") }
  local out = { findings = st.findings, lookups = 0, void_lookups = 0 }
  local root, err
  if opts.record ~= nil then root, err = given_root(st, opts)
  else root, err = published_root(st, opts, out) end
  if not root then return nil, err end
  st.root, out.tree, out.record = root, root, root.record
  if root.record then
    rules.node(st, root)
    length_findings(st, root)
  end
  if st.dns and st.domain then spf_rr_type(st, st.dns) end
  limit_findings(st, root, out)
  root.quiet_syntax = nil
  return out
end

--- Whether a TXT value is an SPF record (`spfkit.repair.is_spf`).
M.is_spf = repair.is_spf

--- Repair what keeps a pasted value from being an SPF record
-- (`spfkit.repair.repair`): returns the repaired text and the repairs.
function M.repair(text)
  if type(text) ~= "string" then error("spfkit.lint.repair: expected a string", 2) end
  return repair.repair(text, false)
end

return M
