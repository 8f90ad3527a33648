--- `spfkit dkim DOMAIN [--selector S]... [--provider ID]`: the DKIM keys of
-- a domain — one selector's key checked (following CNAMEs, at the doubled
-- name too), or the provider's and the common selectors tried in one
-- round — with what is wrong with each and, for a provider that signs,
-- where the record's value comes from. Exit 0 when a usable key was found,
-- 1 otherwise.
-- @module spfkit.cli.dkim

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local render = require "spfkit.cli.render"

local ipairs, tostring, type = ipairs, tostring, type
local T, write, clean = render.T, render.write, render.clean

local M = { flags = { selector = "multi", provider = "value" } }

-- One check per --selector, or discovery over the documented selectors.
local function lookup(ctx, domain)
  local dkim, dns = ctx.spfkit.dkim, input.dns(ctx)
  local sels = ctx.opts.selector
  if type(sels) == "string" then sels = { sels } end
  if not sels then
    local d, err = dkim.discover{ domain = domain, provider = ctx.opts.provider, dns = dns }
    if not d then args.raise(err) end
    return d
  end
  -- named selectors: each checked, a missing key looked for where it is
  -- often put by mistake
  local d = { domain = domain, tried = sels, results = {} }
  for i, sel in ipairs(sels) do
    local r, err = dkim.check{ domain = domain, selector = sel, probe = true, dns = dns }
    if not r then args.raise(err) end
    d.results[i] = r
    if r.status == "ok" and not d.selector then d.selector = sel end
  end
  return d
end

local function key_text(r)
  if r.key then return (r.key.type or "?") .. " " .. tostring(r.key.bits or "?") end
  return ""
end

local function text(ctx, d)
  write(ctx, T(ctx, "cli-dkim-tried", { domain = d.domain, tried = table.concat(d.tried, ", ") }), "\n")
  local missing = {}
  for _, r in ipairs(d.results) do
    if r.status == "missing" and not r.misplaced and not ctx.opts.selector then
      missing[#missing + 1] = r.selector
    else
      write(ctx, "\n", r.name, "  ", r.status, "  ", key_text(r), "\n")
      if r.record then write(ctx, "  ", clean(r.record), "\n") end
      render.findings(ctx, r.findings or {})
    end
  end
  if #missing > 0 then
    write(ctx, "\n", T(ctx, "cli-dkim-missing", { tried = table.concat(missing, ", ") }), "\n")
  end
  local g = ctx.opts.provider and ctx.spfkit.dkim.guidance(ctx.opts.provider, { domain = d.domain })
  if g then
    local words = g.notes and (g.notes[ctx.lang] or g.notes.en)
    if words then write(ctx, "\n", clean(words), "\n") end
    for _, rec in ipairs(g.records) do
      write(ctx, "  ", rec.name, " ", tostring(rec.type), " ", clean(rec.value or (g.panel and (g.panel[ctx.lang]
        or g.panel.en)) or ""), "\n")
    end
  end
end

local function json(ctx, d)
  local out = { domain = d.domain, tried = render.array(d.tried), selector = d.selector, results = render.array() }
  for _, r in ipairs(d.results) do
    out.results[#out.results + 1] = { name = r.name, selector = r.selector, status = r.status, record = r.record,
      key = r.key, ttl = r.ttl, cname_chain = render.array(r.cname_chain or {}),
      findings = render.findings_json(ctx, r.findings or {}) }
  end
  render.json(ctx, out)
end

--- Run `spfkit dkim`.
-- @tparam table ctx the command's context
-- @treturn string "ok" (a usable key), "problem"
function M.run(ctx)
  args.count(ctx, 1, 1)
  local d = lookup(ctx, input.domain(ctx.args[1]))
  if ctx.opts.json then json(ctx, d) else text(ctx, d) end
  return d.selector and "ok" or "problem"
end

return M
