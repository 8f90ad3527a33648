--- `spfkit audit FILE|- [--json] [--concurrency N] [--provider ID] [--host
-- NAME] [--ip IP]... [--shard I/N] [--bom] [--summary] [--timeout S]`:
-- audit every domain of a list (one a line, `#` comments) with
-- `spfkit.audit` (up to N domains in flight, one shared answer cache) and
-- print one CSV row (or one JSON object a line) per domain, in list order,
-- as they finish. A progress bar with rate and ETA goes to stderr when it
-- is a terminal, then the summary (also with `--summary`). Exit 0 when no
-- domain has an error or warning, else 1; 2 for usage or input errors.
--
-- The list is read a line at a time (memory stays flat however long); a
-- file is counted first for the progress bar's ETA. `--shard I/N` audits
-- the listed domains whose position p (1-based, blank and comment lines
-- not counted) has (p - 1) mod N = I - 1, so N processes with the same
-- list split it without overlap.
-- @module spfkit.cli.audit

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local out = require "spfkit.cli.audit_out"
local audit = require "spfkit.audit"
local core = require "spfkit.core"

local ipairs, pcall, tonumber, tostring, type = ipairs, pcall, tonumber, tostring, type

local M = { flags = { concurrency = "value", provider = "value", host = "value", ip = "multi", shard = "value",
                      bom = "flag", summary = "flag", timeout = "value" } }

M.COLUMNS, M.OUTPUTS = out.COLUMNS, out.OUTPUTS

-- A list line as a domain: nil for blank and comment lines.
local function entry(line)
  line = line:gsub("\r$", ""):gsub("#.*$", ""):gsub("^%s+", ""):gsub("%s+$", "")
  if line ~= "" then return line end
end

--- The domains of a list: one a line, `#` starts a comment; a UTF-8 byte
-- order mark (from a spreadsheet) and CRLF line ends are accepted.
-- @tparam string data
-- @treturn table the names as written
function M.domains(data)
  local list = {}
  data = data:gsub("^\239\187\191", "")
  for line in (data .. "\n"):gmatch("([^\n]*)\n") do list[#list + 1] = entry(line) end
  return list
end

-- An iterator over the entries of a line iterator (the first line may
-- start with a byte order mark).
local function entries(lines)
  local first = true
  return function()
    for line in lines do
      if first then line, first = line:gsub("^\239\187\191", ""), false end
      local e = entry(line)
      if e then return e end
    end
  end
end

-- The list as an iterator, and its length when it can be known cheaply
-- (a file: counted first, a line at a time). Standard input without
-- `:lines` (a test's fake) is read whole.
local function source(ctx)
  local path = ctx.args[1]
  if path == "-" then
    local stdin = ctx.env.stdin
    if type(stdin.lines) == "function" then return entries(stdin:lines()), nil end
    local list = M.domains(input.read_file(ctx, "-"))
    local i = 0
    return function() i = i + 1 return list[i] end, #list
  end
  local f, err = io.open(path, "rb")
  local ok, rerr = true, nil
  if f then ok, rerr = f:read(0) end   -- a directory opens, then cannot be read
  if not f or (ok == nil and rerr) then
    if f then f:close() end
    args.fail("cli-err-file", { name = path, detail = (tostring(err or rerr):gsub("^[^:]*: ", "")) })
  end
  local n = 0
  for _ in entries(f:lines()) do n = n + 1 end
  f:close()
  f = io.open(path, "rb")
  local lines = f:lines()
  return entries(function()
    if not lines then return nil end
    local l = lines()
    if not l then f:close() lines = nil end
    return l
  end), n
end

-- "--shard I/N" -> i, n (or 1, 1)
local function shard_of(ctx)
  local v = ctx.opts.shard
  if not v then return 1, 1 end
  local i, n = v:match("^(%d+)/(%d+)$")
  i, n = tonumber(i), tonumber(n)
  if not i or n < 1 or i < 1 or i > n or n > 1000000 then args.fail("cli-err-bad-shard", { value = v }) end
  return i, n
end

-- The checks of --provider/--host/--ip, or nil.
local function checks_of(ctx)
  local o = ctx.opts
  if not (o.provider or o.host or o.ip) then return nil end
  for _, ip in ipairs(o.ip or {}) do
    if not core.check{ ip = ip, sender = "a@invalid", dns = core.zone{} } then
      args.fail("cli-err-bad-ip", { value = ip })
    end
  end
  if o.host then input.domain(o.host) end
  return { provider = o.provider, host = o.host, ip = o.ip }
end

-- The DNS source; with --timeout, the network resolver again with that
-- budget per try (the first one checked the name servers).
local function dns_of(ctx)
  local dns = input.dns(ctx)
  local t = ctx.opts.timeout and tonumber(ctx.opts.timeout)
  if ctx.opts.timeout and not (t and t > 0 and t <= 60) then
    args.fail("cli-err-bad-timeout", { value = ctx.opts.timeout })
  end
  if not t or not input.is_network(ctx) then return dns end
  local ok, r = pcall(ctx.spfkit.resolver, { nameservers = ctx.opts.nameserver, timeout = t })
  if not ok or not r then return dns end
  if type(dns.close) == "function" then dns:close() end
  ctx.dns = r
  return r
end

-- Writes each row, its progress and the count; returns "ok" or "problem".
local function on_row(ctx, fmt, summary, progress)
  local state = { status = "ok", done = 0 }
  local flush = ctx.env.stdout.flush
  return state, function(row)
    if state.done == 0 then fmt.open(ctx) end   -- not before: a bad --provider writes nothing
    state.done = state.done + 1
    if row.status ~= "ok" then state.status = "problem" end
    summary:add(row)
    fmt.row(ctx, row)
    if flush then ctx.env.stdout:flush() end
    if progress then progress:update(state.done, row.domain) end
  end
end

--- Run `spfkit audit`.
-- @tparam table ctx the command's context
-- @treturn string "ok" or "problem"
function M.run(ctx)
  args.count(ctx, 1)
  local concurrency = args.number(ctx.opts, "concurrency", 1, 100000) or audit.CONCURRENCY
  local si, sn = shard_of(ctx)
  local checks = checks_of(ctx)
  local list, total = source(ctx)
  local dns = dns_of(ctx)
  if total and sn > 1 then total = total >= si and math.floor((total - si) / sn) + 1 or 0 end
  local fmt = out.OUTPUTS[ctx.opts.json and "json" or "csv"]
  local tty = ctx.env.isatty(2)
  local progress = tty and out.progress(ctx, total) or nil
  local summary = audit.summary()
  local state, row_fn = on_row(ctx, fmt, summary, progress)
  local stats, err = audit.audit{ domains = audit.shard(list, si, sn), dns = dns, concurrency = concurrency,
    checks = checks, ordered = true, on_row = function(row)
      row.index = (row.index - 1) * sn + si   -- the position in the whole list
      row_fn(row)
    end }
  if not stats then args.raise(err) end
  if state.done == 0 then fmt.open(ctx) end
  if progress then progress:finish() end
  if tty or ctx.opts.summary then out.summary(ctx, summary:counts()) end
  return state.status
end

return M
