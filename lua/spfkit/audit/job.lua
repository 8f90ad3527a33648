--- One domain of an audit: its row (issue 13).
--
-- Written against two functions, so that it runs the same whether it is
-- the body of a coroutine whose DNS yields to the audit's scheduler, or
-- plain sequential code over a zone:
--   `ask(name, qtype) -> answer` and `ask_many({ {name=, type=}, ... }) -> answers`
-- Answers have `zone:query`'s shape; failures have a negative rcode
-- ("TIMEOUT", "NETWORK", "ERROR") and no records.
-- @module spfkit.audit.job

local core = require "spfkit.core"
local lint = require "spfkit.lint"
local build = require "spfkit.build"
local dmarc = require "spfkit.audit.dmarc"

local M = {}

local type, ipairs, pairs, pcall, setmetatable, concat = type, ipairs, pairs, pcall, setmetatable, table.concat

--- Normalised domain name (lower-case, no trailing dot), or nil when the
-- text cannot be one.
function M.norm_domain(d)
  if type(d) ~= "string" then return nil end
  d = d:lower():gsub("^%s+", ""):gsub("%s+$", ""):gsub("%.$", "")
  if d == "" or #d > 253 or not d:find(".", 1, true) or d:find("[^%w%.%-_]") or d:find("%.%.")
      or d:find("^%.") then
    return nil
  end
  return d
end

-- A finding as rows carry it: code, severity, params (no words).
local function finding(code, severity, params)
  return { code = code, severity = severity, params = params or {} }
end

local LINT_PARAMS = { "term", "position", "domain" }

local function from_lint(f)
  local p = {}
  for k, v in pairs(f.params or {}) do p[k] = v end
  for _, k in ipairs(LINT_PARAMS) do if f[k] ~= nil then p[k] = f[k] end end
  if f.fix then p.fix = f.fix end
  if f.kind then p.kind = f.kind end
  return finding(f.code, f.severity, p)
end

-- check_host() for ip over ask_many, as spfkit.check's deferred loop does
local function check_ip(env, domain, ip)
  local store = core.answers()
  local opts = { ip = ip, sender = "postmaster@" .. domain, helo = domain, dns = store, limits = env.limits }
  for _ = 1, 100 do
    local r, err = core.check(opts)
    if not r then store:close() return { result = "permerror", problem_code = err and err.code } end
    if not r.missing then store:close() return r end
    local answers = env.ask_many(r.missing)
    for i, q in ipairs(r.missing) do
      if not store:put(q.name, q.type, answers[i]) then
        store:put(q.name, q.type, { rcode = "ERROR", records = {} })
      end
    end
  end
  store:close()
  return { result = "temperror", problem_code = "too-many-rounds" }
end

