--- The command line's inputs shared by the commands: files (or standard
-- input), domain names and addresses, and the DNS source (`io_env.dns`,
-- `--zone`, `--nameserver` or the system resolver).
--
-- Bad input raises a usage error (`spfkit.cli.args.fail`).
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.cli.input

local args = require "spfkit.cli.args"
local render = require "spfkit.cli.render"
local names = require "spfkit.diagnose"   -- norm_domain, domain_of

local M = {}

local type, ipairs, tostring, pcall = type, ipairs, tostring, pcall
local fail = args.fail

-- An io error's text without the file name in front of it.
local function io_detail(err) return (tostring(err):gsub("^[^:]*: ", "")) end

--- The contents of a file, or standard input for "-".
-- @tparam table ctx
-- @tparam string path
-- @treturn string
function M.read_file(ctx, path)
  if path == "-" then return ctx.env.stdin:read("*a") or "" end
  local f, err = io.open(path, "rb")
  if not f then fail("cli-err-file", { name = path, detail = io_detail(err) }) end
  local data, rerr = f:read("*a")
  f:close()
  if not data then fail("cli-err-file", { name = path, detail = tostring(rerr) }) end
  return data
end

--- A domain name, lower-cased and without its final dot, or nil.
-- @function norm_domain
-- @param d
-- @treturn ?string
M.norm_domain = names.norm_domain

--- A domain name, lower-cased and without its final dot (raises if it is not one).
-- @tparam string d
-- @treturn string
function M.domain(d)
  local ok = names.norm_domain(d)
  if not ok then fail("cli-err-bad-domain", { value = tostring(d) }) end
  return ok
end

--- The domain of a mail address (raises if it is not one).
-- @tparam string addr
-- @treturn string
function M.domain_of(addr)
  local d = names.domain_of(addr)
  if not d then fail("cli-err-bad-sender", { value = tostring(addr) }) end
  return d
end

-- Zones -----------------------------------------------------------------------------

-- A chunk of Lua source run with an empty environment (5.1 and 5.4).
local function sandboxed(src, name)
  if setfenv then
    local chunk, err = loadstring(src, "=" .. name)
    if chunk then setfenv(chunk, {}) end
    return chunk, err
  end
  return load(src, "=" .. name, "t", {})
end

-- A zone from a Lua file that returns a table (examples/zones/*.lua).
local function lua_zone(ctx, path)
  local chunk, data = sandboxed(M.read_file(ctx, path), path)
  local ok = false
  if chunk then ok, data = pcall(chunk) end
  if not ok or type(data) ~= "table" then
    fail("cli-err-zone", { name = path, detail = tostring(data or "it returns no table") })
  end
  local zone, zerr = ctx.spfkit.zone(data)
  if not zone then fail("cli-err-zone", { name = path, detail = render.msg(ctx, zerr) }) end
  return zone
end

-- A zone from a master file.
local function master_zone(ctx, path)
  local f, err = io.open(path, "rb")
  if not f then fail("cli-err-file", { name = path, detail = io_detail(err) }) end
  f:close()
  local zone, zerr = ctx.spfkit.zone_file(path)
  if not zone then fail("cli-err-zone", { name = path, detail = render.msg(ctx, zerr) }) end
  return zone
end

local function load_zone(ctx, path)
  if path:match("%.lua$") then return lua_zone(ctx, path) end
  return master_zone(ctx, path)
end

-- The resolver of --nameserver (or of the system): a bad name server is a
-- usage error that names it.
local function resolver(ctx, nameservers)
  local ok, r, err = pcall(ctx.spfkit.resolver, { nameservers = nameservers })
  if ok and r then return r end
  local detail = tostring(ok and (type(err) == "table" and err.message or err) or r)
  for _, ns in ipairs(nameservers or {}) do
    if detail:find("'" .. ns .. "'", 1, true) then fail("cli-err-nameserver", { value = ns }) end
  end
  fail("cli-err-resolver", { detail = (detail:gsub("^spfkit%.resolver: ", "")) })
end

--- The DNS source: `io_env.dns`, `--zone`, `--nameserver`, or the system
-- resolver; made once per run.
-- @tparam table ctx
-- @tparam[opt] boolean explicit nil unless one of the first three was given
-- @return a DNS source, or nil
function M.dns(ctx, explicit)
  if ctx.dns then return ctx.dns end
  local o = ctx.opts
  if o.zone and o.nameserver then fail("cli-err-zone-and-nameserver") end
  if ctx.env.dns then ctx.dns = ctx.env.dns
  elseif o.zone then ctx.dns = load_zone(ctx, o.zone)
  elseif o.nameserver then ctx.dns = resolver(ctx, o.nameserver)
  elseif explicit then return nil
  else ctx.dns = resolver(ctx, nil) end
  return ctx.dns
end

--- Whether the DNS source came from the command line's own resolver (not a
-- zone and not an injected source), so that a cache in front of it pays.
function M.is_network(ctx)
  return not ctx.opts.zone and not ctx.env.dns and ctx.dns ~= nil
end

return M
