--- Diagnosis, reverse DNS part (Gmail 5.7.25): the PTR record of the
-- sending IP and its forward confirmation (the PTR name must resolve back
-- to the same address). Findings are coded `ptr-*`. The PTR record lives
-- in the reverse zone of whoever owns the IP block — usually the hosting
-- provider — so the report says who has to act.
-- @module spfkit.diagnose.ptr

local core = require "spfkit.core"
local report = require "spfkit.report"

local M = {}

local type, ipairs, concat = type, ipairs, table.concat

M.MAX_NAMES = 10

-- the reverse name and a canonical form of an IP, via the macro engine
--- The reverse (PTR) name of an IP, lower-case, without the final dot,
-- and the IP in canonical form; nil for what is not an address.
function M.reverse(ip)
  local name = core.expand("%{ir}.%{v}.arpa", { ip = ip, sender = "x@invalid.test", domain = "invalid.test" })
  if not name then return nil end
  name = name:lower()
  local canon = core.expand("%{i}", { ip = ip, sender = "x@invalid.test", domain = "invalid.test" })
  return name, canon and canon:lower()
end

local reverse = M.reverse

local function canonical(ip)
  local _, c = reverse(ip)
  return c
end

-- addresses of a name (A for IPv4, AAAA for IPv6), canonical
local function addresses(ctx, name, v6)
  local ans = ctx.query(name, v6 and "AAAA" or "A")
  if not ans then return nil end
  local out = {}
  for _, r in ipairs(ans.records) do
    if (r.type == "A" or r.type == "AAAA") and type(r.data) == "string" then
      out[#out + 1] = canonical(r.data)
    end
  end
  return out, ans.rcode
end

local function has(list, x)
  for _, v in ipairs(list or {}) do if v == x then return true end end
  return false
end

-- A host name of the customer's that already points at the IP: the domain
-- itself, its MX hosts, mail.<domain>.
local function suggest(ctx, domain, canon, v6)
  if not domain then return nil end
  local candidates = { "mail." .. domain }
  local mx = ctx.query(domain, "MX")
  if mx then
    for _, r in ipairs(mx.records) do
      if r.type == "MX" and type(r.data) == "table" and type(r.data[2]) == "string" then
        candidates[#candidates + 1] = r.data[2]:lower():gsub("%.$", "")
      end
    end
  end
  candidates[#candidates + 1] = domain
  for i = 1, math.min(#candidates, 6) do
    local addrs = addresses(ctx, candidates[i], v6)
    if addrs and has(addrs, canon) then return candidates[i], true end
  end
  return "mail." .. domain, false
end

-- What the customer asks of the IP's owner; without a domain of theirs
-- (no From, no envelope) there is no host name to suggest.
local function ptr_steps(ctx, ip, reverse_name, name, resolves, v6)
  if not name then
    ctx:step("step-ptr-ask-provider-any", { ip = ip, reverse = reverse_name })
    ctx:step("step-wait", { seconds = 3600 })
    ctx:step("step-ptr-verify-any", { ip = ip })
    return
  end
  ctx:step("step-ptr-ask-provider", { ip = ip, reverse = reverse_name, name = name .. "." })
  if not resolves then
    ctx:step("step-ptr-forward", { name = name .. ".", type = v6 and "AAAA" or "A", ip = ip })
  end
  ctx:step("step-wait", { seconds = 3600 })
  ctx:step("step-ptr-verify", { ip = ip, name = name })
end

-- The PTR names of an answer, canonical, at most MAX_NAMES.
local function names_of(ans)
  local names = report.array()
  for _, r in ipairs(ans.records) do
    if r.type == "PTR" and type(r.data) == "string" and #names < M.MAX_NAMES then
      names[#names + 1] = r.data:lower():gsub("%.$", "")
    end
  end
  return names
end

-- The first PTR name that resolves back to the IP, or nil.
local function confirmed_name(ctx, names, canon, v6)
  for _, n in ipairs(names) do
    local addrs = addresses(ctx, n, v6)
    if addrs and has(addrs, canon) then return n end
  end
end

local function temperror(ctx, ip, ans, err)
  local rc = ans and ans.rcode or (err and err.code) or "error"
  ctx:finding("ptr-temperror", "error", { ip = ip, rcode = rc }, { rcode = rc })
  ctx:summary("summary-ptr-temperror", { ip = ip })
  ctx:step("step-ptr-retry", { ip = ip })
end

-- Judge the names; returns the name to ask for (and whether it resolves),
-- or nothing when reverse DNS is right now.
local function judge(ctx, t, view, ans, canon, v6)
  local ip = t.ip
  local name, resolves = suggest(ctx, t.domain, canon, v6)
  view.suggested = name
  if #view.names == 0 then
    ctx:finding("ptr-none", "error", { ip = ip, reverse = view.reverse_name }, { rcode = ans.rcode })
    ctx:summary("summary-ptr-none", { ip = ip })
    return name, resolves
  end
  local confirmed = confirmed_name(ctx, view.names, canon, v6)
  view.confirmed = confirmed ~= nil
  if confirmed then
    ctx:finding("ptr-ok", "info", { ip = ip, name = confirmed }, { name = confirmed })
    ctx:summary("summary-ptr-ok", { ip = ip, name = confirmed })
    ctx:step("step-resend", {})
    ctx.ok = true
    return nil
  end
  ctx:finding("ptr-not-confirmed", "error", { ip = ip, names = concat(view.names, ", ") }, { names = view.names })
  ctx:summary("summary-ptr-not-confirmed", { ip = ip, name = view.names[1] })
  view.suggested = view.names[1]
  return view.names[1], false
end

--- Analyse reverse DNS for `t = { ip, domain? }`.
function M.analyse(ctx, t)
  local ip = t.ip
  local rname, canon = reverse(ip)
  if not rname then
    ctx:fail("input-bad-ip", { ip = ip, detail = "" })
    return "error"
  end
  local v6 = ip:find(":", 1, true) ~= nil
  local view = { ip = ip, reverse_name = rname .. "." }
  ctx.ptr = view
  ctx.fix = { action = "none", owner = "ip-owner", reason = "fix-none-ip-owner" }
  local ans, err = ctx.query(rname, "PTR")
  if not ans or (ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN") then
    view.names = report.array()
    temperror(ctx, ip, ans, err)
    return "ptr"
  end
  view.names = names_of(ans)
  local name, resolves = judge(ctx, t, view, ans, canon, v6)
  if ctx.ok then return "ptr" end
  ctx:finding("ptr-owner", "info", { ip = ip }, {})
  ptr_steps(ctx, ip, view.reverse_name, name, resolves, v6)
  return "ptr"
end

return M
