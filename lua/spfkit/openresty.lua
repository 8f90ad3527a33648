--- spfkit.openresty: spfkit inside nginx (ngx_lua / OpenResty), without
-- ever blocking a worker.
--
--   local openresty = require "spfkit.openresty"
--   openresty.configure{ nameservers = {"127.0.0.1:53"}, cache = "spfkit_dns" }  -- init_by_lua
--   local report, err = openresty.diagnose_request{ deadline = 5 }              -- content_by_lua
--
-- DNS goes through cosockets (`spfkit.openresty.dns`), the bounce comes from
-- the request body whatever nginx did with it (`spfkit.openresty.body`), and
-- a diagnosis has an overall deadline. Loads only inside ngx_lua: elsewhere
-- `require` raises a clear error. Cosockets work in the rewrite, access and
-- content phases and in `ngx.timer` callbacks; `configure` may be called in
-- init_by_lua.
-- @module spfkit.openresty

local ngx = rawget(_G, "ngx")
if type(ngx) ~= "table" or type(ngx.socket) ~= "table" or not ngx.config or not ngx.config.ngx_lua_version then
  error("spfkit.openresty: runs only inside nginx with the Lua module (ngx_lua / OpenResty); "
        .. "in scripts use spfkit.resolver{} and spfkit.cache{}", 2)
end

local dns = require "spfkit.openresty.dns"
local body = require "spfkit.openresty.body"
local options = require "spfkit.options"

local type, pairs, error = type, pairs, error

local M = {}

M.new_dns = dns.new
M.read_bounce = body.read_bounce

-- the settings of default_dns(), from configure() or resolv.conf
local settings

local CONFIG = {
  nameservers = "table", timeout = "number", retries = "number", cache = "string",
  deadline = "number", edns = "number", min_ttl = "number", max_ttl = "number",
  max_neg_ttl = "number", resolv_conf = "string",
}

local function system_settings(path)
  local ns, err = require("spfkit.dns").system_nameservers(path)
  if not ns or #ns == 0 then
    error("spfkit.openresty: no nameserver (" .. tostring(err and err.message or path or "/etc/resolv.conf")
          .. "); call spfkit.openresty.configure{ nameservers = {...} }", 3)
  end
  return { nameservers = ns }
end

--- Set the defaults of `default_dns()` (once, e.g. in init_by_lua).
-- @tparam table opts the options of `dns{}` (nameservers default to
--   /etc/resolv.conf's, or `resolv_conf =`'s)
function M.configure(opts)
  options.check("spfkit.openresty.configure", opts, CONFIG)
  local s = {}
  for k, v in pairs(opts) do s[k] = v end
  if not s.nameservers then s.nameservers = system_settings(s.resolv_conf).nameservers end
  s.resolv_conf = nil
  dns.new(s)   -- raises now on bad options rather than at the first request
  settings = s
end

--- A cosocket DNS source (see spfkit.openresty.dns).
-- @tparam table opts `{ nameservers = {...}, timeout = 2, retries = 1,
--   cache = "shared dict name", deadline = seconds, edns =, min_ttl =,
--   max_ttl =, max_neg_ttl = }`
-- @return source with `:query(name, qtype)` and `:query_many(list)`
function M.dns(opts)
  if type(opts) ~= "table" then error("spfkit.openresty.dns: expected an options table", 2) end
  return dns.new(opts)
end

--- The source a diagnosis or check uses inside nginx when given no `dns=`:
-- the `configure{}` settings (else resolv.conf's nameservers), never the
-- blocking resolver. A new source each call (its deadline starts now).
-- @tparam[opt] table overrides e.g. `{ deadline = 5 }`
-- @return source
function M.default_dns(overrides)
  settings = settings or system_settings()
  local o = {}
  for k, v in pairs(settings) do o[k] = v end
  for k, v in pairs(overrides or {}) do o[k] = v end
  return dns.new(o)
end

local LANGS = { ja = true, en = true }

local function pick_lang(opts, fields)
  if opts.lang then return opts.lang end
  local l = fields.lang or ngx.var.arg_lang
  if LANGS[l] then return l end
  return opts.default_lang or "en"
end

local REQUEST_OPTIONS = {
  lang = "string", default_lang = "string", dns = "table", deadline = "number",
  max = "number", field = "string", providers = "table", ttl = "number", entry = "number",
}

--- Diagnose the bounce of the current request: read it (`read_bounce`),
-- ask DNS through cosockets within `deadline` seconds (a dead nameserver
-- gives a temperror report at the deadline), return the report.
-- @tparam[opt] table opts `{ lang = "ja"|"en" (else the request's `lang`
--   field or argument, else default_lang, else "en"), default_lang =,
--   dns = a source of `dns{}` (default: `default_dns{ deadline = deadline }`),
--   deadline = 10 (seconds), max = (bytes of the bounce), field = "bounce",
--   providers =, ttl =, entry = (as spfkit.diagnose) }`
-- @return the report (`:json()`, `:html()`, `:text()`), or `nil, err`
--   when the request carries no usable bounce (err.code "too-large",
--   "empty", "bad-form", "unreadable"; err.status is the HTTP status)
function M.diagnose_request(opts)
  opts = opts or {}
  options.check("spfkit.openresty.diagnose_request", opts, REQUEST_OPTIONS)
  local bounce, fields = body.read_bounce{ max = opts.max, field = opts.field }
  if not bounce then return nil, fields end
  local lang = pick_lang(opts, fields)
  if not LANGS[lang] then error("spfkit.openresty.diagnose_request: lang must be \"ja\" or \"en\"", 2) end
  local source = opts.dns or M.default_dns{ deadline = opts.deadline or 10 }
  return require("spfkit.diagnose").diagnose{
    bounce = bounce, lang = lang, dns = source,
    providers = opts.providers, ttl = opts.ttl, entry = opts.entry,
  }
end

--- spfkit.check through a cosocket source (deferred mode, rounds asked
-- together with query_many).
-- @tparam table opts spfkit.check's options, with `dns =` a source of
--   `dns{}` (default: `default_dns{ deadline = deadline or 10 }`) and
--   `deadline =` seconds
-- @return spfkit.check's result, or `nil, err`
function M.check(opts)
  if type(opts) ~= "table" then error("spfkit.openresty.check: expected an options table", 2) end
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  local source = o.dns or M.default_dns{ deadline = o.deadline or 10 }
  o.dns, o.deadline = nil, nil
  if type(source) ~= "table" or type(source.check_options) ~= "function" then
    error("spfkit.openresty.check: dns must be a source made by spfkit.openresty.dns{}", 2)
  end
  return require("spfkit.engine").check(source:check_options(o))
end

return M
