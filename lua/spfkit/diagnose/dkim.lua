--- Diagnosis, DKIM part: the other half of Gmail's "SPF or DKIM". For an
-- authentication bounce it verifies the DKIM-Signature of the returned
-- message's headers against the published key (header signature only:
-- the body a bounce returns is not the original's), looks for the From
-- domain's key by selector (the signature's `s=`, the provider's
-- documented selectors, then common ones, in one concurrent round), and,
-- when the sending provider signs but no usable key is published, proposes
-- the DKIM record with where its value comes from (findings `dkim-*`).
-- @module spfkit.diagnose.dkim

local dkim = require "spfkit.dkim"
local psl = require "spfkit.psl"

local M = {}

local type, pairs, ipairs, pcall, concat, lower = type, pairs, ipairs, pcall, table.concat, string.lower

-- Most of a returned message's header the bounce can carry (bounded work).
M.MAX_HEADER = 64 * 1024

--- The header block of the returned message that carries a DKIM-Signature
-- (a text/rfc822-headers part, a message/rfc822 part or an inline copy),
-- or nil. Only the header is returned: its signature can be checked, the
-- body hash cannot.
function M.original_headers(raw)
  if type(raw) ~= "string" then return nil end
  raw = raw:gsub("\r\n", "\n")
  local body_start = raw:find("\n\n", 1, true)
  if not body_start then return nil end
  local at = raw:find("\n[Dd][Kk][Ii][Mm]%-[Ss]ignature:", body_start)
  if not at then return nil end
  -- the block starts after the last blank line before it (the end of the
  -- notice, or of a MIME part's own header)
  local start, s = body_start, body_start
  while true do
    local n = raw:find("\n\n", s + 1, true)
    if not n or n >= at then break end
    start, s = n, n
  end
  local stop = raw:find("\n\n", at + 1, true) or #raw
  if stop - start > M.MAX_HEADER then return nil end
  return raw:sub(start + 2, stop)
end

-- The diagnosis's memoized DNS as the dkim module's query functions (so
-- that selector discovery asks its questions in one round when the source
-- can answer several at once).
local function source(ctx)
  local o = { query = function(name, qtype) return ctx.query(name, qtype) end }
  if ctx.query_many then o.query_many = ctx.query_many end
  return o
end

local function with_source(ctx, opts)
  for k, v in pairs(source(ctx)) do opts[k] = v end
  return opts
end

local function add_findings(ctx, list, evidence)
  for _, f in ipairs(list or {}) do ctx:finding(f.code, f.severity, f.params, evidence) end
end

-- Verify the returned message's signatures.
local function signatures(ctx, view, raw)
  local headers = M.original_headers(raw)
  if not headers then return end
  local ok, results = pcall(dkim.verify, with_source(ctx, { message = headers, headers_only = true, now = false }))
  if not ok or type(results) ~= "table" then return end
  for _, r in ipairs(results) do
    local sig = { d = r.d, s = r.s, a = r.a, result = r.result, reason = r.reason, key_name = r.key_name }
    view.signatures[#view.signatures + 1] = sig
    local f = dkim.verdict(r)
    ctx:finding(f.code, f.severity, f.params, sig)
    add_findings(ctx, r.key_findings, sig)
  end
end

-- A signature whose key is missing: look where the customer may have put
-- it (the doubled name, without _domainkey, the wrong type).
local function misplaced(ctx, view)
  for _, sig in ipairs(view.signatures) do
    if sig.reason == "no-key" and type(sig.d) == "string" and type(sig.s) == "string" then
      local ok, c = pcall(dkim.check, with_source(ctx, { domain = sig.d, selector = sig.s, probe = true }))
      if ok and type(c) == "table" then
        for _, f in ipairs(c.findings or {}) do
          if f.code ~= "dkim-no-key" then ctx:finding(f.code, f.severity, f.params, { selector = sig.s }) end
        end
      end
    end
  end
end

-- Is one of the signatures by the From domain (or its organization) usable?
local function signed_by(view, from)
  local org = psl.org_domain(from) or from
  for _, s in ipairs(view.signatures) do
    local d = type(s.d) == "string" and lower(s.d) or ""
    if (d == from or psl.org_domain(d) == org) and s.key_name then return s end
  end
end

-- Look for the From domain's key by selector (one concurrent round).
local function discover(ctx, view, from)
  local ok, d = pcall(dkim.discover, with_source(ctx, { domain = from, provider = view.provider }))
  if not ok or type(d) ~= "table" then return end
  view.tried = d.tried or {}
  view.selector = d.selector
  for _, r in ipairs(d.found or {}) do
    view.keys[#view.keys + 1] = { selector = r.selector, name = r.name, status = r.status }
    add_findings(ctx, r.findings, { selector = r.selector, name = r.name })
  end
  if #(d.found or {}) == 0 then
    ctx:finding("dkim-no-key-found", "warning", { domain = from, tried = concat(view.tried, ", ") },
                { tried = view.tried })
  end
end

local function has_good_key(view)
  for _, k in ipairs(view.keys) do if k.status == "ok" then return true end end
  for _, s in ipairs(view.signatures) do if s.result == "pass" or s.reason == "headers-only" then return true end end
  return false
end

-- The host of a name inside its zone (the registered domain).
local function host_of(name, from)
  local zone = psl.org_domain(from) or from
  if name == zone then return "@", zone end
  return name:sub(1, #name - #zone - 1), zone
end

-- The record to publish when the provider signs and no usable key is out.
local function proposal(ctx, view, from)
  local g = view.provider and dkim.guidance(view.provider, { domain = from })
  if not g then return end
  if not g.signs then
    ctx:finding("dkim-provider-does-not-sign", "info", { provider = view.provider }, { provider = view.provider })
    return
  end
  if has_good_key(view) then return end
  local rec = g.records[1]
  if not rec then
    ctx:step("step-dkim-panel", { provider = view.provider, domain = from }, g.panel)
    return
  end
  local value = ctx.opts.dkim_value or rec.value
  local host, zone = host_of(rec.name, from)
  view.fix = { action = "add", type = rec.type or "TXT", name = host, zone = zone, fqdn = rec.name .. ".",
               value = value, value_from = value and nil or "panel" }
  if value and (rec.type or "TXT") == "TXT" then
    local strings, presentation = dkim.split(value)
    view.fix.strings, view.fix.presentation = strings, presentation
  end
  local code = value and "step-dkim-publish" or "step-dkim-publish-panel"
  ctx:step(code, { provider = view.provider, name = host, fqdn = rec.name .. ".", zone = zone,
                   type = rec.type or "TXT", value = view.fix.presentation or value or "" }, value and nil or g.panel)
end

--- Judge DKIM for an authentication bounce: `t = { from_domain, domain }`.
-- Sets `ctx.dkim` (plain data: signatures, selectors tried, keys found, fix).
function M.analyse(ctx, t)
  local from = t.from_domain or t.domain
  if not from then return end
  local p = ctx.provider
  local view = { domain = from, signatures = {}, tried = {}, keys = {}, provider = p and p.id or nil }
  ctx.dkim = view
  signatures(ctx, view, ctx.opts.bounce)
  misplaced(ctx, view)
  if not signed_by(view, from) then discover(ctx, view, from) end
  proposal(ctx, view, from)
  return view
end

return M
