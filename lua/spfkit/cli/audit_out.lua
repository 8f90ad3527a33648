--- What `spfkit audit` writes: CSV or JSON-lines rows on stdout, a
-- progress bar with rate and ETA and the closing summary on stderr.
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.cli.audit_out

local render = require "spfkit.cli.render"
local core = require "spfkit.core"

local M = {}

local ipairs, pairs, tostring, floor, max = ipairs, pairs, tostring, math.floor, math.max
local concat, sort, rep = table.concat, table.sort, string.rep
local T, write, msg = render.T, render.write, render.msg

--- The CSV columns, in order (also the JSON objects' keys, with `index`,
-- `findings` and `checks`). `dmarc` and `authorized` came with the
-- concurrent audit, after the columns of the first version.
M.COLUMNS = { "domain", "status", "errors", "warnings", "lookups", "void_lookups", "codes", "record",
              "message", "fix", "dmarc", "authorized" }

--- The UTF-8 byte order mark (`--bom`: Excel then reads the CSV as UTF-8).
M.BOM = "\239\187\191"

-- The first error or warning of a row, in the context's language.
local function message(ctx, row)
  for _, f in ipairs(row.findings or {}) do
    if f.severity == "error" or f.severity == "warning" then return msg(ctx, f) end
  end
end

local function record_of(row)
  return row.record or (row.records and concat(row.records, " | "))
end

local function csv_row(ctx, row)
  local authorized = row.authorized
  render.csv_row(ctx, M.COLUMNS, {
    domain = row.domain, status = row.status, errors = row.errors, warnings = row.warnings,
    lookups = row.lookups, void_lookups = row.void_lookups, codes = row.codes, record = record_of(row),
    message = message(ctx, row), fix = row.fix, dmarc = row.dmarc,
    authorized = authorized ~= nil and (authorized and "yes" or "no") or nil })
end

local function checks_json(row)
  if not row.checks then return nil end
  local list = render.array()
  for i, c in ipairs(row.checks) do list[i] = { ip = c.ip, result = c.result } end
  return list
end

local function json_row(ctx, row)
  return { index = row.index, domain = row.domain, status = row.status, errors = row.errors,
           warnings = row.warnings, lookups = row.lookups, void_lookups = row.void_lookups,
           record = record_of(row), records = row.records and render.array(row.records),
           codes = render.array(row.codes), message = message(ctx, row), fix = row.fix,
           fix_error = row.fix_error, dmarc = row.dmarc, dmarc_record = row.dmarc_record,
           dmarc_inherited = row.dmarc_inherited, authorized = row.authorized, checks = checks_json(row),
           findings = render.findings_json(ctx, row.findings) }
end

--- The output formats: `open(ctx)`, `row(ctx, row)`.
M.OUTPUTS = {
  csv = {
    open = function(ctx)
      write(ctx, ctx.opts.bom and M.BOM or "", concat(M.COLUMNS, ","), "\n")
    end,
    row = csv_row,
  },
  json = {   -- JSON lines: one object a line, nothing around them
    open = function() end,
    row = function(ctx, row) write(ctx, render.json_encode(json_row(ctx, row)), "\n") end,
  },
}

-- Progress ---------------------------------------------------------------------------

local BAR, LINE, EVERY_MS = 20, 78, 200

local function duration(s)
  s = floor(s + 0.5)
  if s >= 3600 then return ("%dh%02dm"):format(floor(s / 3600), floor(s % 3600 / 60)) end
  if s >= 60 then return ("%dm%02ds"):format(floor(s / 60), s % 60) end
  return s .. "s"
end

--- A progress display on stderr (a terminal): `p:update(done, name)`,
-- `p:finish()`. `total` is nil when the list's length is not known
-- (standard input): then no bar and no ETA.
-- @tparam table ctx
-- @tparam ?number total
function M.progress(ctx, total)
  local p, t0, last = { done = 0 }, core.now_ms(), nil
  local function draw(name)
    local secs = max(core.now_ms() - t0, 1) / 1000
    local rate = p.done / secs
    local line
    if total then
      local n = total > 0 and floor(BAR * p.done / total) or BAR
      local eta = rate > 0 and duration((total - p.done) / rate) or "?"
      line = ("[%s%s] %s"):format(rep("#", n), rep(".", BAR - n), T(ctx, "cli-label-audit-progress",
        { count = p.done, limit = total, value = floor(rate + 0.5), human = eta }))
    else
      line = T(ctx, "cli-label-audit-progress-open", { count = p.done, value = floor(rate + 0.5) })
    end
    line = line .. " " .. render.clean(name or "")
    ctx.env.stderr:write("\r", line:sub(1, LINE), rep(" ", max(0, LINE - render.width(line))))
  end
  function p.update(_, done, name)
    p.done = done
    local now = core.now_ms()
    if last and now - last < EVERY_MS and done ~= total then return end
    last = now
    draw(name)
  end
  function p.finish()
    ctx.env.stderr:write("\r", rep(" ", LINE), "\r", T(ctx, "cli-label-audit-done", { count = p.done }), "\n")
  end
  return p
end

-- Summary ----------------------------------------------------------------------------

local STATUS = { "ok", "warning", "error", "temperror", "invalid" }

local function sorted_codes(codes)
  local list = {}
  for code, n in pairs(codes) do list[#list + 1] = { code, n } end
  sort(list, function(a, b) if a[2] ~= b[2] then return a[2] > b[2] end return a[1] < b[1] end)
  return list
end

--- The summary of `spfkit.audit.summary():counts()` on stderr: domains by
-- status, then each finding code with the number of domains that have it.
-- @tparam table ctx
-- @tparam table counts
function M.summary(ctx, counts)
  local err = ctx.env.stderr
  local parts = {}
  for _, s in ipairs(STATUS) do parts[#parts + 1] = s .. " " .. tostring(counts.status[s] or 0) end
  err:write(T(ctx, "cli-label-audit-summary", { count = counts.domains }), "  ", concat(parts, ", "), "\n")
  if counts.fixes > 0 then err:write("  ", T(ctx, "cli-label-audit-fixes", { count = counts.fixes }), "\n") end
  if counts.unauthorized > 0 then
    err:write("  ", T(ctx, "cli-label-audit-unauthorized", { count = counts.unauthorized }), "\n")
  end
  local list = sorted_codes(counts.codes)
  if #list == 0 then return end
  err:write(T(ctx, "cli-label-audit-codes"), "\n")
  local rows = {}
  for i, c in ipairs(list) do rows[i] = { c[1], tostring(c[2]) } end
  local widest = 0
  for _, r in ipairs(rows) do widest = max(widest, #r[1]) end
  for _, r in ipairs(rows) do err:write("  ", render.pad(r[1], widest), "  ", r[2], "\n") end
end

return M
