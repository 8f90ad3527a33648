-- Starts Debian's NSD on 127.0.0.1 at a free high port with zone files
-- written into a temporary directory, and stops it by the pid it wrote.
--
--   local nsd = require "spec.support.nsd"
--   local srv = assert(nsd.start{ zones = { ["example.com"] = { "@ TXT \"v=spf1 -all\"", ... } } })
--   srv.port, srv.addr ("127.0.0.1:PORT"), srv.dir
--   srv:stop()          -- idempotent; also run when srv is collected
--
-- Each zone gets $ORIGIN, $TTL 300, an SOA (negative TTL opts.neg_ttl or
-- 60) and an NS record; the lines given follow. Config as in
-- ../shared/notes/openresty-recipe.md section 3: absolute paths, no
-- chroot, no privilege drop, no database, its own pidfile.
local core = require "spfkit.core"

local M = {}

M.NSD = "/usr/sbin/nsd"

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

function M.available()
  return sh("test -x " .. M.NSD)
end

function M.sleep(s)
  os.execute("sleep " .. s)
end

function M.tmpdir(prefix)
  local p = io.popen("mktemp -d /tmp/" .. (prefix or "spfkit-nsd") .. ".XXXXXX")
  local dir = p:read("*l")
  p:close()
  assert(dir and dir:match("^/tmp/"), "mktemp failed")
  return dir
end

local seeded = false
local function random_port()
  if not seeded then
    local t = tostring({}):match("0x(%x+)") or "0"
    math.randomseed(os.time() + math.floor(os.clock() * 1e6) + (tonumber(t, 16) or 0) % 100000)
    seeded = true
  end
  return math.random(20000, 59999)
end

--- Zone file text for name with the given record lines.
function M.zone_text(name, lines, neg_ttl)
  local out = {
    "$ORIGIN " .. name .. ".",
    "$TTL 300",
    ("@ IN SOA ns1.%s. hostmaster.%s. ( 1 3600 600 86400 %d )"):format(name, name, neg_ttl or 60),
    "@ IN NS ns1." .. name .. ".",
  }
  for _, l in ipairs(lines) do out[#out + 1] = l end
  return table.concat(out, "\n") .. "\n"
end

local function conf(dir, port, zones)
  local t = {
    "server:",
    "    ip-address: 127.0.0.1@" .. port,
    "    port: " .. port,
    '    username: ""',
    '    chroot: ""',
    '    zonesdir: "' .. dir .. '"',
    '    database: ""',
    '    zonelistfile: "' .. dir .. '/zone.list"',
    '    xfrdfile: "' .. dir .. '/xfrd.state"',
    '    xfrdir: "' .. dir .. '"',
    '    pidfile: "' .. dir .. '/nsd.pid"',
    '    logfile: "' .. dir .. '/nsd.log"',
    "    server-count: 1",
    "    do-ip6: no",
    "    verbosity: 1",
    "remote-control:",
    "    control-enable: no",
  }
  for name in pairs(zones) do
    t[#t + 1] = "zone:"
    t[#t + 1] = '    name: "' .. name .. '"'
    t[#t + 1] = '    zonefile: "' .. name .. '.zone"'
  end
  return table.concat(t, "\n") .. "\n"
end

local Server = {}
Server.__index = Server

local function alive(pid)
  return sh("kill -0 " .. pid .. " 2>/dev/null")
end

function Server:stop()
  if self.stopped then return end
  self.stopped = true
  if self.pid then
    sh("kill " .. self.pid .. " 2>/dev/null")
    for _ = 1, 100 do
      if not alive(self.pid) then break end
      M.sleep(0.02)
    end
    if alive(self.pid) then sh("kill -9 " .. self.pid .. " 2>/dev/null") end
  end
  if self.dir and self.dir:match("^/tmp/spfkit%-") then sh("rm -rf '" .. self.dir .. "'") end
end

-- probes the server with our resolver until it answers the SOA
local function ready(port, zone)
  local r = core.resolver({ "127.0.0.1:" .. port }, 0.2, 0, "fallback", 1232, 53)
  for _ = 1, 50 do
    local ans = r:query(zone, "SOA")
    if ans and ans.rcode == "NOERROR" then r:close() return true end
    M.sleep(0.05)
  end
  r:close()
  return false
end

--- Starts NSD. opts: { zones = { [name] = {lines} | "full zone text" }, neg_ttl = 60, port = }
-- @return server object, or nil, message
function M.start(opts)
  local dir = M.tmpdir("spfkit-nsd")
  local first
  for name, z in pairs(opts.zones) do
    first = first or name
    write(dir .. "/" .. name .. ".zone", type(z) == "string" and z or M.zone_text(name, z, opts.neg_ttl))
  end
  local lastlog
  for _ = 1, 8 do
    local port = opts.port or random_port()
    write(dir .. "/nsd.conf", conf(dir, port, opts.zones))
    os.remove(dir .. "/nsd.pid")
    if sh(M.NSD .. " -c " .. dir .. "/nsd.conf >" .. dir .. "/start.log 2>&1") then
      local pid
      for _ = 1, 100 do
        pid = tonumber((read(dir .. "/nsd.pid") or ""):match("%d+"))
        if pid then break end
        M.sleep(0.02)
      end
      if pid and ready(port, first) then
        local srv = setmetatable({ port = port, addr = "127.0.0.1:" .. port, dir = dir, pid = pid }, Server)
        -- safety net: stop when collected (a table __gc in 5.4, a proxy in LuaJIT)
        if newproxy then
          local p = newproxy(true)
          getmetatable(p).__gc = function() srv:stop() end
          srv._gc = p
        else
          setmetatable(srv, { __index = Server, __gc = function(s) s:stop() end })
        end
        return srv
      end
      lastlog = (read(dir .. "/nsd.log") or "") .. (read(dir .. "/start.log") or "")
      if pid then
        sh("kill " .. pid .. " 2>/dev/null")
        for _ = 1, 100 do
          if not alive(pid) then break end
          M.sleep(0.02)
        end
      end
    end
    lastlog = lastlog or ((read(dir .. "/nsd.log") or "") .. (read(dir .. "/start.log") or ""))
    if opts.port then break end
  end
  sh("rm -rf '" .. dir .. "'")
  return nil, "nsd did not start: " .. tostring(lastlog)
end

return M
