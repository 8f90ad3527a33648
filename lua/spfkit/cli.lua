--- The `spfkit` command-line tool: check, lint, suggest, diagnose, audit.
--
--    os.exit(require("spfkit.cli").main(arg))
--
-- `main(args, io_env)` returns the exit status (0 nothing to fix, 1 a
-- problem was found, 2 usage or input error) and never raises: errors become
-- one line on stderr (`spfkit: ...`). `io_env = { stdout =, stderr =, stdin =,
-- getenv =, isatty = function(fd), dns = <DNS source> }`, each defaulting to
-- the real process (`dns`, for specs, replaces --zone/--nameserver), so the
-- tool runs in-process with captured output.
--
-- Pure Lua (5.1/LuaJIT and 5.4) over `spfkit`.
-- @module spfkit.cli

local M = {}

local type, pairs, ipairs, tostring, tonumber, pcall, error = type, pairs, ipairs, tostring, tonumber, pcall, error
local concat, rep, floor, max = table.concat, string.rep, math.floor, math.max

local OK, PROBLEM, USAGE = 0, 1, 2

-- Usage and input errors travel as tables through error() to main.
local CLI_ERROR = {}
local function fail(code, params)
  error(setmetatable({ code = code, params = params or {} }, CLI_ERROR), 0)
end
-- An error whose message is already in the output language.
local function fail_text(text) fail(nil, { text = text }) end

-- Output ------------------------------------------------------------------------

local function write(ctx, ...) ctx.env.stdout:write(...) end

local function T(ctx, code, params) return ctx.i18n.text(code, ctx.lang, params) end

-- Text from outside (DNS, files) made safe for a terminal: valid UTF-8, no
-- control characters.
local function clean(ctx, s)
  s = ctx.report.utf8_clean(tostring(s))
  return (s:gsub("[%c\127]", "?"))
end