-- the addresses to check: the given IPs, then the host's A and AAAA
local function addresses(env, row)
  local ips = {}
  for _, ip in ipairs(env.checks.ips) do ips[#ips + 1] = ip end
  local host = env.checks.host
  if not host then return ips end
  local answers = env.ask_many{ { name = host, type = "A" }, { name = host, type = "AAAA" } }
  for _, ans in ipairs(answers) do
    if ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN" then
      row.findings[#row.findings + 1] = finding("spf-temperror", "warning", { domain = host, rcode = ans.rcode })
    end
    for _, rr in ipairs(ans.records or {}) do
      if (rr.type == "A" or rr.type == "AAAA") and type(rr.data) == "string" then ips[#ips + 1] = rr.data end
    end
  end
  return ips
end

-- does every given server pass? row.checks = { {ip=, result=}, ... }
-- Whether check_host() over this tree gives the same result for any
-- domain that publishes the same record: no macro anywhere (%{s}, %{l},
-- %{o}, %{d}, %{h} name the sender, the domain or HELO) and no bare a, mx
-- or ptr in the root (they ask the domain's own names).
local BARE = { a = true, mx = true, ptr = true }
local function context_free(tree)
  local free = true
  local function visit(node)
    if not free then return end
    if node.record and node.record:find("%", 1, true) then free = false return end
    for _, c in ipairs(node.children or {}) do visit(c) end
  end
  visit(tree)
  for _, t in ipairs(free and tree.terms or {}) do
    if BARE[t.mechanism] and not t.domain then return false end
  end
  return free and tree.record ~= nil and tree.parsed ~= nil
end

-- check_host() of ip, from the generation's memo when the record is
-- context-free (its answers are those the memo's results were made of)
local function checked(env, domain, ip, tree, row)
  local memo = tree and not row.records and env.check_memo and context_free(tree) and env.check_memo()
  local key = memo and row.record .. "\0" .. ip
  local r = memo and memo[key]
  if r then return r end
  r = check_ip(env, domain, ip)
  if memo then env.check_memo()[key] = { result = r.result } end
  return r
end

local function authorise(env, domain, row, tree)
  local ips = addresses(env, row)
  if #ips == 0 then return end
  row.checks, row.authorized = {}, true
  for i, ip in ipairs(ips) do
    local r = checked(env, domain, ip, tree, row)
    row.checks[i] = { ip = ip, result = r.result }
    if r.result ~= "pass" then
      row.authorized = false
      row.failing = row.failing or {}
      row.failing[#row.failing + 1] = ip
      local sev = r.result == "temperror" and "warning" or "error"
      row.findings[#row.findings + 1] = finding("spf-not-authorized", sev,
        { domain = domain, ip = ip, result = r.result, record = row.record or "" })
    end
  end
end

-- the SPF texts of the tree (root, then includes and redirects)
local function tree_texts(node, out)
  if node.record then out[#out + 1] = " " .. node.record:lower() .. " " end
  for _, c in ipairs(node.children or {}) do tree_texts(c, out) end
  return out
end

-- provider terms that appear nowhere in the tree (any qualifier)
local function missing_terms(terms, tree)
  local texts, missing = concat(tree_texts(tree, {}), "\n"), {}
  for _, t in ipairs(terms) do
    local body = t:lower():gsub("^[%+%-~%?]", "")
    local pat = "[%s%+%-~%?]" .. body:gsub("%p", "%%%0") .. "%s"
    if not texts:find(pat) then missing[#missing + 1] = t end
  end
  return missing
end

local function provider_check(env, domain, row, tree)
  local p = env.checks.provider
  if not p or row.checks then return end   -- addresses, when known, decide
  local missing = missing_terms(p.terms, tree)
  row.authorized = #missing == 0
  if #missing > 0 then
    row.findings[#row.findings + 1] = finding("provider-not-included", "error",
      { domain = domain, id = p.id, terms = concat(missing, " ") })
  end
end

local function has(row, code)
  for _, f in ipairs(row.findings) do if f.code == code then return f end end
end

-- what to add to the record so that the given servers pass (also when
-- they pass only through "+all", which the fix removes)
local function additions(env, row)
  local c = env.checks
  if row.authorized ~= false and not has(row, "plus-all") then return nil end
  if c.provider then return { c.provider.spec } end
  local out = {}
  if c.host then out[#out + 1] = "a:" .. c.host end
  for _, ip in ipairs(c.ips) do
    out[#out + 1] = (ip:find(":", 1, true) and "ip6:" or "ip4:") .. ip
  end
  return #out > 0 and out or nil
end

-- the proposed record, when one is needed: row.fix or row.fix_error
local function propose(env, domain, row)
  local adds = additions(env, row)
  local repaired
  for _, f in ipairs(row.findings) do
    if f.severity == "error" and f.params.fix then repaired = f.params.fix break end
  end
  local existing = repaired or row.records or row.record
  if not adds then row.fix = repaired return end
  -- the servers are known: "+all" and a missing "all" become "~all"
  local all = (has(row, "plus-all") or has(row, "no-all")) and "~" or nil
  local ok, fix, err = pcall(build.merge, existing, adds or {}, { domain = domain, all = all, dns = env.dns })
  if not ok then row.fix_error = "internal" return end
  if fix then row.fix = fix return end
  row.fix = err and err.flatten and err.flatten.record or nil
  row.fix_error = err and err.code
end

local function status(row, temp)
  local e, w = 0, 0
  for _, f in ipairs(row.findings) do
    if f.severity == "error" then e = e + 1 elseif f.severity == "warning" then w = w + 1 end
    row.codes[#row.codes + 1] = f.code
  end
  row.errors, row.warnings = e, w
  if temp then return "temperror" end
  return e > 0 and "error" or w > 0 and "warning" or "ok"
end

local function lint_part(env, domain, row)
  local r = lint.lint{ domain = domain, dns = env.dns }
  row.record, row.records = r.record, r.records
  row.lookups, row.void_lookups = r.lookups, r.void_lookups
  local temp = false
  for _, f in ipairs(r.findings) do
    row.findings[#row.findings + 1] = from_lint(f)
    if f.code == "dns-temperror" and not r.record and not r.records then temp = true end
  end
  return r.tree, temp
end

local ERROR_ANSWER = { rcode = "ERROR", records = {} }

--- A job's environment over a cache and a fetch function.
-- `fetch(missing) -> { [key] = answer }` gets the questions the cache does
-- not hold (`{ {name=, type=, key=, i=}, ... }`); the audit's scheduler
-- passes `coroutine.yield`, a sequential caller a direct query loop.
-- @tparam table cache a spfkit.audit.cache
-- @tparam function fetch
-- @tparam table checks as prepared by spfkit.audit
-- @tparam[opt] table limits for check_host()
-- @treturn table env for M.row
function M.env(cache, fetch, checks, limits)
  local key = cache.key
  local env = { checks = checks, limits = limits }
  -- asks what the cache does not hold; fills out[m.i]
  local function fill(miss, out)
    local got = fetch(miss)
    for _, m in ipairs(miss) do
      local a = got[m.key] or ERROR_ANSWER
      cache:put(m.key, a)
      out[m.i] = a
    end
    return out
  end
  function env.ask_many(list)
    local out, miss = {}, nil
    for i, q in ipairs(list) do
      local k = key(q.name, q.type)
      local a = cache:get(k)
      if a then out[i] = a
      else
        miss = miss or {}
        miss[#miss + 1] = { name = q.name, type = q.type, key = k, i = i }
      end
    end
    if not miss then return out end
    return fill(miss, out)
  end
  function env.ask(name, qtype)
    local k = key(name, qtype)
    return cache:get(k) or fill({ { name = name, type = qtype, key = k, i = 1 } }, {})[1]
  end
  -- lint's view of ask; `tree_nodes` lets its trees reuse the include
  -- subtrees resolved for earlier domains (spfkit.tree.reuse)
  function env.check_memo() return cache.checks end
  env.dns = setmetatable({ query = function(_, name, qtype) return env.ask(name, qtype) end },
    { __index = function(_, k) if k == "tree_nodes" then return cache.nodes end end })
  return env
end

--- The row of one domain.
-- @tparam string name the domain as listed
-- @tparam table env `{ ask =, ask_many =, dns = { query = ... } (lint's
--   view of ask), checks = { ips = {...}, host =, provider = { id =, spec =,
--   terms = } }, limits = }`
-- @treturn table the row (see spfkit.audit)
function M.row(name, env)
  local domain = M.norm_domain(name)
  if not domain then
    return { domain = name, status = "invalid", findings = { finding("bad-domain", "error", { value = name }) },
             codes = { "bad-domain" }, errors = 1, warnings = 0 }
  end
  -- the first round asks what every domain needs, together
  env.ask_many{ { name = domain, type = "TXT" }, { name = domain, type = "SPF" },
                { name = "_dmarc." .. domain, type = "TXT" } }
  local row = { domain = domain, findings = {}, codes = {} }
  local tree, temp = lint_part(env, domain, row)
  authorise(env, domain, row, tree)
  provider_check(env, domain, row, tree)
  dmarc.read(env, domain, row, finding)
  for _, c in ipairs(row.checks or {}) do if c.result == "temperror" then temp = true end end
  row.status = status(row, temp)
  if row.status == "error" or row.status == "warning" then propose(env, domain, row) end
  row.failing = nil
  return row
end

return M
