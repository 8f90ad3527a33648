--- `spfkit lint DOMAIN` / `spfkit lint --record TEXT [DOMAIN]`: the findings
-- of a published or given SPF record, its lookups against their limits and
-- its include tree. Exit 0 with no error or warning, else 1.
-- @module spfkit.cli.lint

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local render = require "spfkit.cli.render"

local T, write, clean = render.T, render.write, render.clean

local M = { flags = { record = "value" } }

--- The limits a lint result was counted against.
-- @tparam table ctx
-- @tparam table r a lint result
-- @treturn table `{ lookups =, void_lookups = }`
function M.limits(ctx, r)
  return r.limits or ctx.spfkit.LIMITS
end

local function text(ctx, r, domain)
  local limits = M.limits(ctx, r)
  write(ctx, domain and (domain .. ": ") or "", r.record and clean(r.record) or T(ctx, "cli-label-no-record"), "\n")
  render.rows(ctx, { { T(ctx, "cli-label-lookups"), render.limit(r.lookups, limits.lookups) },
                     { T(ctx, "cli-label-void"), render.limit(r.void_lookups, limits.void_lookups) } })
  write(ctx, "\n", T(ctx, #r.findings == 0 and "cli-label-no-findings" or "cli-label-findings"), "\n")
  render.findings(ctx, r.findings)
  if r.tree and r.tree.children and #r.tree.children > 0 then
    write(ctx, "\n", T(ctx, "cli-label-tree"), "\n")
    render.tree(ctx, r.tree)
  end
end

local function json(ctx, r, domain)
  local errors, warnings = render.counts(r.findings)
  render.json(ctx, { domain = domain, record = r.record, records = r.records, lookups = r.lookups,
                     void_lookups = r.void_lookups, errors = errors, warnings = warnings,
                     findings = render.findings_json(ctx, r.findings), tree = render.tree_json(ctx, r.tree) })
end

-- The lint of --record (includes followed when a domain gives DNS a
-- meaning) or of what DOMAIN publishes.
local function lint(ctx, record, domain)
  if record then
    return ctx.spfkit.lint{ record = record, domain = domain, dns = input.dns(ctx, not domain) }
  end
  return ctx.spfkit.lint{ domain = domain, dns = input.dns(ctx) }
end

--- Run `spfkit lint`.
-- @tparam table ctx the command's context
-- @treturn string "ok" or "problem"
function M.run(ctx)
  local record, n = ctx.opts.record, #ctx.args
  if n == 0 and not record then args.fail("cli-err-record-or-domain") end
  args.count(ctx, 0, 1)
  local domain = n == 1 and input.domain(ctx.args[1]) or nil
  local r, err = lint(ctx, record, domain)
  if not r then args.raise(err) end
  if ctx.opts.json then json(ctx, r, domain) else text(ctx, r, domain) end
  local errors, warnings = render.counts(r.findings)
  return (errors + warnings > 0) and "problem" or "ok"
end

return M
