--- `spfkit audit FILE|- [--json]`: lint every domain of a list (one a line,
-- `#` comments) and print one CSV row (or JSON object) per domain, a domain
-- whose DNS fails included; a progress bar on stderr when it is a terminal.
-- Exit 0 when no domain has an error or warning, else 1.
--
-- The steps are separate so that the audit can grow (concurrency, shards):
-- `domains` reads the list, `row` audits one domain and never raises, and
-- an output (`OUTPUTS.csv`, `OUTPUTS.json`) writes the rows as they come.
-- @module spfkit.cli.audit

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local render = require "spfkit.cli.render"
local core = require "spfkit.core"

local ipairs, pcall, tostring = ipairs, pcall, tostring
local concat = table.concat
local T, write, msg = render.T, render.write, render.msg

local M = { flags = {} }

--- The CSV columns, in order (also the JSON objects' keys, with `findings`).
M.COLUMNS = { "domain", "status", "errors", "warnings", "lookups", "void_lookups", "codes", "record",
              "message", "fix" }

--- The domains of a list: one a line, `#` starts a comment; a UTF-8 byte
-- order mark (from a spreadsheet) and CRLF line ends are accepted.
-- @tparam string data
-- @treturn table the names as written
function M.domains(data)
  local list = {}
  data = data:gsub("^\239\187\191", "")
  for line in (data .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("#.*$", ""):gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" then list[#list + 1] = line end
  end
  return list
end

-- A row that says the domain could not be linted.
local function failed_row(domain, status, codes, message)
  return { domain = domain, status = status, errors = status == "error" and 1 or 0, warnings = 0,
           codes = codes, message = message, findings = {} }
end

-- A lint result as a row; the first error or warning gives message and fix.
local function row_of(ctx, domain, r)
  local errors, warnings = render.counts(r.findings)
  local row = { domain = domain, errors = errors, warnings = warnings, lookups = r.lookups,
                void_lookups = r.void_lookups, record = r.record or (r.records and concat(r.records, " | ")),
                codes = {}, findings = r.findings,
                status = errors > 0 and "error" or warnings > 0 and "warning" or "ok" }
  for _, f in ipairs(r.findings) do
    row.codes[#row.codes + 1] = f.code
    if not row.message and f.severity ~= "info" then row.message, row.fix = msg(ctx, f.message or f), f.fix end
    -- the domain's own TXT lookup did not answer: nothing was checked
    if f.code == "dns-temperror" and not r.record and not r.records then row.status = "temperror" end
  end
  return row
end

--- One domain's row; never raises.
-- @tparam table ctx
-- @param dns the DNS source
-- @tparam string name the domain as written in the list
-- @treturn table `{ domain, status, errors, warnings, lookups, void_lookups,
--   codes, record, message, fix, findings }`
function M.row(ctx, dns, name)
  local domain = input.norm_domain(name)
  if not domain then
    return failed_row(name, "invalid", {}, T(ctx, "cli-err-bad-domain", { value = name }))
  end
  local ok, r = pcall(ctx.spfkit.lint, { domain = domain, dns = dns })
  if not ok or not r then
    return failed_row(domain, "error", { "internal" }, T(ctx, "cli-err-internal", { detail = tostring(r) }))
  end
  return row_of(ctx, domain, r)
end

-- Outputs: open, one row at a time, close -------------------------------------------

local function json_row(ctx, row)
  return { domain = row.domain, status = row.status, errors = row.errors, warnings = row.warnings,
           lookups = row.lookups, void_lookups = row.void_lookups, record = row.record,
           codes = render.array(row.codes), message = row.message, fix = row.fix,
           findings = render.findings_json(ctx, row.findings) }
end

--- The output formats: `open(ctx)`, `row(ctx, row, i)`, `close(ctx)`.
M.OUTPUTS = {
  csv = {
    open = function(ctx) write(ctx, concat(M.COLUMNS, ","), "\n") end,
    row = function(ctx, row) render.csv_row(ctx, M.COLUMNS, row) end,
    close = function() end,
  },
  json = {
    open = function(ctx) write(ctx, "[") end,
    row = function(ctx, row, i) write(ctx, i > 1 and ",\n" or "\n", render.json_encode(json_row(ctx, row))) end,
    close = function(ctx) write(ctx, "\n]\n") end,
  },
}

-- The DNS source; a real resolver gets one cache for the whole list
-- (customers share their providers' includes).
local function dns_of(ctx)
  local dns = input.dns(ctx)
  if core.is_source(dns) and input.is_network(ctx) then
    local ok, cached = pcall(function() return ctx.spfkit.cache{}:over(dns) end)
    if ok and cached then return cached end
  end
  return dns
end

-- Audit the list, writing each row as it is done.
local function each_row(ctx, dns, domains, out)
  local tty, status = ctx.env.isatty(2), "ok"
  for i, name in ipairs(domains) do
    if tty then render.progress(ctx, i - 1, #domains, name) end
    local row = M.row(ctx, dns, name)
    if tty then render.progress(ctx, i, #domains, name) end
    if row.status ~= "ok" then status = "problem" end
    out.row(ctx, row, i)
    if ctx.env.stdout.flush then ctx.env.stdout:flush() end
  end
  if tty then render.progress_done(ctx, T(ctx, "cli-label-audit-done", { count = #domains })) end
  return status
end

--- Run `spfkit audit`.
-- @tparam table ctx the command's context
-- @treturn string "ok" or "problem"
function M.run(ctx)
  args.count(ctx, 1)
  local domains = M.domains(input.read_file(ctx, ctx.args[1]))
  local dns = dns_of(ctx)
  local out = M.OUTPUTS[ctx.opts.json and "json" or "csv"]
  out.open(ctx)
  local status = each_row(ctx, dns, domains, out)
  out.close(ctx)
  return status
end

return M
