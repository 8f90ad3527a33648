--- Record audit: what is wrong with an SPF record, in words a hosting
-- customer can act on (English and Japanese).
--
--    local r = spfkit.lint{ domain = "example.jp", dns = spfkit.resolver() }
--    local r = spfkit.lint{ record = "v=spf1 a mx include:spf01.willnet.ad.jp ~all" }
--
-- Result: `{ record, findings, lookups, void_lookups, tree, records? }`, see
-- `lint`. Bad input never raises; programmer mistakes (a non-table
-- argument, an unknown option, a `dns` without `:query`) do.
-- @module spfkit.lint

local i18n = require "spfkit.i18n"

local M = {}

--- RFC 7208 section 4.6.4 limits.
M.LOOKUP_LIMIT = 10
M.VOID_LIMIT = 2

local type, pairs, ipairs, tostring, tonumber, pcall, error =
  type, pairs, ipairs, tostring, tonumber, pcall, error
local concat = table.concat

local MAX_NODES = 100          -- include/redirect nodes walked at most
local MAX_MX = 10              -- MX hosts whose addresses are checked

local DNS_MECH = { a = true, mx = true, ptr = true, exists = true, include = true }

-- Findings about someone else's record (an included one) are only info.
local DOWNGRADE = {
  ptr = true, ["no-all"] = true, ["after-all"] = true, ["redirect-ignored"] = true,
  ["private-address"] = true, ["wide-range"] = true, ["a-no-address"] = true,
  ["mx-no-address"] = true, ["duplicate-include"] = true,
}

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

local function parse(text)
  return require("spfkit").parse(text)
end

local function norm_name(s)
  return (s:lower():gsub("%.$", ""))
end

