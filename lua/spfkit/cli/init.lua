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
-- A command is a module `spfkit.cli.<name>` returning `{ flags = {...},
-- run = function(ctx) }` (see `spfkit.cli.args` for flags; `run` returns
-- `"ok"`, `"problem"` or `"usage"`) plus its words in `spfkit.i18n.cli`
-- (`cli-label-synopsis-<name>`, `cli-summary-<name>`, `cli-help-<name>`); adding
-- one is adding its file and its name to `COMMANDS`. A command's `ctx` has
-- `env` (the io_env), `lang`, `spfkit` (the facade), `name`, `opts`, `args`
-- (positionals), `order` (value options in order) and, once asked,
-- `dns` (`spfkit.cli.input.dns`).
--
-- Pure Lua (5.1/LuaJIT and 5.4) over `spfkit`.
-- @module spfkit.cli

local M = {}

local pcall, require, tostring, ipairs, type = pcall, require, tostring, ipairs, type

--- The commands, in the order `spfkit --help` lists them; each is the
-- module `spfkit.cli.<name>`.
M.COMMANDS = {
  "check",
  "lint",
  "suggest",
  "diagnose",
  "dkim",
  "audit",
}

--- Exit statuses by what a command returns.
M.STATUS = { ok = 0, problem = 1, usage = 2 }

local function is_command(name)
  for _, c in ipairs(M.COMMANDS) do if c == name then return true end end
  return false
end

--- The module of a command, or nil for an unknown name.
-- @tparam string name
-- @treturn ?table `{ flags =, run = }`
function M.command(name)
  if not is_command(name) then return nil end
  return require("spfkit.cli." .. name)
end

-- Help ----------------------------------------------------------------------------

local function help_text(ctx, name)
  local render = require "spfkit.cli.render"
  local params = { limit = ctx.spfkit.LIMITS.lookups }
  if name then return render.T(ctx, "cli-help-" .. name, params) end
  local lines = { render.T(ctx, "cli-help-main-head", params) }
  for _, c in ipairs(M.COMMANDS) do
    lines[#lines + 1] = "  " .. render.pad(render.T(ctx, "cli-label-synopsis-" .. c), 20) .. " "
      .. render.T(ctx, "cli-summary-" .. c, params) .. "\n"
  end
  lines[#lines + 1] = render.T(ctx, "cli-help-main-tail", params)
  return table.concat(lines)
end

-- Dispatch ------------------------------------------------------------------------

-- "spfkit help [COMMAND]" is "spfkit [COMMAND] --help".
local function help_command(name, rest)
  if name ~= "help" then return name, rest end
  name = rest[1]
  if name and name:sub(1, 1) == "-" then name = nil end
  return name, { "--help" }
end

local function set_lang(ctx, args, lang)
  if lang == nil then return end
  if lang ~= "en" and lang ~= "ja" then args.fail("cli-err-bad-lang", { value = lang }) end
  ctx.lang = lang
end

local function run(ctx, list)
  local args = require "spfkit.cli.args"
  local name, rest = help_command(args.split_command(list))
  local cmd = name and M.command(name)
  if name and not cmd then args.fail("cli-err-unknown-command", { name = name }) end
  ctx.name = name
  ctx.opts, ctx.args, ctx.order = args.parse(rest, cmd and cmd.flags, name)
  set_lang(ctx, args, ctx.opts.lang)
  if ctx.opts.help then
    ctx.env.stdout:write(help_text(ctx, name))
    return "ok"
  end
  if ctx.opts.version and not name then
    ctx.env.stdout:write("spfkit ", tostring(ctx.spfkit.version), "\n")
    return "ok"
  end
  if not cmd then args.fail("cli-err-no-command") end
  return cmd.run(ctx)
end

-- Errors --------------------------------------------------------------------------

-- A message on one line: line breaks (and the tabs of require's list of
-- places searched) become "; ", so nothing of the cause is cut off.
local function one_line(s)
  return (tostring(s):gsub("^%s+", ""):gsub("%s+$", ""):gsub("%s*[\r\n]+%s*", "; "))
end

local function is_load_error(s)
  return s:find("module '[^']*' not found", 1) ~= nil or s:find("error loading module", 1, true) ~= nil
end

-- A usage or input error (an `spfkit.errors` value), not a crash; false
-- too when spfkit's modules cannot even be loaded.
local function is_error_value(err)
  local ok, errors = pcall(require, "spfkit.errors")
  return ok and errors.is(err)
end

-- The text of an error raised during a run, in the run's language.
local function error_text(ctx, err)
  local render = require "spfkit.cli.render"
  if is_error_value(err) then return render.msg(ctx, err) end
  local detail = one_line(err)
  return render.T(ctx, is_load_error(detail) and "cli-err-load" or "cli-err-internal", { detail = detail })
end

local function report_error(ctx, err)
  local ok, text = pcall(error_text, ctx, err)
  if not ok then text = one_line(err) end          -- the catalog itself cannot be loaded
  local clean_ok, s = pcall(function() return require("spfkit.cli.render").clean(one_line(text)) end)
  ctx.env.stderr:write("spfkit: ", clean_ok and s or one_line(text), "\n")
end

-- Environment ---------------------------------------------------------------------

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

-- The language before parsing (so that parse errors are in it too), and the
-- library; loading errors are reported like any other.
local function start(ctx, list)
  local args = require "spfkit.cli.args"
  local l = args.lang_arg(list)
  ctx.lang = (l == "ja" or l == "en") and l or args.env_lang(ctx.env.getenv)
  ctx.spfkit = require "spfkit"
  return run(ctx, list)
end

--- Run the tool.
-- @tparam table args the arguments (`arg` of the launcher: 1..n are used)
-- @tparam[opt] table io_env `{ stdout, stderr, stdin, getenv, isatty, dns }`
-- @treturn number the exit status: 0 nothing to fix, 1 a problem was found,
--   2 usage or input error (with one line on stderr)
function M.main(args, io_env)
  local ctx = { env = make_env(io_env), lang = "en" }
  local list = {}
  for i = 1, #(type(args) == "table" and args or {}) do list[i] = tostring(args[i]) end
  local ok, status = pcall(start, ctx, list)
  if ok then return M.STATUS[status] or M.STATUS.usage end
  report_error(ctx, status)
  return M.STATUS.usage
end

return M