-- Display width: 3- and 4-byte UTF-8 sequences (CJK) take two columns.
local function width(s)
  local w = 0
  for c in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do w = w + (#c >= 3 and 2 or 1) end
  return w
end

local function pad(s, w) return s .. rep(" ", max(0, w - width(s))) end

-- Rows of { label, value } as aligned "  label  value" lines.
local function write_rows(ctx, rows, indent)
  local widest = 0
  for _, row in ipairs(rows) do widest = max(widest, width(row[1])) end
  for _, row in ipairs(rows) do
    write(ctx, indent or "  ", pad(row[1], widest), "  ", row[2], "\n")
  end
end

local function json_out(ctx, value)
  write(ctx, ctx.report.json_encode(value), "\n")
end

local function array(ctx, t) return ctx.report.array(t or {}) end

-- The message of a `{ en =, ja = }` table or an error table in our language.
local function msg(ctx, m)
  if type(m) ~= "table" then return tostring(m) end
  if ctx.lang == "ja" then return m.message_ja or m.ja or m.message or m.en or tostring(m.code) end
  return m.message or m.en or tostring(m.code)
end

-- Arguments -------------------------------------------------------------------------

-- Option kinds: "flag" (no value), "value" (last wins), "multi" (a list).
local GLOBAL = { json = "flag", lang = "value", nameserver = "multi", zone = "value", help = "flag",
                 version = "flag" }

local function kind_of(flags, name)
  return GLOBAL[name] or (flags and flags[name])
end

-- Split "--name=value" / "--name" / "-h".
local function option_name(a)
  if a == "-h" then return "help" end
  local name, value = a:match("^%-%-([%w][%w%-]*)=(.*)$")
  if name then return name, value end
  return a:match("^%-%-([%w][%w%-]*)$")
end

--- Parse arguments against a command's options.
-- @treturn table opts (flags true, values strings, multi lists), positionals,
--   and `order` (every value option in order, for --provider/--ip pairing)
local function parse(args, flags, command)
  local opts, pos, order = {}, {}, {}
  local i, n, rest = 1, #args, false
  while i <= n do
    local a = args[i]
    if rest or a == "-" or a:sub(1, 1) ~= "-" then
      pos[#pos + 1] = a
    elseif a == "--" then
      rest = true
    else
      local name, value = option_name(a)
      local kind = name and kind_of(flags, name)
      if not kind then fail("cli-err-unknown-option", { name = a, value = command and (command .. " ") or "" }) end
      if kind == "flag" then
        if value then fail("cli-err-no-value", { name = "--" .. name }) end
        opts[name] = true
      else
        if not value then
          i = i + 1
          value = args[i]
          if value == nil then fail("cli-err-missing-value", { name = "--" .. name }) end
        end
        if kind == "multi" then
          opts[name] = opts[name] or {}
          opts[name][#opts[name] + 1] = value
        else
          opts[name] = value
        end
        order[#order + 1] = { name = name, value = value }
      end
    end
    i = i + 1
  end
  return opts, pos, order
end

-- The command word: the first argument that is neither a global option nor
-- the value of one. Returns the command and the other arguments.
local function split_command(args)
  local i, n = 1, #args
  while i <= n do
    local a = args[i]
    if a == "--" then break end
    if a == "-" or a:sub(1, 1) ~= "-" then
      local rest = {}
      for k = 1, n do if k ~= i then rest[#rest + 1] = args[k] end end
      return a, rest
    end
    local name, value = option_name(a)
    if name and GLOBAL[name] ~= "flag" and GLOBAL[name] and not value then i = i + 1 end
    i = i + 1
  end
  local rest = {}
  for k = 1, n do rest[k] = args[k] end
  return nil, rest
end

-- The language: --lang, else LC_ALL, LC_MESSAGES, LANG (the first one set).
local function env_lang(getenv)
  for _, var in ipairs({ "LC_ALL", "LC_MESSAGES", "LANG" }) do
    local v = getenv(var)
    if v and v ~= "" then return v:match("^ja") and "ja" or "en" end
  end
  return "en"
end

-- --lang as written, before parsing (so that parse errors are in it too).
local function lang_arg(args)
  for i = 1, #args do
    if args[i] == "--" then return nil end
    if args[i] == "--lang" then return args[i + 1] end
    local v = args[i]:match("^%-%-lang=(.*)$")
    if v then return v end
  end
end

local function number_opt(opts, name, lo, hi)
  local v = opts[name]
  if v == nil then return nil end
  local x = tonumber(v)
  if not x or x % 1 ~= 0 or x < lo or x > hi then
    fail("cli-err-bad-number", { name = "--" .. name, value = v })
  end
  return x
end

-- Input -----------------------------------------------------------------------------

local function read_file(ctx, path)
  if path == "-" then
    return ctx.env.stdin:read("*a") or ""
  end
  local f, err = io.open(path, "rb")
  if not f then fail("cli-err-file", { name = path, detail = tostring(err):gsub("^[^:]*: ", "") }) end
  local data, rerr = f:read("*a")
  f:close()
  if not data then fail("cli-err-file", { name = path, detail = tostring(rerr) }) end
  return data
end

local function norm_domain(ctx, d)
  local ok = type(d) == "string" and ctx.diagnose.norm_domain(d)
  if not ok then fail("cli-err-bad-domain", { value = tostring(d) }) end
  return ok
end

-- DNS -----------------------------------------------------------------------------------

-- A zone from a Lua file that returns a table (examples/zones/*.lua).
local function load_lua_zone(ctx, path)
  local src = read_file(ctx, path)
  local chunk, err
  if setfenv then
    chunk, err = loadstring(src, "=" .. path)
    if chunk then setfenv(chunk, {}) end
  else
    chunk, err = load(src, "=" .. path, "t", {})
  end
  local ok, data = false, err
  if chunk then ok, data = pcall(chunk) end
  if not ok or type(data) ~= "table" then
    fail("cli-err-zone", { name = path, detail = tostring(data or "it returns no table") })
  end
  local zone, zerr = ctx.spfkit.zone(data)
  if not zone then fail("cli-err-zone", { name = path, detail = msg(ctx, zerr) }) end
  return zone
end

local function load_zone(ctx, path)
  if path:match("%.lua$") then return load_lua_zone(ctx, path) end
  local f, err = io.open(path, "rb")
  if not f then fail("cli-err-file", { name = path, detail = tostring(err):gsub("^[^:]*: ", "") }) end
  f:close()
  local zone, zerr = ctx.spfkit.zone_file(path)
  if not zone then
    fail("cli-err-zone", { name = path, detail = msg(ctx, zerr) })
  end
  return zone
end

local function make_resolver(ctx, nameservers)
  local ok, r, err = pcall(ctx.spfkit.resolver, { nameservers = nameservers })
  if ok and r then return r end
  local detail = tostring(ok and (type(err) == "table" and err.message or err) or r)
  if nameservers then
    for _, ns in ipairs(nameservers) do
      if detail:find("'" .. ns .. "'", 1, true) then fail("cli-err-nameserver", { value = ns }) end
    end
  end
  fail("cli-err-resolver", { detail = detail:gsub("^spfkit%.resolver: ", "") })
end

--- The DNS source: io_env.dns, --zone, --nameserver, or the system resolver.
-- With `explicit`, nil unless one of the first three was given.
local function dns_of(ctx, explicit)
  if ctx.dns then return ctx.dns end
  local o = ctx.opts
  if o.zone and o.nameserver then fail("cli-err-zone-and-nameserver") end
  if ctx.env.dns then ctx.dns = ctx.env.dns
  elseif o.zone then ctx.dns = load_zone(ctx, o.zone)
  elseif o.nameserver then ctx.dns = make_resolver(ctx, o.nameserver)
  elseif explicit then return nil
  else ctx.dns = make_resolver(ctx, nil) end
  return ctx.dns
end

-- check ---------------------------------------------------------------------------------

local function check_inputs(ctx, ip, target)
  local domain, sender = target, ctx.opts.sender
  if target:find("@", 1, true) then
    domain = ctx.diagnose.domain_of(target)
    if not domain then fail("cli-err-bad-sender", { value = target }) end
    sender = sender or target
  end
  domain = norm_domain(ctx, domain)
  if sender then
    local sd = ctx.diagnose.domain_of(sender)
    if not sd then fail("cli-err-bad-sender", { value = sender }) end
    if sd ~= domain then fail("cli-err-sender-domain", { value = sender, domain = domain }) end
  else
    sender = "postmaster@" .. domain
  end
  return { ip = ip, sender = sender, helo = ctx.opts.helo }, domain
end

local CHECK_FIELDS = { "result", "domain", "ip", "sender", "helo", "identity", "record", "mechanism",
  "matched_term", "matched_domain", "explanation", "problem", "problem_code", "problem_position",
  "lookups", "void_lookups", "received_spf", "authentication_results", "trace" }

local function answer_text(a)
  if type(a) ~= "table" then return tostring(a) end
  local parts = {}
  for i, x in ipairs(a) do parts[i] = tostring(x) end
  return concat(parts, type(a[1]) == "number" and " " or "")
end

local function check_text(ctx, r)
  local rows = {
    { T(ctx, "cli-label-result"), r.result },
    { T(ctx, "cli-label-sender"), clean(ctx, r.sender or "") },
    { T(ctx, "cli-label-record"), r.record and clean(ctx, r.record) or T(ctx, "cli-label-no-record") },
  }
  if r.mechanism then rows[#rows + 1] = { T(ctx, "cli-label-matched"), clean(ctx, r.mechanism) } end
  if r.explanation then rows[#rows + 1] = { T(ctx, "cli-label-explanation"), clean(ctx, r.explanation) } end
  if r.problem_code then
    local p = ctx.lang == "ja" and r.problem_code or (r.problem_code .. ": " .. clean(ctx, r.problem or ""))
    rows[#rows + 1] = { T(ctx, "cli-label-problem"), p }
  end
  rows[#rows + 1] = { T(ctx, "cli-label-lookups"), r.lookups .. "/10" }
  rows[#rows + 1] = { T(ctx, "cli-label-void"), r.void_lookups .. "/2" }
  write(ctx, r.domain or "", " / ", r.ip, ": ", r.result, "\n")
  write(ctx, T(ctx, "cli-result-" .. r.result, { domain = r.domain or "", ip = r.ip }), "\n\n")
  write_rows(ctx, rows)
  write(ctx, "  ", clean(ctx, r.received_spf), "\n")
  if #r.trace > 0 then
    write(ctx, "\n", T(ctx, "cli-label-trace"), "\n")
    for _, q in ipairs(r.trace) do
      local answers = {}
      for i, a in ipairs(q.answers or {}) do answers[i] = answer_text(a) end
      write(ctx, ("  %-5s %-24s %-8s %s\n"):format(q.type, clean(ctx, q.name), q.rcode,
        clean(ctx, concat(answers, " | "))))
    end
  end
end

local function cmd_check(ctx)
  if #ctx.args ~= 2 then fail("cli-err-args", { name = "check" }) end
  local ip = ctx.args[1]
  local opts = check_inputs(ctx, ip, ctx.args[2])
  opts.dns = dns_of(ctx)
  local r, err = ctx.spfkit.check(opts)
  if not r then
    if err and err.code == "bad-sender" then fail("cli-err-bad-sender", { value = opts.sender }) end
    fail("cli-err-bad-ip", { value = ip })
  end
  if ctx.opts.json then
    local t = {}
    for _, k in ipairs(CHECK_FIELDS) do t[k] = r[k] end
    t.trace = array(ctx, t.trace)
    t.message = T(ctx, "cli-result-" .. r.result, { domain = r.domain or "", ip = r.ip })
    json_out(ctx, t)
  else
    check_text(ctx, r)
  end
  return r.result == "pass" and OK or PROBLEM
end

-- lint ------------------------------------------------------------------------------------

local SEVERITY_MARK = { error = "✗", warning = "!", info = "i" }

local function finding_json(ctx, f)
  return { code = f.code, severity = f.severity, term = f.term, position = f.position, domain = f.domain,
           message = msg(ctx, f.message), fix = f.fix, kind = f.kind }
end

local function tree_json(ctx, node, depth)
  local t = { domain = node.domain, via = node.via, term = node.term, record = node.record,
              lookups = node.lookups, void_lookups = node.void_lookups, total_lookups = node.total_lookups,
              error = node.error, loop = node.loop, children = array(ctx) }
  if depth < 24 then
    for i, c in ipairs(node.children or {}) do t.children[i] = tree_json(ctx, c, depth + 1) end
  end
  return t
end

local function counts(findings)
  local errors, warnings = 0, 0
  for _, f in ipairs(findings) do
    if f.severity == "error" then errors = errors + 1
    elseif f.severity == "warning" then warnings = warnings + 1 end
  end
  return errors, warnings
end

-- Errors first, then warnings, then notes; lint's order within each.
local by_severity = require("spfkit.report").by_severity

local function write_findings(ctx, findings)
  findings = by_severity(findings)
  if #findings == 0 then
    write(ctx, T(ctx, "cli-label-no-findings"), "\n")
    return
  end
  write(ctx, T(ctx, "cli-label-findings"), "\n")
  for _, f in ipairs(findings) do
    write(ctx, "  ", SEVERITY_MARK[f.severity] or "-", " [", f.code, "]",
      f.term and (" " .. clean(ctx, f.term)) or "", " ", clean(ctx, msg(ctx, f.message)), "\n")
    if f.fix then write(ctx, "      ", T(ctx, "cli-label-fix"), ": ", clean(ctx, f.fix), "\n") end
  end
end

local function write_tree(ctx, node, indent, depth)
  for _, c in ipairs(node.children or {}) do
    write(ctx, indent, clean(ctx, c.term or c.via or ""), " -> ", clean(ctx, c.domain or "?"),
      "  (", T(ctx, "cli-label-lookups"), ": ", tostring(c.total_lookups or c.lookups or 0), ")",
      c.error and ("  [" .. tostring(c.error) .. "]") or "", "\n")
    if depth < 24 then write_tree(ctx, c, indent .. "  ", depth + 1) end
  end
end

local function lint_text(ctx, r, domain)
  write(ctx, domain and (domain .. ": ") or "", r.record and clean(ctx, r.record) or T(ctx, "cli-label-no-record"),
    "\n")
  write_rows(ctx, { { T(ctx, "cli-label-lookups"), r.lookups .. "/10" },
                    { T(ctx, "cli-label-void"), r.void_lookups .. "/2" } })
  write(ctx, "\n")
  write_findings(ctx, r.findings)
  if r.tree and r.tree.children and #r.tree.children > 0 then
    write(ctx, "\n", T(ctx, "cli-label-tree"), "\n")
    write_tree(ctx, r.tree, "  ", 1)
  end
end

local function lint_json(ctx, r, domain)
  local findings = array(ctx)
  for i, f in ipairs(r.findings) do findings[i] = finding_json(ctx, f) end
  local errors, warnings = counts(r.findings)
  json_out(ctx, { domain = domain, record = r.record, records = r.records, lookups = r.lookups,
                  void_lookups = r.void_lookups, errors = errors, warnings = warnings,
                  findings = findings, tree = tree_json(ctx, r.tree, 1) })
end

local function cmd_lint(ctx)
  local record, n = ctx.opts.record, #ctx.args
  if n > 1 or (n == 0 and not record) then
    fail(n == 0 and "cli-err-record-or-domain" or "cli-err-args", { name = "lint" })
  end
  local domain = n == 1 and norm_domain(ctx, ctx.args[1]) or nil
  local r
  if record then
    r = ctx.spfkit.lint{ record = record, domain = domain, dns = dns_of(ctx, not domain) }
  else
    r = ctx.spfkit.lint{ domain = domain, dns = dns_of(ctx) }
  end
  if ctx.opts.json then lint_json(ctx, r, domain) else lint_text(ctx, r, domain) end
  local errors, warnings = counts(r.findings)
  return (errors + warnings > 0) and PROBLEM or OK
end

-- suggest ----------------------------------------------------------------------------------

-- Providers and plain terms from the options in order: --ip/--host belong to
-- the --provider before them (the first one when given before any);
-- without any --provider they become ip4:/ip6: and a: terms.
local function additions(ctx)
  local list, pending, any = {}, {}, ctx.opts.provider ~= nil
  for _, o in ipairs(ctx.order) do
    if o.name == "provider" then
      list[#list + 1] = { id = o.value }
      for k, v in pairs(pending) do list[#list][k] = v end
      pending = {}
    elseif (o.name == "ip" or o.name == "host") and any then
      local last = list[#list]
      if last then last[o.name] = o.value else pending[o.name] = o.value end
    elseif o.name == "ip" then
      list[#list + 1] = (o.value:find(":", 1, true) and "ip6:" or "ip4:") .. o.value
    elseif o.name == "host" then
      list[#list + 1] = "a:" .. o.value
    end
  end
  return list
end

local function check_all(ctx)
  local all = ctx.opts.all
  if all ~= nil and all ~= "~" and all ~= "-" and all ~= "?" then fail("cli-err-bad-all", { value = all }) end
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

local function suggest_list(ctx)
  local rows = array(ctx)
  for _, p in ipairs(ctx.spfkit.providers.list()) do
    local params = {}
    for k in pairs(p.params or {}) do params[#params + 1] = k end
    table.sort(params)
    rows[#rows + 1] = { id = p.id, name = msg(ctx, p.name), params = array(ctx, params), source = p.source }
  end
  if ctx.opts.json then json_out(ctx, rows) return OK end
  write(ctx, T(ctx, "cli-label-providers"), "\n")
  for _, p in ipairs(rows) do
    local needs = #p.params > 0 and ("  (" .. T(ctx, "cli-label-needs") .. ": --" .. concat(p.params, ", --") .. ")")
      or ""
    write(ctx, "  ", pad(p.id, 18), " ", p.name, needs, "\n")
  end
  return OK
end

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
  local warnings, notes, findings = array(ctx), array(ctx), array(ctx)
  for i, w in ipairs(info.warnings or {}) do
    warnings[i] = { code = w.code, message = toolkit_msg(ctx, w.code, w.message, { lookups = info.lookups }) }
  end
  for i, n in ipairs(info.notes or {}) do notes[i] = { provider = n.provider, message = msg(ctx, n) } end
  for i, f in ipairs(info.findings or {}) do findings[i] = finding_json(ctx, f) end
  return warnings, notes, findings
end

local function suggest_rows(ctx, t, info)
  local rows = {
    { T(ctx, "cli-label-name"), t.name .. (t.fqdn and ("  (" .. t.fqdn .. ")") or "") },
    { T(ctx, "cli-label-type"), t.type },
    { T(ctx, "cli-label-value"), clean(ctx, t.presentation) },
    { T(ctx, "cli-label-ttl"), tostring(t.ttl) },
    { T(ctx, "cli-label-zone-line"), clean(ctx, t.zone_line) },
    { T(ctx, "cli-label-lookups"), tostring(info.lookups or 0) .. "/10" },
  }
  if info.added and #info.added > 0 then rows[#rows + 1] = { T(ctx, "cli-label-added"), concat(info.added, " ") } end
  if info.skipped and #info.skipped > 0 then
    rows[#rows + 1] = { T(ctx, "cli-label-skipped"), concat(info.skipped, " ") }
  end
  return rows
end

local function suggest_text(ctx, t, info, warnings, notes, findings)
  write(ctx, clean(ctx, t.value), "\n\n")
  write_rows(ctx, suggest_rows(ctx, t, info))
  local list = {}
  for _, w in ipairs(warnings) do list[#list + 1] = w.message end
  for _, n in ipairs(t.notes or {}) do list[#list + 1] = msg(ctx, n.message) end
  for _, n in ipairs(notes) do list[#list + 1] = n.provider .. ": " .. n.message end
  write(ctx, "\n", T(ctx, "cli-label-notes"), "\n")
  for _, s in ipairs(list) do write(ctx, "  - ", clean(ctx, s), "\n") end
  if #findings > 0 then
    write(ctx, "\n", T(ctx, "cli-label-new-findings"), "\n")
    for _, f in ipairs(findings) do
      write(ctx, "  ", SEVERITY_MARK[f.severity] or "-", " [", f.code, "] ", clean(ctx, f.message), "\n")
    end
  end
end

-- merge refused: over the lookup limit (a problem, with the flattened
-- proposal when there is one) or bad input (usage error).
local function suggest_refused(ctx, err)
  if type(err) ~= "table" or err.code ~= "merge-too-many-lookups" then
    fail_text(toolkit_msg(ctx, type(err) == "table" and err.code, err, err))
  end
  local flat = err.flatten
  local flat_msg = flat and msg(ctx, flat.message) or toolkit_msg(ctx, "flatten-unavailable", err.flatten_message)
  if ctx.opts.json then
    json_out(ctx, { error = { code = err.code, message = msg(ctx, err) }, lookups = err.lookups, limit = err.limit,
                    record = err.record, flatten = flat and { record = flat.record, lookups = flat.lookups,
                    flattened = array(ctx, flat.flattened), stale = flat.stale, message = flat_msg } or nil,
                    flatten_message = not flat and flat_msg or nil })
  else
    write(ctx, clean(ctx, msg(ctx, err)), "\n\n", clean(ctx, flat_msg), "\n")
    if flat then write(ctx, "  ", clean(ctx, flat.record), "\n") end
  end
  return PROBLEM
end

local function cmd_suggest(ctx)
  local o = ctx.opts
  if o.list then return suggest_list(ctx) end
  if #ctx.args > 0 then fail("cli-err-args", { name = "suggest" }) end
  local adds = additions(ctx)
  if #adds == 0 and not o.existing then fail("cli-err-nothing-to-suggest") end
  local all, ttl = check_all(ctx), number_opt(o, "ttl", 0, 2147483647)
  local domain = o.domain and norm_domain(ctx, o.domain)
  local dns = dns_of(ctx, true)
  local existing = existing_of(ctx, domain, dns)
  local record, info = ctx.spfkit.merge(existing, adds, { all = all or (not existing and "~" or nil),
                                                          dns = dns, domain = domain })
  if not record then return suggest_refused(ctx, info) end
  local t, terr = ctx.spfkit.txt(record, { domain = domain, ttl = ttl })
  if not t then fail_text(msg(ctx, terr)) end
  local warnings, notes, findings = info_lists(ctx, info)
  if o.json then
    local tnotes = array(ctx)
    for i, n in ipairs(t.notes or {}) do tnotes[i] = { code = n.code, message = msg(ctx, n.message) } end
    json_out(ctx, { record = record, value = t.value, strings = array(ctx, t.strings),
                    presentation = t.presentation, type = t.type, name = t.name, fqdn = t.fqdn, ttl = t.ttl,
                    zone_line = t.zone_line,
                    notes = tnotes, lookups = info.lookups, added = array(ctx, info.added),
                    skipped = array(ctx, info.skipped), warnings = warnings, provider_notes = notes,
                    findings = findings })
  else
    suggest_text(ctx, t, info, warnings, notes, findings)
  end
  return OK
end

-- diagnose ---------------------------------------------------------------------------------

-- --provider with the --host values after each.
local function diagnose_providers(ctx)
  local list = {}
  for _, o in ipairs(ctx.order) do
    if o.name == "provider" then list[#list + 1] = { id = o.value }
    elseif o.name == "host" then
      local last = list[#list] or list[1]
      if not last then fail("cli-err-args", { name = "diagnose" }) end
      last.host = o.value
    end
  end
  if ctx.opts.host and #list == 0 then fail("cli-err-args", { name = "diagnose" }) end
  return #list > 0 and list or nil
end

local function diagnose_opts(ctx)
  local o, n = ctx.opts, #ctx.args
  if n > 1 then fail("cli-err-args", { name = "diagnose" }) end
  if n == 1 and (o.domain or o.ip or o.sender or o.helo) then fail("cli-err-file-and-domain") end
  if n == 0 and not o.domain then fail("cli-err-diagnose-input") end
  if o.html and o.json then fail("cli-err-html-json") end
  local d = { lang = ctx.lang, providers = diagnose_providers(ctx), ttl = number_opt(o, "ttl", 0, 2147483647),
              entry = number_opt(o, "entry", 1, 100000) }
  if n == 1 then
    d.bounce = read_file(ctx, ctx.args[1])
  else
    d.domain, d.ip, d.sender, d.helo = norm_domain(ctx, o.domain), o.ip, o.sender, o.helo
  end
  d.dns = dns_of(ctx)
  return d
end

local function cmd_diagnose(ctx)
  local r = ctx.spfkit.diagnose(diagnose_opts(ctx))
  local out
  if ctx.opts.json then out = r:json() .. "\n"
  elseif ctx.opts.html then out = r:html()
  else out = r:text() end
  write(ctx, out)
  if r.status == "error" then
    ctx.env.stderr:write("spfkit: ", clean(ctx, r.error and r.error.message or r.summary or "error"), "\n")
    return USAGE
  end
  return r.status == "ok" and OK or PROBLEM
end

-- audit -------------------------------------------------------------------------------------

local CSV_COLUMNS = { "domain", "status", "errors", "warnings", "lookups", "void_lookups", "codes", "record",
                      "message", "fix" }

local function csv_field(v)
  local s = v == nil and "" or tostring(v)
  if s:find('[,"\r\n]') or s:find("^%s") or s:find("%s$") then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function csv_row(ctx, row)
  local fields = {}
  for i, k in ipairs(CSV_COLUMNS) do
    local v = row[k]
    if k == "codes" then v = concat(v or {}, " ") end
    if type(v) == "string" then v = clean(ctx, v) end
    fields[i] = csv_field(v)
  end
  write(ctx, concat(fields, ","), "\n")
end

-- Domains of an audit list: one a line, "#" starts a comment.
local function domain_lines(data)
  local list = {}
  data = data:gsub("^\239\187\191", "")       -- a UTF-8 byte order mark from a spreadsheet
  for line in (data .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("#.*$", ""):gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" then list[#list + 1] = line end
  end
  return list
end

-- One domain's row; never raises.
local function audit_one(ctx, dns, name)
  local domain = ctx.diagnose.norm_domain(name)
  if not domain then
    return { domain = name, status = "invalid", errors = 0, warnings = 0, codes = {},
             message = T(ctx, "cli-err-bad-domain", { value = name }), findings = {} }
  end
  local ok, r = pcall(ctx.spfkit.lint, { domain = domain, dns = dns })
  if not ok then
    return { domain = domain, status = "error", errors = 1, warnings = 0, codes = { "internal" },
             message = T(ctx, "cli-err-internal", { detail = tostring(r) }), findings = {} }
  end
  local errors, warnings = counts(r.findings)
  local row = { domain = domain, errors = errors, warnings = warnings, lookups = r.lookups,
                void_lookups = r.void_lookups, record = r.record or (r.records and concat(r.records, " | ")),
                codes = {}, findings = r.findings,
                status = errors > 0 and "error" or warnings > 0 and "warning" or "ok" }
  for _, f in ipairs(r.findings) do
    row.codes[#row.codes + 1] = f.code
    if not row.message and f.severity ~= "info" then row.message, row.fix = msg(ctx, f.message), f.fix end
    -- the domain's own TXT lookup did not answer: nothing was checked
    if f.code == "dns-temperror" and not r.record and not r.records then row.status = "temperror" end
  end
  return row
end

local function progress(ctx, i, n, name)
  local w = 30
  local done = n > 0 and floor(w * i / n) or w
  local line = ("[%s%s] %d/%d %s"):format(rep("#", done), rep(".", w - done), i, n, name)
  ctx.env.stderr:write("\r", line:sub(1, 78), rep(" ", max(0, 78 - #line)))
end

local function audit_json_row(ctx, row)
  local findings = array(ctx)
  for i, f in ipairs(row.findings) do findings[i] = finding_json(ctx, f) end
  return { domain = row.domain, status = row.status, errors = row.errors, warnings = row.warnings,
           lookups = row.lookups, void_lookups = row.void_lookups, record = row.record,
           codes = array(ctx, row.codes), message = row.message, fix = row.fix, findings = findings }
end

local function audit_dns(ctx)
  local dns = dns_of(ctx)
  if require("spfkit.core").is_source(dns) and not ctx.opts.zone and not ctx.env.dns then
    -- one cache for the whole list: customers share their providers' includes
    local ok, cached = pcall(function() return ctx.spfkit.cache{}:over(dns) end)
    if ok and cached then return cached end
  end
  return dns
end

local function cmd_audit(ctx)
  if #ctx.args ~= 1 then fail("cli-err-args", { name = "audit" }) end
  local domains = domain_lines(read_file(ctx, ctx.args[1]))
  local dns = audit_dns(ctx)
  local tty = ctx.env.isatty(2)
  local json, status = ctx.opts.json, OK
  if json then write(ctx, "[") else write(ctx, concat(CSV_COLUMNS, ","), "\n") end
  for i, name in ipairs(domains) do
    if tty then progress(ctx, i - 1, #domains, name) end
    local row = audit_one(ctx, dns, name)
    if tty then progress(ctx, i, #domains, name) end
    if row.status ~= "ok" then status = PROBLEM end
    if json then
      write(ctx, i > 1 and ",\n" or "\n", ctx.report.json_encode(audit_json_row(ctx, row)))
    else
      csv_row(ctx, row)
    end
    if ctx.env.stdout.flush then ctx.env.stdout:flush() end
  end
  if json then write(ctx, "\n]\n") end
  if tty then
    ctx.env.stderr:write("\r", rep(" ", 78), "\r", T(ctx, "cli-label-audit-done", { count = #domains }), "\n")
  end
  return status
end

-- main ---------------------------------------------------------------------------------------

local COMMANDS = {
  check = { run = cmd_check, flags = { sender = "value", helo = "value" } },
  lint = { run = cmd_lint, flags = { record = "value" } },
  suggest = { run = cmd_suggest, flags = { provider = "multi", ip = "multi", host = "multi", existing = "multi",
                                           domain = "value", ttl = "value", all = "value", list = "flag" } },
  diagnose = { run = cmd_diagnose, flags = { html = "flag", domain = "value", ip = "value", sender = "value",
                                             helo = "value", provider = "multi", host = "multi",
                                             entry = "value", ttl = "value" } },
  audit = { run = cmd_audit, flags = {} },
}

local function default_isatty(fd)
  local r = os.execute("test -t " .. tostring(fd))
  return r == true or r == 0
end

local function make_env(io_env)
  io_env = io_env or {}
  return { stdout = io_env.stdout or io.stdout, stderr = io_env.stderr or io.stderr,
           stdin = io_env.stdin or io.stdin, getenv = io_env.getenv or os.getenv,
           isatty = io_env.isatty or default_isatty, dns = io_env.dns }
end

local function run(ctx, args)
  local name, rest = split_command(args)
  if name == "help" then                         -- "spfkit help [COMMAND]"
    name, rest = rest[1], { "--help" }
    if name and name:sub(1, 1) == "-" then name = nil end
  end
  local cmd = name and COMMANDS[name]
  if name and not cmd then
    fail("cli-err-unknown-command", { name = name })
  end
  ctx.opts, ctx.args, ctx.order = parse(rest, cmd and cmd.flags, name)
  if ctx.opts.lang then
    if ctx.opts.lang ~= "en" and ctx.opts.lang ~= "ja" then fail("cli-err-bad-lang", { value = ctx.opts.lang }) end
    ctx.lang = ctx.opts.lang
  end
  if ctx.opts.help then
    write(ctx, T(ctx, "cli-help-" .. (name or "main")))
    return OK
  end
  if ctx.opts.version and not name then
    write(ctx, "spfkit ", tostring(ctx.spfkit.version), "\n")
    return OK
  end
  if not cmd then fail("cli-err-no-command") end
  return cmd.run(ctx)
end

local function first_line(s)
  return (tostring(s):gsub("[\r\n].*$", ""))
end

local function report_error(ctx, err)
  local text
  if getmetatable(err) == CLI_ERROR then
    text = err.code and T(ctx, err.code, err.params) or err.params.text
  elseif ctx.i18n then
    text = T(ctx, "cli-err-internal", { detail = first_line(err) })
  else
    text = "internal error: " .. first_line(err)
  end
  local s = first_line(text)
  if ctx.report then s = clean(ctx, s) end
  ctx.env.stderr:write("spfkit: ", s, "\n")
end

--- Run the tool.
-- @tparam table args the arguments (`arg` of the launcher: 1..n are used)
-- @tparam[opt] table io_env `{ stdout, stderr, stdin, getenv, isatty, dns }`
-- @treturn number the exit status: 0 nothing to fix, 1 a problem was found,
--   2 usage or input error (with one line on stderr)
function M.main(args, io_env)
  local ctx = { env = make_env(io_env) }
  local list = {}
  for i = 1, #(args or {}) do list[i] = tostring(args[i]) end
  local ok, status = pcall(function()
    ctx.i18n = require "spfkit.i18n"
    ctx.report = require "spfkit.report"
    local l = lang_arg(list)
    ctx.lang = (l == "ja" or l == "en") and l or env_lang(ctx.env.getenv)
    ctx.spfkit = require "spfkit"
    ctx.diagnose = require "spfkit.diagnose"
    return run(ctx, list)
  end)
  if ok then return status end
  pcall(report_error, ctx, status)
  return USAGE
end

return M