local function is_spf(text)
  return text:sub(1, 6):lower() == "v=spf1" and (#text == 6 or text:sub(7, 7) == " ")
end

-- ---------------------------------------------------------------------
-- Repairs: quotes, full-width characters, version typos
-- ---------------------------------------------------------------------

local LQ, RQ = "\226\128\156", "\226\128\157"     -- “ ”

-- Strip quotes around a value; returns text, kind ("ascii"/"typographic"/nil).
local function strip_quotes(text)
  local kind
  local s = text
  local changed = true
  while changed do
    changed = false
    s = s:gsub("^%s+", ""):gsub("%s+$", "")
    if s:sub(1, 1) == '"' then s = s:sub(2) kind = kind or "ascii" changed = true end
    if s:sub(-1) == '"' then s = s:sub(1, -2) kind = kind or "ascii" changed = true end
    for _, q in ipairs({ LQ, RQ }) do
      if s:sub(1, #q) == q then s = s:sub(#q + 1) kind = "typographic" changed = true end
      if #s >= #q and s:sub(-#q) == q then s = s:sub(1, -#q - 1) kind = "typographic" changed = true end
    end
  end
  if not kind then return text, nil end
  return s, kind
end

-- Zone-file presentation `"v=spf1 ..." "more"` to its strings, or nil.
local function unpresent(text)
  local s = text:gsub("^%s+", ""):gsub("%s+$", "")
  if s:sub(1, 1) ~= '"' then return nil end
  local strings, i, n = {}, 1, #s
  while i <= n do
    if s:sub(i, i) ~= '"' then return nil end
    local buf, j = {}, i + 1
    while true do
      if j > n then return nil end
      local c = s:sub(j, j)
      if c == '"' then break end
      if c == "\\" then
        local d = s:match("^%d%d%d", j + 1)
        if d then buf[#buf + 1] = string.char(tonumber(d) % 256) j = j + 4
        else buf[#buf + 1] = s:sub(j + 1, j + 1) j = j + 2 end
      else
        buf[#buf + 1] = c
        j = j + 1
      end
    end
    strings[#strings + 1] = concat(buf)
    i = j + 1
    local sp = s:match("^%s*", i)
    i = i + #sp
  end
  return strings
end

-- Full-width ASCII (U+FF01..U+FF5E) and the ideographic space (U+3000) to
-- half-width; returns text, count, byte position of the first.
local function fix_fullwidth(text)
  local out, count = text:gsub("\227\128\128", " ")
  out = out:gsub("\239([\188\189])([\128-\191])", function(b2, b3)
    local c3 = b3:byte()
    local ascii
    if b2 == "\188" then ascii = c3 - 0x60 else ascii = c3 - 0x20 end
    if ascii < 0x21 or ascii > 0x7e then return nil end
    count = count + 1
    return string.char(ascii)
  end)
  if count == 0 then return text, 0 end
  local p = text:find("\227\128\128", 1, true)
  local q = text:find("\239[\188\189]")
  local first = (p and q) and math.min(p, q) or p or q
  return out, count, first
end

-- "v=spf 1 a mx ~all", "v = spf1 ...", "spf1 mx -all", " v=spf1 ..." -> fixed, or nil
local function fix_version(text)
  local s = text:gsub("^%s+", "")
  local lower = s:lower()
  local rest
  local a, b = lower:find("^v%s*[=:]%s*s%s*[pf]%s*[fp]%s*1")
  if a then rest = s:sub(b + 1)
  else
    a, b = lower:find("^v%s*[=:]%s*s%s*[pf]%s*[fp]%f[%s]")      -- the 1 forgotten
    if a then rest = s:sub(b + 1)
    else
      a, b = lower:find("^spf1%f[%s]")
      if a then rest = s:sub(b + 1) end
    end
  end
  if not rest then return nil end
  rest = rest:gsub("^[%s,;]+", "")
  if rest:find("^[%d%.]") then return nil end       -- "v=spf10", "spf2.0/pra"
  local fixed = rest == "" and "v=spf1" or ("v=spf1 " .. rest)
  if fixed == text then return nil end
  return fixed
end

-- The issues that keep `text` from being a valid SPF record and that we
-- can repair. Returns the repaired text and a list of
-- `{code=, params=, position=}`.
local function repair(text, published)
  local issues = {}
  local s = text
  local stripped, kind = strip_quotes(s)
  if kind then
    local strings = not published and kind == "ascii" and unpresent(s)
    if strings then stripped = concat(strings) end
    s = stripped
    issues[#issues + 1] = { code = "quoted-value", position = 1,
      severity = (published or kind == "typographic") and "error" or "warning",
      params = { fix = s, typographic = kind == "typographic", published = published or nil } }
  end
  local fw, count, first = fix_fullwidth(s)
  if count > 0 then
    issues[#issues + 1] = { code = "fullwidth-character", position = first, severity = "error",
      params = { fix = fw, count = count } }
    s = fw
  end
  if not is_spf(s) then
    local v = fix_version(s)
    if v then
      issues[#issues + 1] = { code = "version-typo", position = 1, severity = "error",
        params = { text = s:sub(1, 40), fix = v } }
      s = v
    end
  end
  return s, issues
end

-- ---------------------------------------------------------------------
-- DNS
-- ---------------------------------------------------------------------

-- Memoised dns:query; returns the answer or nil, err.
local function query(st, name, qtype)
  local key = name:lower() .. "\0" .. qtype
  local hit = st.memo[key]
  if hit then return hit[1], hit[2] end
  local ok, ans, err = pcall(st.dns.query, st.dns, name, qtype)
  if not ok then ans, err = nil, { code = "error", message = tostring(ans) } end
  if type(ans) ~= "table" then
    ans = nil
    if type(err) ~= "table" then err = { code = "error", message = tostring(err) } end
  elseif ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN" then
    err = { code = "rcode", message = tostring(ans.rcode) }
    ans = nil
  end
  st.memo[key] = { ans, err }
  return ans, err
end

local function records_of(ans, qtype)
  local out = {}
  for _, r in ipairs(ans.records or {}) do
    if r.type == qtype then out[#out + 1] = r end
  end
  return out
end

local function txt_strings(r)
  local d = r.data
  if type(d) == "string" then return { d } end
  if type(d) == "table" then return d end
  return {}
end

-- The SPF records of a name: `{ status = "ok"|"none"|"nxdomain"|"multiple"|
-- "temperror", spf = {{text=, strings=}}, other = {...}, void = bool }`.
local function fetch_spf(st, name)
  local ans, err = query(st, name, "TXT")
  if not ans then return { status = "temperror", err = err, spf = {}, other = {} } end
  if ans.rcode == "NXDOMAIN" then return { status = "nxdomain", void = true, spf = {}, other = {} } end
  local txt = records_of(ans, "TXT")
  local spf, other = {}, {}
  for _, r in ipairs(txt) do
    local strings = txt_strings(r)
    local text = concat(strings)
    local list = is_spf(text) and spf or other
    list[#list + 1] = { text = text, strings = strings }
  end
  local status = (#spf == 0 and "none") or (#spf == 1 and "ok") or "multiple"
  return { status = status, spf = spf, other = other, void = #txt == 0 }
end

local function has_address(st, name)
  local temp
  for _, qt in ipairs({ "A", "AAAA" }) do
    local ans, err = query(st, name, qt)
    if not ans then temp = temp or { err = err, qtype = qt }
    else
      if #records_of(ans, qt) > 0 then return true end
      if ans.rcode == "NXDOMAIN" then break end
    end
  end
  return false, temp
end

-- ---------------------------------------------------------------------
-- Findings
-- ---------------------------------------------------------------------

local function add(st, code, severity, node, term, position, params)
  params = params or {}
  if node and not node.root and severity == "warning" and DOWNGRADE[code] then severity = "info" end
  local p = {}
  for k, v in pairs(params) do p[k] = v end
  p.term = p.term or term
  p.domain = p.domain or (node and node.domain)
  local f = {
    code = code, severity = severity, term = term, position = position,
    domain = node and node.domain, message = i18n.message(code, p),
  }
  if params.fix then f.fix = params.fix end
  if params.kind then f.kind = params.kind end
  st.findings[#st.findings + 1] = f
  return f
end

local function term_at(text, pos)
  return text:match("^[^ ]*", pos or 1)
end

-- Addresses a prefix covers, as a short string ("16,777,216").
local function count_text(bits)
  local n = 2 ^ bits
  if bits > 48 then return ("2^%d"):format(bits) end
  local s = ("%.0f"):format(n)
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

-- libspf2 differences visible in a record our parser accepts.
local function compat_static(st, node, rec)
  for _, t in ipairs(rec.terms) do
    local m = t.mechanism
    if (m == "ip4" or m == "ip6" or m == "a" or m == "mx")
      and (t.cidr4 == 0 or t.cidr6 == 0 or t.text:find("/0$") or t.text:find("/0/")) then
      add(st, "compat-libspf2", "warning", node, t.text, t.position, { kind = "cidr0" })
    end
  end
  for _, m in ipairs(rec.modifier_list or {}) do
    if m.name:find(".", 1, true) then
      add(st, "compat-libspf2", "warning", node, m.text, m.position, { kind = "dotted-modifier" })
    end
  end
end

-- libspf2's view of a record our parser rejects (perr from spfkit.parse).
local function compat_rejected(st, node, text, perr)
  local term = term_at(text, perr.position)
  local kind
  local code = perr.code
  if code == "bad-domain" then
    kind = term:find("%", 1, true) and "bad-macro" or "bad-domain"
  elseif code == "missing-domain" then
    local body = term:gsub("^[%+%-~%?]", ""):lower()
    if body:find("^[%a]+:$") and not body:find("^include") or body == "exp=" or body == "redirect=" then
      kind = "empty-domain"
    end
  elseif code == "duplicate-modifier" then kind = "duplicate-modifier"
  elseif code == "bad-cidr" and term:find("/0%d") then kind = "leading-zero-cidr"
  elseif code == "unknown-mechanism" and term:lower():find("^redirect:") then kind = "redirect-colon"
  elseif code == "bad-macro" then kind = "bad-macro"
  end
  if kind then
    add(st, "compat-libspf2", "info", node, term, perr.position, { kind = kind })
  end
end

-- Ask spfkit.compat (the libspf2 engine) when it is there.
local function compat_compile()
  local ok, compat = pcall(require, "spfkit.compat")
  if ok and type(compat) == "table" and type(compat.compile) == "function" then
    return compat.compile
  end
  return nil
end

local function compat_check(st, node, text, rec, perr)
  local compile = compat_compile()
  if not compile then
    if rec then compat_static(st, node, rec) else compat_rejected(st, node, text, perr) end
    return
  end
  local ok, res = pcall(compile, text)
  if not ok or type(res) ~= "table" then return end   -- engine unavailable: say nothing
  if res.screened then
    add(st, "compat-libspf2", "warning", node, nil, nil, { kind = "crash" })
    return
  end
  local accepted = res.ok == true
  if rec and not accepted then
    local before = #st.findings
    compat_static(st, node, rec)
    if #st.findings == before then
      add(st, "compat-libspf2", "warning", node, nil, nil,
        { kind = "compiler", detail = tostring(res.message or res.error) })
    end
  elseif not rec and accepted then
    local before = #st.findings
    compat_rejected(st, node, text, perr)
    if #st.findings == before then
      add(st, "compat-libspf2", "info", node, term_at(text, perr.position), perr.position,
        { kind = "accepted" })
    end
  end
end

-- ---------------------------------------------------------------------
-- The walk
-- ---------------------------------------------------------------------

-- Expand the d/o macros of a domain-spec for a node; nil when it needs
-- the client's IP or sender.
local function static_domain(spec, domain)
  if not spec:find("%", 1, true) then return spec end
  if not domain then return nil end
  local s = spec:gsub("%%%%", "\1"):gsub("%%_", "\2"):gsub("%%%-", "\3")
  for letter in s:gmatch("%%{(%a)") do
    if not letter:find("^[dDoO]$") then return nil end
  end
  local ok, out = pcall(function()
    return require("spfkit").expand(spec, { domain = domain, sender = "postmaster@" .. domain, ip = "192.0.2.0" })
  end)
  if ok and type(out) == "string" then return out end
  return nil
end

local walk

local function descend(st, parent, term, target, via, path)
  local child = { domain = target, via = via, term = term.text, record = nil,
                  lookups = 0, void_lookups = 0, children = {} }
  parent.children[#parent.children + 1] = child
  if path[target] then
    child.loop = true
    add(st, "include-loop", "error", parent, term.text, term.position, { target = target })
    return child
  end
  if st.nodes >= MAX_NODES then child.truncated = true return child end
  st.nodes = st.nodes + 1
  local got = fetch_spf(st, target)
  if got.void then parent.void_lookups = parent.void_lookups + 1 end
  if got.status == "temperror" then
    child.error = "temperror"
    add(st, "dns-temperror", "warning", parent, term.text, term.position, { target = target, qtype = "TXT" })
  elseif got.status == "none" or got.status == "nxdomain" then
    child.error = "no-record"
    add(st, "include-no-record", "error", parent, term.text, term.position, { target = target })
  elseif got.status == "multiple" then
    child.error = "multiple-records"
    child.records = {}
    for i, r in ipairs(got.spf) do child.records[i] = r.text end
    add(st, "multiple-records", "error", child, term.text, nil, { domain = target, count = #got.spf })
  else
    path[target] = true
    walk(st, child, got.spf[1].text, path)
    path[target] = nil
  end
  return child
end

local function check_a(st, node, t, target)
  local has, temp = has_address(st, target)
  if has then return end
  if temp then
    add(st, "dns-temperror", "warning", node, t.text, t.position, { target = target, qtype = temp.qtype })
    return
  end
  node.void_lookups = node.void_lookups + 1
  add(st, "a-no-address", "warning", node, t.text, t.position, { target = target })
end

local function check_mx(st, node, t, target)
  local ans = query(st, target, "MX")
  if not ans then
    add(st, "dns-temperror", "warning", node, t.text, t.position, { target = target, qtype = "MX" })
    return
  end
  local mx = records_of(ans, "MX")
  if #mx == 0 then
    node.void_lookups = node.void_lookups + 1
    add(st, "mx-no-address", "warning", node, t.text, t.position, { target = target, reason = "no-mx" })
    return
  end
  for i, r in ipairs(mx) do
    if i > MAX_MX then break end
    local host = type(r.data) == "table" and r.data[2] or tostring(r.data):match("%S+$")
    if host and host ~= "." and host ~= "" and has_address(st, norm_name(host)) then return end
  end
  add(st, "mx-no-address", "warning", node, t.text, t.position, { target = target, reason = "no-address" })
end

local function check_exists(st, node, target)
  local ans = query(st, target, "A")
  if ans and #records_of(ans, "A") == 0 then node.void_lookups = node.void_lookups + 1 end
end

-- Lint one node's record and, with DNS, its includes and redirect.
function walk(st, node, text, path)
  node.record = text
  local rec, perr = parse(text)
  if not rec then
    node.error = "syntax"
    if not node.quiet_syntax then
      add(st, "syntax", "error", node, term_at(text, perr.position), perr.position,
        { error_code = perr.code, detail = perr.message, position = perr.position })
    end
    if node.root then compat_check(st, node, text, nil, perr) end
    return
  end
  node.parsed = rec
  local terms = rec.terms
  local all_index
  for i, t in ipairs(terms) do
    if t.mechanism == "all" then all_index = i break end
  end
  local live = all_index or #terms
  local redirect = rec.modifiers.redirect
  local redirect_term
  for _, m in ipairs(rec.modifier_list or {}) do
    if m.name:lower() == "redirect" then redirect_term = m end
  end

  -- static findings
  local seen = {}
  for i, t in ipairs(terms) do
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
      if is_private(t) then add(st, "private-address", "warning", node, t.text, t.position) end
      local bits = m == "ip4" and 32 - (t.cidr4 or 32) or 128 - (t.cidr6 or 128)
      if (m == "ip4" and bits > 16) or (m == "ip6" and bits > 96) then
        add(st, "wide-range", "warning", node, t.text, t.position, { count = count_text(bits) })
      end
    end
    if all_index and i > all_index then
      add(st, "after-all", "warning", node, t.text, t.position, { all = terms[all_index].text })
    end
  end
  if not all_index and not redirect then
    add(st, "no-all", "warning", node, nil, nil)
  end
  if all_index and redirect then
    add(st, "redirect-ignored", "warning", node, redirect_term and redirect_term.text, redirect_term
      and redirect_term.position, { all = terms[all_index].text })
    if node.root then
      add(st, "compat-libspf2", "info", node, redirect_term and redirect_term.text,
        redirect_term and redirect_term.position, { kind = "redirect-with-all" })
    end
  end
  if node.root then compat_check(st, node, text, rec) end

  -- lookups: every DNS-querying term before "all", and redirect without "all"
  local own = 0
  for i = 1, live do
    if DNS_MECH[terms[i].mechanism] then own = own + 1 end
  end
  local follow_redirect = redirect and not all_index
  if follow_redirect then own = own + 1 end
  node.lookups = own

  if not st.dns then return end
  for i = 1, live do
    local t = terms[i]
    local m = t.mechanism
    if DNS_MECH[m] and m ~= "ptr" then
      local target = t.domain and static_domain(t.domain, node.domain) or (not t.domain and node.domain)
      if target then
        target = norm_name(target)
        if m == "include" then
          local child = descend(st, node, t, target, "include", path)
          if st.included[target] and not child.loop then
            if not seen[target] or st.included[target] ~= node then
              add(st, "duplicate-include", node.root and "warning" or "info", node, t.text, t.position)
            end
          end
          st.included[target] = st.included[target] or node
        elseif m == "a" then check_a(st, node, t, target)
        elseif m == "mx" then check_mx(st, node, t, target)
        elseif m == "exists" then check_exists(st, node, target)
        end
      elseif m == "include" then
        node.children[#node.children + 1] = { term = t.text, via = "include", macro = true,
          lookups = 0, void_lookups = 0, children = {} }
      end
    end
  end
  if follow_redirect then
    local target = static_domain(redirect, node.domain)
    if target then
      descend(st, node, redirect_term or { text = "redirect=" .. redirect }, norm_name(target), "redirect", path)
    else
      node.children[#node.children + 1] = { term = "redirect=" .. redirect, via = "redirect", macro = true,
        lookups = 0, void_lookups = 0, children = {} }
    end
  end
end

local function totals(node)
  local l, v = node.lookups or 0, node.void_lookups or 0
  for _, c in ipairs(node.children or {}) do
    local cl, cv = totals(c)
    l, v = l + cl, v + cv
  end
  node.total_lookups, node.total_void_lookups = l, v
  return l, v
end

-- The root term at which the count first passes the limit.
local function over_at(root)
  local rec = root.parsed
  if not rec then return nil end
  local n = 0
  local child_of = {}
  for _, c in ipairs(root.children or {}) do child_of[c.term] = child_of[c.term] or c end
  for _, t in ipairs(rec.terms) do
    if t.mechanism == "all" then break end
    if DNS_MECH[t.mechanism] then
      n = n + 1
      local c = child_of[t.text]
      if c then n = n + (c.total_lookups or 0) end
      if n > M.LOOKUP_LIMIT then return t end
    end
  end
  for _, m in ipairs(rec.modifier_list or {}) do
    if m.name:lower() == "redirect" then return m end
  end
  return nil
end

local function clean(node)
  node.parsed, node.root, node.quiet_syntax = nil, nil, nil
  for _, c in ipairs(node.children or {}) do clean(c) end
end

-- ---------------------------------------------------------------------
-- Entry point
-- ---------------------------------------------------------------------

local OPTIONS = { domain = true, record = true, dns = true }

local function check_opts(opts)
  if type(opts) ~= "table" then
    error("spfkit.lint: expected a table of options, got " .. type(opts), 3)
  end
  for k in pairs(opts) do
    if not OPTIONS[k] then error("spfkit.lint: unknown option '" .. tostring(k) .. "'", 3) end
  end
  if opts.domain ~= nil and type(opts.domain) ~= "string" then
    error("spfkit.lint: option 'domain' must be a string", 3)
  end
  local r = opts.record
  if r ~= nil and type(r) ~= "string" then
    if type(r) ~= "table" then error("spfkit.lint: option 'record' must be a string or a list of strings", 3) end
    for _, s in ipairs(r) do
      if type(s) ~= "string" then error("spfkit.lint: option 'record' must be a list of strings", 3) end
    end
  end
  local dns = opts.dns
  if dns ~= nil then
    local ok, q = pcall(function() return dns.query end)
    if (type(dns) ~= "table" and type(dns) ~= "userdata") or not ok or type(q) ~= "function" then
      error("spfkit.lint: option 'dns' must have a :query(name, qtype) method", 3)
    end
  end
  if r == nil and opts.domain == nil then
    error("spfkit.lint: give record= or domain=", 3)
  end
  if r == nil and dns == nil then
    error("spfkit.lint: domain= needs dns= (a zone, resolver or cache)", 3)
  end
end

local function string_checks(st, node, strings, published)
  for _, s in ipairs(strings) do
    if #s > 255 then
      add(st, "string-too-long", published and "error" or "warning", node, nil, nil,
        { length = #s, published = published or nil })
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
--   `:query(name, qtype)`.
-- @treturn table `{ record = <the SPF text linted, or nil>, records = <all
--   SPF texts when several are published>, findings = { { code, severity =
--   "error"|"warning"|"info", term, position (1-based byte offset in the
--   record of finding.domain; for the top record, in result.record), domain,
--   message = { en =, ja = }, fix = <repaired record, when there is one>,
--   kind = <compat-libspf2 kind> }, ... }, lookups, void_lookups (counted
--   through includes and redirects with dns, statically without), tree =
--   { domain, record, lookups, void_lookups (this record's own), total_lookups,
--   total_void_lookups, children = { { via = "include"|"redirect", term, ... } },
--   error?, loop?, macro?, truncated? } }`
-- @raise on a non-table argument, an unknown option, or wrong option types
function M.lint(opts)
  check_opts(opts)
  local st = { findings = {}, dns = opts.dns, memo = {}, nodes = 0, included = {} }
  local domain = opts.domain and norm_name(opts.domain)
  local root = { domain = domain, root = true, lookups = 0, void_lookups = 0, children = {} }
  local out = { findings = st.findings, tree = root, lookups = 0, void_lookups = 0 }

  local text
  if opts.record ~= nil then
    local strings
    if type(opts.record) == "table" then
      strings = opts.record
      text = concat(strings)
      string_checks(st, root, strings, true)
    else
      text = opts.record
    end
    local fixed, issues = repair(text, false)
    for _, is in ipairs(issues) do
      add(st, is.code, is.severity, root, nil, is.position, is.params)
    end
    text = fixed
    if not strings then string_checks(st, root, { text }, false) end
  else
    local got = fetch_spf(st, domain)
    if got.status == "temperror" then
      add(st, "dns-temperror", "warning", root, nil, nil, { target = domain, qtype = "TXT" })
    elseif got.status == "multiple" then
      out.records = {}
      for i, r in ipairs(got.spf) do out.records[i] = r.text end
      local f = add(st, "multiple-records", "error", root, nil, nil, { count = #got.spf })
      local ok, merged = pcall(function() return require("spfkit.build").merge(out.records, {}) end)
      if ok and merged then f.fix = merged end
    elseif got.status == "ok" then
      local r = got.spf[1]
      text = r.text
      string_checks(st, root, r.strings, true)
      local _, issues = repair(text, true)
      for _, is in ipairs(issues) do
        add(st, is.code, "error", root, nil, is.position, is.params)
      end
      if #issues > 0 then root.quiet_syntax = true end
    else
      -- no SPF: look for a TXT record that was meant to be one
      local found
      for _, r in ipairs(got.other) do
        local fixed, issues = repair(r.text, true)
        if #issues > 0 and is_spf(fixed) then
          for _, is in ipairs(issues) do
            add(st, is.code, "error", root, nil, is.position, is.params)
          end
          found = true
          break
        end
      end
      add(st, "no-record", "error", root, nil, nil, { reason = got.status == "nxdomain" and "nxdomain" or nil,
        candidate = found or nil })
    end
  end

  if text then
    out.record = text
    walk(st, root, text, domain and { [domain] = true } or {})
    if #text > 450 then
      add(st, "record-too-long", "warning", root, nil, nil, { length = #text, over512 = #text > 512 or nil })
    end
  end
  if st.dns and domain then
    local ans = query(st, domain, "SPF")
    if ans and #records_of(ans, "SPF") > 0 then
      add(st, "spf-rr-type", "warning", root, nil, nil, { domain = domain })
    end
  end

  local lookups, voids = totals(root)
  out.lookups, out.void_lookups = lookups, voids
  if lookups > M.LOOKUP_LIMIT then
    local t = over_at(root)
    add(st, "too-many-lookups", "error", root, t and t.text, t and t.position,
      { lookups = lookups, limit = M.LOOKUP_LIMIT })
    local own = root.lookups
    if own <= M.LOOKUP_LIMIT then
      add(st, "compat-libspf2", "info", root, nil, nil, { kind = "include-limit", lookups = lookups })
    end
  end
  if voids > M.VOID_LIMIT then
    add(st, "too-many-void-lookups", "error", root, nil, nil, { void_lookups = voids, limit = M.VOID_LIMIT })
    add(st, "compat-libspf2", "info", root, nil, nil, { kind = "void-limit" })
  end
  clean(root)
  return out
end

--- Whether a TXT value is an SPF record (starts with "v=spf1", RFC 7208 4.5).
-- @tparam string text
-- @treturn boolean
function M.is_spf(text) return type(text) == "string" and is_spf(text) end

--- Repair what keeps a pasted value from being an SPF record: quotes
-- (ASCII or “ ”), full-width characters, a mistyped "v=spf1".
-- @tparam string text
-- @treturn string the repaired text (the input when nothing was wrong)
-- @treturn table the repairs, `{ {code=, position=, params=}, ... }`
function M.repair(text)
  if type(text) ~= "string" then error("spfkit.lint.repair: expected a string", 2) end
  return repair(text, false)
end

return M
