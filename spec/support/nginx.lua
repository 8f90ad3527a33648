-- Starts Debian's nginx (with the Lua module) on 127.0.0.1 at a free high
-- port, with the example panel's conf (examples/openresty/conf/nginx.conf)
-- rewritten for a temporary prefix, and stops it by the pid it wrote.
--
--   local nginx = require "spec.support.nginx"
--   local srv = assert(nginx.start{ workers = 1, env = { SPFKIT_NAMESERVERS = "127.0.0.1:5353" },
--                                   locations = "location = /x { ... }" })
--   srv.port, srv.url ("http://127.0.0.1:PORT"), srv.dir, srv:log()
--   srv:stop()          -- idempotent; also run when srv is collected
--
-- Recipe: ../shared/notes/openresty-recipe.md section 1 (absolute module
-- paths, -e for the startup log, a real start: `nginx -t` misses a missing
-- resty.core).
local nsd = require "spec.support.nsd"

local M = {}

M.NGINX = "/usr/sbin/nginx"
M.MODULE = "/usr/lib/nginx/modules/ngx_http_lua_module.so"

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

--- nil when nginx and its Lua module are installed, else why not.
function M.missing()
  if not sh("test -x " .. M.NGINX) then return "nginx is not installed (make deps installs it)" end
  if not sh("test -f " .. M.MODULE) then return "libnginx-mod-http-lua is not installed (make deps)" end
  return nil
end

function M.root()
  local p = io.popen("pwd")
  local d = p:read("*l")
  p:close()
  return d
end

local function plain(s) return (s:gsub("[%p]", "%%%0")) end

-- the example's conf for prefix dir, port and workers, plus extra locations
local function conf(root, port, opts)
  local c = assert(read(root .. "/examples/openresty/conf/nginx.conf"))
  local ex = root .. "/examples/openresty"
  c = c:gsub(plain("$prefix/lua/"), ex .. "/lua/")
  c = c:gsub(plain("$prefix/../../"), root .. "/")
  c = c:gsub("listen 127%.0%.0%.1:%d+;", "listen 127.0.0.1:" .. port .. (opts.reuseport and " reuseport" or "") .. ";")
  c = c:gsub("worker_processes %d+;", "worker_processes " .. (opts.workers or 1) .. ";")
  c = c:gsub("error_log logs/error.log %a+;", "error_log logs/error.log " .. (opts.log_level or "warn") .. ";")
  -- workers run as nobody when the master is root: let them read the tree
  c = "user root;\n" .. c
  if opts.locations then
    c = c:gsub("(location = /ping)", function(l) return opts.locations .. "\n        " .. l end, 1)
  end
  if opts.http then c = c:gsub("(    server {)", opts.http .. "\n%1", 1) end
  return c
end

local Server = {}
Server.__index = Server

function Server:log() return read(self.dir .. "/logs/error.log") or "" end

function Server:stop()
  if self.stopped then return end
  self.stopped = true
  if self.pid then
    sh("kill -QUIT " .. self.pid .. " 2>/dev/null")
    for _ = 1, 150 do
      if not nsd.alive(self.pid) then break end
      nsd.sleep(0.02)
    end
    if nsd.alive(self.pid) then sh("kill -9 " .. self.pid .. " 2>/dev/null") end
  end
  if self.dir and self.dir:match("^/tmp/spfkit%-") and not os.getenv("SPFKIT_KEEP") then
    sh("rm -rf '" .. self.dir .. "'")
  end
end

local function env_prefix(env)
  local t = {}
  for k, v in pairs(env or {}) do t[#t + 1] = k .. "='" .. v .. "'" end
  table.sort(t)
  return table.concat(t, " ")
end

local function started(dir, port)
  for _ = 1, 100 do
    local pid = tonumber((read(dir .. "/logs/nginx.pid") or ""):match("%d+"))
    if pid and sh("curl -s -o /dev/null --max-time 1 http://127.0.0.1:" .. port .. "/ping") then return pid end
    nsd.sleep(0.03)
  end
  return tonumber((read(dir .. "/logs/nginx.pid") or ""):match("%d+")), "no answer on /ping"
end

--- Starts nginx. opts: { workers = 1, env = { NAME = value }, locations =
--   "extra location blocks", http = "extra http-level lines", log_level = "warn",
--   reuseport = true (one listening socket per worker: connections spread) }
-- @return server object, or nil, message
function M.start(opts)
  opts = opts or {}
  local why = M.missing()
  if why then return nil, why end
  local root, dir = M.root(), nsd.tmpdir("spfkit-nginx")
  sh("mkdir -p '" .. dir .. "/conf' '" .. dir .. "/logs' '" .. dir .. "/html'")
  local last
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + (tonumber(dir:match("(%w+)$"), 36) or 0) % 100000)
  for _ = 1, 6 do
    local port = math.random(20000, 59999)
    write(dir .. "/conf/nginx.conf", conf(root, port, opts))
    os.remove(dir .. "/logs/nginx.pid")
    local cmd = ("%s %s -p '%s' -c conf/nginx.conf -e logs/startup.log >'%s/logs/start.out' 2>&1")
      :format(env_prefix(opts.env), M.NGINX, dir, dir)
    if sh(cmd) then
      local pid, err = started(dir, port)
      local srv = setmetatable({ pid = pid, port = port, dir = dir, url = "http://127.0.0.1:" .. port }, Server)
      if not err then
        if newproxy then
          local g = newproxy(true)
          getmetatable(g).__gc = function() srv:stop() end
          srv._gc = g
        else
          setmetatable(srv, { __index = Server, __gc = function(s) s:stop() end })
        end
        return srv
      end
      last = err .. ": " .. srv:log()
      srv.dir = nil
      srv:stop()
    else
      last = (read(dir .. "/logs/startup.log") or "") .. (read(dir .. "/logs/start.out") or "")
      if not last:find("in use", 1, true) then break end
    end
  end
  sh("rm -rf '" .. dir .. "'")
  return nil, "nginx did not start: " .. tostring(last)
end

return M
