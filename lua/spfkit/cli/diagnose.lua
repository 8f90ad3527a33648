--- `spfkit diagnose FILE|- [--ip IP] [--domain D]` / `spfkit diagnose --domain DOMAIN --ip IP`: the
-- diagnosis of a bounce (or of a domain and a sending address), printed
-- only through the report's own renderers (`report:text()`, `:json()`,
-- `:html()`). Exit 0 nothing to fix, 1 a problem, 2 input that cannot be
-- diagnosed (the error report on stdout, its message on stderr).
-- @module spfkit.cli.diagnose

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local render = require "spfkit.cli.render"

local ipairs = ipairs

local M = { flags = { html = "flag", domain = "value", ip = "value", sender = "value", helo = "value",
                      provider = "multi", host = "multi", entry = "value", ttl = "value" } }

local MAX_TTL, MAX_ENTRY = 2147483647, 100000

-- --provider with the --host values after each (a --host before any
-- --provider belongs to the first).
local function providers(ctx)
  local list = {}
  for _, o in ipairs(ctx.order) do
    if o.name == "provider" then list[#list + 1] = { id = o.value }
    elseif o.name == "host" then
      local last = list[#list] or list[1]
      if not last then args.fail("cli-err-args", { name = ctx.name }) end
      last.host = o.value
    end
  end
  if ctx.opts.host and #list == 0 then args.fail("cli-err-args", { name = ctx.name }) end
  return #list > 0 and list or nil
end

-- A bounce file (with --ip/--domain overriding what it says, --helo), or
-- --domain (with --ip, --sender, --helo).
local function check_input(ctx)
  local o, n = ctx.opts, #ctx.args
  args.count(ctx, 0, 1)
  if n == 1 and o.sender then args.fail("cli-err-file-and-domain") end
  if n == 0 and not o.domain then args.fail("cli-err-diagnose-input") end
  if o.html and o.json then args.fail("cli-err-html-json") end
end

local function diagnose_opts(ctx)
  check_input(ctx)
  local o = ctx.opts
  local d = { lang = ctx.lang, providers = providers(ctx), ttl = args.number(o, "ttl", 0, MAX_TTL),
              entry = args.number(o, "entry", 1, MAX_ENTRY) }
  if #ctx.args == 1 then d.bounce = input.read_file(ctx, ctx.args[1]) end
  d.domain = o.domain and input.domain(o.domain)
  d.ip, d.sender, d.helo = o.ip, o.sender, o.helo
  d.dns = input.dns(ctx)
  return d
end

-- The report in the output format the options chose.
local function output(ctx, r)
  if ctx.opts.json then return r:json() .. "\n" end
  if ctx.opts.html then return r:html() end
  return r:text()
end

--- Run `spfkit diagnose`.
-- @tparam table ctx the command's context
-- @treturn string "ok", "problem" or "usage" (input that cannot be diagnosed)
function M.run(ctx)
  local r = ctx.spfkit.diagnose(diagnose_opts(ctx))
  render.write(ctx, output(ctx, r))
  if r.status == "error" then
    local why = r.error and render.msg(ctx, r.error) or r.summary or "error"
    ctx.env.stderr:write("spfkit: ", render.clean(why), "\n")
    return "usage"
  end
  return r.status == "ok" and "ok" or "problem"
end

return M
