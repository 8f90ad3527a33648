--- `spfkit suggest --provider ID [--ip IP] [--host NAME] ... [--existing TEXT]
-- [--domain DOMAIN]`: one SPF record for every provider, merged into the
-- existing one, in the form to put in DNS; `--list` lists the providers.
-- Exit 0 when a record was made, 1 when none fits the lookup limit.
-- @module spfkit.cli.suggest

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local render = require "spfkit.cli.render"

local ipairs, pairs, pcall, type, tostring = ipairs, pairs, pcall, type, tostring
local concat, sort = table.concat, table.sort
local T, write, clean, msg, array = render.T, render.write, render.clean, render.msg, render.array

local M = { flags = { provider = "multi", ip = "multi", host = "multi", existing = "multi", domain = "value",
                      ttl = "value", all = "value", list = "flag" } }

local MAX_TTL = 2147483647

-- Inputs ------------------------------------------------------------------------

-- A plain term for --ip / --host given without any --provider.
local function plain_term(o)
  if o.name == "host" then return "a:" .. o.value end
  return (o.value:find(":", 1, true) and "ip6:" or "ip4:") .. o.value
end

-- Providers and plain terms from the options in order: --ip/--host belong to
-- the --provider before them (the first one when given before any);
-- without any --provider they become ip4:/ip6: and a: terms.
local function additions(ctx)
  local list, pending = {}, {}
  local any = ctx.opts.provider ~= nil
  for _, o in ipairs(ctx.order) do
    if o.name == "provider" then
      list[#list + 1] = { id = o.value }
      for k, v in pairs(pending) do list[#list][k] = v end
      pending = {}
    elseif (o.name == "ip" or o.name == "host") and any then
      local last = list[#list]
      if last then last[o.name] = o.value else pending[o.name] = o.value end
    elseif o.name == "ip" or o.name == "host" then
      list[#list + 1] = plain_term(o)
    end
  end
  return list
end

local function all_qualifier(ctx)
  local all = ctx.opts.all
  if all ~= nil and all ~= "~" and all ~= "-" and all ~= "?" then args.fail("cli-err-bad-all", { value = all }) end
  return all
end

-- The existing record(s): --existing, else what --domain publishes in an
-- explicitly given DNS source.
local function existing_of(ctx, domain, dns)
  if ctx.opts.existing then return ctx.opts.existing end
  if not (domain and dns) then return nil end
  local ok, ans = pcall(dns.query, dns, domain, "TXT")
  if not ok or type(ans) ~= "table" then return nil end
  local list = {}
  for _, rr in ipairs(ans.records or {}) do
    if rr.type == "TXT" and type(rr.data) == "table" then list[#list + 1] = concat(rr.data) end
  end
  return #list > 0 and list or nil
end

-- --list ------------------------------------------------------------------------------

local function provider_rows(ctx)
  local rows = array()
  for _, p in ipairs(ctx.spfkit.providers.list()) do
    local params = {}
    for k in pairs(p.params or {}) do params[#params + 1] = k end
    sort(params)
    rows[#rows + 1] = { id = p.id, name = msg(ctx, p.name), params = array(params), source = p.source }
  end
  return rows
end

local function list_providers(ctx)
  local rows = provider_rows(ctx)
  if ctx.opts.json then render.json(ctx, rows) return "ok" end
  write(ctx, T(ctx, "cli-label-providers"), "\n")
  for _, p in ipairs(rows) do
    local needs = #p.params > 0 and ("  (" .. T(ctx, "cli-label-needs") .. ": --" .. concat(p.params, ", --") .. ")")
      or ""
    write(ctx, "  ", render.pad(p.id, 18), " ", p.name, needs, "\n")
  end
  return "ok"
end

-- Messages ------------------------------------------------------------------------------

-- Toolkit messages that name API options (dns=, providers.list()), as the
-- command line says them.
local CLI_WORDING = {
  ["lookups-estimated"] = "cli-lookups-estimated",
  ["flatten-unavailable"] = "cli-flatten-unavailable",
  ["unknown-provider"] = "cli-unknown-provider",
}

local function toolkit_msg(ctx, code, m, params)
  if CLI_WORDING[code] then return T(ctx, CLI_WORDING[code], params) end
  return msg(ctx, m)
end

local function info_lists(ctx, info)
  local warnings, notes = array(), array()
  for i, w in ipairs(info.warnings or {}) do
    warnings[i] = { code = w.code, message = toolkit_msg(ctx, w.code, w.message, { lookups = info.lookups }) }
  end
  for i, n in ipairs(info.notes or {}) do notes[i] = { provider = n.provider, message = msg(ctx, n) } end
  return warnings, notes, render.findings_json(ctx, info.findings)
end

-- Output ----------------------------------------------------------------------------------

local function rows_of(ctx, t, info)
  local rows = {
    { T(ctx, "cli-label-name"), t.name .. (t.fqdn and ("  (" .. t.fqdn .. ")") or "") },
    { T(ctx, "cli-label-type"), t.type },
    { T(ctx, "cli-label-value"), clean(t.presentation) },
    { T(ctx, "cli-label-ttl"), tostring(t.ttl) },
    { T(ctx, "cli-label-zone-line"), clean(t.zone_line) },
    { T(ctx, "cli-label-lookups"), render.limit(info.lookups, info.limit or ctx.spfkit.LIMITS.lookups) },
  }
  if info.added and #info.added > 0 then rows[#rows + 1] = { T(ctx, "cli-label-added"), concat(info.added, " ") } end
  if info.skipped and #info.skipped > 0 then
    rows[#rows + 1] = { T(ctx, "cli-label-skipped"), concat(info.skipped, " ") }
  end
  return rows
end

local function write_notes(ctx, t, warnings, notes)
  write(ctx, "\n", T(ctx, "cli-label-notes"), "\n")
  local list = {}
  for _, w in ipairs(warnings) do list[#list + 1] = w.message end
  for _, n in ipairs(t.notes or {}) do list[#list + 1] = msg(ctx, n.message) end
  for _, n in ipairs(notes) do list[#list + 1] = n.provider .. ": " .. n.message end
  for _, s in ipairs(list) do write(ctx, "  - ", clean(s), "\n") end
end

local function text(ctx, t, info)
  local warnings, notes = info_lists(ctx, info)
  write(ctx, clean(t.value), "\n\n")
  render.rows(ctx, rows_of(ctx, t, info))
  write_notes(ctx, t, warnings, notes)
  if info.findings and #info.findings > 0 then
    write(ctx, "\n", T(ctx, "cli-label-new-findings"), "\n")
    render.findings(ctx, info.findings)
  end
end

local function json(ctx, record, t, info)
  local warnings, notes, findings = info_lists(ctx, info)
  local tnotes = array()
  for i, n in ipairs(t.notes or {}) do tnotes[i] = { code = n.code, message = msg(ctx, n.message) } end
  render.json(ctx, { record = record, value = t.value, strings = array(t.strings),
                     presentation = t.presentation, type = t.type, name = t.name, fqdn = t.fqdn, ttl = t.ttl,
                     zone_line = t.zone_line, notes = tnotes, lookups = info.lookups, added = array(info.added),
                     skipped = array(info.skipped), warnings = warnings, provider_notes = notes,
                     findings = findings })
end

-- A merge over the lookup limit: a problem, shown with the flattened
-- proposal when there is one. Any other refusal is bad input.
local function refused(ctx, err)
  if type(err) ~= "table" or err.code ~= "merge-too-many-lookups" then
    if type(err) == "table" and CLI_WORDING[err.code] then args.fail(CLI_WORDING[err.code], err) end
    args.raise(err)
  end
  local flat = err.flatten
  local flat_msg = flat and msg(ctx, flat.message) or toolkit_msg(ctx, "flatten-unavailable", err.flatten_message)
  if ctx.opts.json then
    render.json(ctx, { error = { code = err.code, message = msg(ctx, err) }, lookups = err.lookups,
                       limit = err.limit, record = err.record, flatten_message = not flat and flat_msg or nil,
                       flatten = flat and { record = flat.record, lookups = flat.lookups, stale = flat.stale,
                                            flattened = array(flat.flattened), message = flat_msg } or nil })
  else
    write(ctx, clean(msg(ctx, err)), "\n\n", clean(flat_msg), "\n")
    if flat then write(ctx, "  ", clean(flat.record), "\n") end
  end
  return "problem"
end

-- The merge's options and inputs from the command line.
local function merge_inputs(ctx)
  local adds = additions(ctx)
  if #adds == 0 and not ctx.opts.existing then args.fail("cli-err-nothing-to-suggest") end
  local all = all_qualifier(ctx)
  local ttl = args.number(ctx.opts, "ttl", 0, MAX_TTL)
  local domain = ctx.opts.domain and input.domain(ctx.opts.domain)
  local dns = input.dns(ctx, true)
  local existing = existing_of(ctx, domain, dns)
  return existing, adds, { all = all or (not existing and "~" or nil), dns = dns, domain = domain }, ttl
end

--- Run `spfkit suggest`.
-- @tparam table ctx the command's context
-- @treturn string "ok" or "problem"
function M.run(ctx)
  if ctx.opts.list then return list_providers(ctx) end
  args.count(ctx, 0)
  local existing, adds, opts, ttl = merge_inputs(ctx)
  local record, info = ctx.spfkit.merge(existing, adds, opts)
  if not record then return refused(ctx, info) end
  local t, terr = ctx.spfkit.txt(record, { domain = opts.domain, ttl = ttl })
  if not t then args.raise(terr) end
  if ctx.opts.json then json(ctx, record, t, info) else text(ctx, t, info) end
  return "ok"
end

return M
