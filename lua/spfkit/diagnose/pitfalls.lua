--- The customers' real mistakes, as the hosting notices warn of them
-- (shared/seeds): each is found from what is published, named with a
-- finding, and turned into the record the customer meant.
--
--  * `txt-unquoted` — the value typed without quotes into a zone file, so
--    its words became separate strings ("v=spf1" "a" "mx" ...) that join
--    into "v=spf1amx..." (Willnet notice, second "誤りやすい例").
--  * `txt-spf-inside-other` — "v=spf1 ..." added as a later string of
--    another TXT record (e.g. after google-site-verification=, Zenlogic).
--  * `txt-doubled-name` — the record published at <name>.<zone> because
--    the name was typed without its trailing dot (Willnet, first example).
--  * `include-typo` — an include:/redirect= target that does not exist,
--    a small edit away from a provider's documented include.
-- @module spfkit.diagnose.pitfalls

local core = require "spfkit.core"
local repair = require "spfkit.repair"
local psl = require "spfkit.psl"
local provider = require "spfkit.diagnose.provider"

local M = {}

local type, ipairs, pairs, concat, lower, min = type, ipairs, pairs, table.concat, string.lower, math.min

local is_spf_start = repair.is_spf

local function parses(text) return core.parse(text) ~= nil end

--- A TXT record whose strings, joined with spaces, form a valid SPF record
-- while joined as DNS joins them (without spaces) they do not.
-- @treturn ?table `{ joined, repaired }`
function M.unquoted(rec)
  local strings = rec.strings
  if type(strings) ~= "table" or #strings < 2 or lower(strings[1]) ~= "v=spf1" then return nil end
  local joined, spaced = concat(strings), concat(strings, " ")
  if parses(joined) or not parses(spaced) then return nil end
  return { joined = joined, repaired = spaced }
end

--- A TXT record with "v=spf1" as a later string.
-- @treturn ?table `{ joined, other, spf }`
function M.inside_other(rec)
  local strings = rec.strings
  if type(strings) ~= "table" or #strings < 2 or is_spf_start(strings[1]) then return nil end
  for i = 2, #strings do
    if is_spf_start(strings[i]) then
      return { joined = rec.text, other = concat(strings, "", 1, i - 1), spf = concat(strings, "", i) }
    end
  end
end

-- Levenshtein distance, bounded (names are short; stop past `limit`).
local function distance(a, b, limit)
  if math.abs(#a - #b) > limit then return limit + 1 end
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur, best = { [0] = i }, i
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if cur[j] < best then best = cur[j] end
    end
    if best > limit then return limit + 1 end
    prev = cur
  end
  return prev[#b]
end
M.distance = distance

-- Does a name have an SPF record? (memoized question)
local function has_spf(ctx, name)
  local ans = ctx.query(name, "TXT")
  if not ans then return true end          -- unknown: do not call it a typo
  if ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN" then return true end
  for _, r in ipairs(ans.records or {}) do
    if r.type == "TXT" and type(r.data) == "table" and is_spf_start(concat(r.data)) then return true end
  end
  return false
end

-- The closest documented include within 2 edits (and closer than any other).
local function nearest(target)
  local best, bd, tie = nil, 3, false
  for known in pairs(provider.includes()) do
    local d = distance(target, known, 2)
    if d < bd then best, bd, tie = known, d, false elseif d == bd then tie = true end
  end
  if best and bd > 0 and not tie then return best end
end

--- include:/redirect= targets that do not exist and look like a typo of a
-- provider's include. Returns `{ {term, target, suggestion, record, fixed} }`.
function M.include_typos(ctx, records)
  local out = {}
  for _, rec in ipairs(records or {}) do
    local fixed = rec
    for term in rec:gmatch("%S+") do
      local prefix, target = term:match("^([%+%-~%?]?include:)(.+)$")
      if not target then prefix, target = term:match("^(redirect=)(.+)$") end
      local t = target and lower(target)
      local suggestion = t and not t:find("%", 1, true) and nearest(t)
      if suggestion and not has_spf(ctx, t) then
        local good = prefix .. suggestion
        fixed = fixed:gsub(term:gsub("%p", "%%%0"), (good:gsub("%%", "%%%%")), 1)
        out[#out + 1] = { term = term, target = t, suggestion = suggestion, record = rec, fixed = fixed }
      end
    end
  end
  return out
end

--- The name a record lands at when typed without its trailing dot in the
-- zone's panel: `<domain>.<zone>`.
function M.doubled_name(domain)
  local bare = domain:gsub("^_dmarc%.", ""):gsub("^[^.]+%._domainkey%.", "")
  local zone = psl.org_domain(bare) or bare
  return domain .. "." .. zone
end

--- A record published at the doubled name of `name` (one question):
-- the first TXT value there that `is_record` accepts (default: SPF).
-- @treturn ?table `{ wrong, right, record }`
function M.doubled(ctx, name, is_record)
  is_record = is_record or is_spf_start
  local wrong = M.doubled_name(name)
  local ans = ctx.query(wrong, "TXT")
  for _, r in ipairs(ans and ans.records or {}) do
    if r.type == "TXT" and type(r.data) == "table" and is_record(concat(r.data)) then
      return { wrong = wrong, right = name, record = concat(r.data) }
    end
  end
end

return M
