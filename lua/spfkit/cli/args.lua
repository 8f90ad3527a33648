--- The command line's one argument parser, shared by every command.
--
-- A command declares its options as `flags = { name = kind }` with kind
-- `"flag"` (no value), `"value"` (the last one wins) or `"multi"` (a list);
-- the global options (`GLOBAL`) are accepted by every command. `--name=value`,
-- `--name value`, `-h`, `-` (standard input) and `--` (the end of options)
-- are understood everywhere.
--
-- Usage errors are raised as `spfkit.errors` values (`code` a catalog code of
-- `spfkit.i18n.cli`, `message` in English, `params` to say it in another
-- language) with `error(e, 0)`; `spfkit.cli` turns them into one line on
-- stderr and exit status 2.
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.cli.args

local errors = require "spfkit.errors"
local i18n = require "spfkit.i18n"

local M = {}

local error, ipairs, tonumber, tostring, type = error, ipairs, tonumber, tostring, type

--- Options every command takes.
M.GLOBAL = { json = "flag", lang = "value", nameserver = "multi", zone = "value", help = "flag",
             version = "flag" }

--- A usage or input error: an `spfkit.errors` value whose code is a catalog
-- code, with the English message and the params to say it in any language.
-- @tparam string code e.g. `"cli-err-args"`
-- @tparam[opt] table params the catalog placeholders
-- @treturn table the error
function M.error(code, params)
  params = params or {}
  return errors.new(code, i18n.text(code, "en", params), { params = params })
end

--- Raise a usage or input error (see `error`); never returns.
function M.fail(code, params)
  error(M.error(code, params), 0)
end

--- Raise an error the toolkit returned (`nil, err`), as it is.
-- @tparam table err an `spfkit.errors` value (or a plain `{code, message}`)
function M.raise(err)
  if type(err) ~= "table" then err = { code = "error", message = tostring(err) } end
  error(errors.wrap(err), 0)
end

-- "--name=value" / "--name" / "-h" → name[, value]
local function option_name(a)
  if a == "-h" then return "help" end
  local name, value = a:match("^%-%-([%w][%w%-]*)=(.*)$")
  if name then return name, value end
  return a:match("^%-%-([%w][%w%-]*)$")
end

local function is_positional(a) return a == "-" or a:sub(1, 1) ~= "-" end

-- The value of option `name` given as args[i]: inline, or the next argument.
-- Returns the value and the index of the last argument used.
local function take_value(args, i, name, value)
  if value then return value, i end
  value = args[i + 1]
  if value == nil then M.fail("cli-err-missing-value", { name = "--" .. name }) end
  return value, i + 1
end

local function store(st, name, kind, value)
  if kind == "multi" then
    st.opts[name] = st.opts[name] or {}
    local list = st.opts[name]
    list[#list + 1] = value
  else
    st.opts[name] = value
  end
  st.order[#st.order + 1] = { name = name, value = value }
end

-- One option at args[i]; returns the index of the last argument it used.
local function parse_option(st, args, i)
  local name, value = option_name(args[i])
  local kind = name and (M.GLOBAL[name] or (st.flags and st.flags[name]))
  if not kind then
    M.fail("cli-err-unknown-option", { name = args[i], value = st.command and (st.command .. " ") or "" })
  end
  if kind == "flag" then
    if value then M.fail("cli-err-no-value", { name = "--" .. name }) end
    st.opts[name] = true
    return i
  end
  value, i = take_value(args, i, name, value)
  store(st, name, kind, value)
  return i
end

--- Parse a command's arguments.
-- @tparam table args the arguments after the command word
-- @tparam[opt] table flags the command's options, `{ name = kind }`
-- @tparam[opt] string command the command's name (for error messages)
-- @treturn table opts: flags `true`, values strings, multi lists
-- @treturn table the positional arguments
-- @treturn table every value option in the order given, `{ name =, value = }`
--   (to pair `--ip` with the `--provider` before it)
function M.parse(args, flags, command)
  local st = { opts = {}, order = {}, flags = flags, command = command }
  local pos, i, rest = {}, 1, false
  while i <= #args do
    local a = args[i]
    if rest or is_positional(a) then
      pos[#pos + 1] = a
    elseif a == "--" then
      rest = true
    else
      i = parse_option(st, args, i)
    end
    i = i + 1
  end
  return st.opts, pos, st.order
end

local function without(args, skip)
  local rest = {}
  for k = 1, #args do if k ~= skip then rest[#rest + 1] = args[k] end end
  return rest
end

--- The command word: the first argument that is neither a global option nor
-- the value of one.
-- @tparam table args
-- @treturn ?string the command
-- @treturn table the other arguments
function M.split_command(args)
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then break end
    if is_positional(a) then return a, without(args, i) end
    local name, value = option_name(a)
    local kind = name and M.GLOBAL[name]
    if kind and kind ~= "flag" and not value then i = i + 1 end
    i = i + 1
  end
  return nil, without(args, nil)
end

--- `--lang` as written, before parsing (so that parse errors are in it too).
-- @tparam table args
-- @treturn ?string
function M.lang_arg(args)
  for i = 1, #args do
    if args[i] == "--" then return nil end
    if args[i] == "--lang" then return args[i + 1] end
    local v = args[i]:match("^%-%-lang=(.*)$")
    if v then return v end
  end
end

--- The language of the environment: the first of LC_ALL, LC_MESSAGES, LANG
-- that is set; Japanese for `ja*`, else English.
-- @tparam function getenv
-- @treturn string `"ja"` or `"en"`
function M.env_lang(getenv)
  for _, var in ipairs({ "LC_ALL", "LC_MESSAGES", "LANG" }) do
    local v = getenv(var)
    if v and v ~= "" then return v:match("^ja") and "ja" or "en" end
  end
  return "en"
end

--- A whole-number option within `[lo, hi]`, or nil when not given.
-- @tparam table opts the parsed options
-- @tparam string name
-- @tparam number lo
-- @tparam number hi
-- @treturn ?number
function M.number(opts, name, lo, hi)
  local v = opts[name]
  if v == nil then return nil end
  local x = tonumber(v)
  if not x or x % 1 ~= 0 or x < lo or x > hi then
    M.fail("cli-err-bad-number", { name = "--" .. name, value = v })
  end
  return x
end

--- The number of positional arguments must be within `[lo, hi]`.
-- @tparam table ctx the command's context (`args`, `name`)
-- @tparam number lo
-- @tparam[opt] number hi default `lo`
function M.count(ctx, lo, hi)
  local n = #ctx.args
  if n < lo or n > (hi or lo) then M.fail("cli-err-args", { name = ctx.name }) end
end

return M
