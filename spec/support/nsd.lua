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

local function conf(dir, port, zones, extra)
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
    "    ipv4-edns-size: 4096",
    "    verbosity: 1",
    extra or "",
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

-- a zombie counts as gone: PID 1 of a container may never reap it
function M.alive(pid)
  local stat = read("/proc/" .. pid .. "/stat")
  if not stat then return false end
  return stat:match("^%d+ %b() (%a)") ~= "Z"
end
local alive = M.alive

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

--- Starts NSD. opts: { zones = { [name] = {lines} | "full zone text" }, neg_ttl = 60, port =,
--   server_extra = "    minimal-responses: yes" (lines for the server: section) }
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
    write(dir .. "/nsd.conf", conf(dir, port, opts.zones, opts.server_extra))
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


-- ---- the SPF fixture shared by resolver_spec and deferred_spec -------------

-- ~3 KB SPF record (forces TCP with edns = 1232): many ip4 terms, split in
-- 255-octet strings; 192.0.2.200 is near its end.
function M.big_record()
  local terms = { "v=spf1" }
  for i = 1, 190 do terms[#terms + 1] = ("ip4:10.%d.%d.0/24"):format(i % 250, (i * 7) % 250) end
  terms[#terms + 1] = "ip4:192.0.2.200"
  terms[#terms + 1] = "-all"
  local text = table.concat(terms, " ")
  local parts = {}
  for i = 1, #text, 250 do parts[#parts + 1] = '"' .. text:sub(i, i + 249) .. '"' end
  return text, table.concat(parts, " ")
end

--- Zones for the SPF fixture (example.com and its reverse zone).
function M.spf_zones()
  local _, big = M.big_record()
  return {
    ["example.com"] = {
      '@        TXT "v=spf1 ip4:192.0.2.0/28 include:_spf.example.com -all"',
      '_spf     TXT "v=spf1 ip4:198.51.100.0/24" " ~all"',
      'inc      TXT "v=spf1 include:_spf1.example.com -all"',
      '_spf1    TXT "v=spf1 include:_spf2.example.com ?all"',
      '_spf2    TXT "v=spf1 ip4:198.51.100.0/24 -all"',
      'soft     TXT "v=spf1 ip4:192.0.2.1 ~all"',
      'mxd      TXT "v=spf1 mx -all"',
      'mxd      MX 10 mx1.mxd',
      'mxd      MX 20 mx2.mxd',
      'mxd      MX 30 mx3.mxd',
      'mx1.mxd  A 192.0.2.11',
      'mx2.mxd  A 192.0.2.12',
      'mx2.mxd  AAAA 2001:db8::12',
      'mx3.mxd  A 192.0.2.13',
      'ad       TXT "v=spf1 a/24 -all"',
      'ad       A 192.0.2.40',
      'big      TXT ' .. big,
      'cn       CNAME soft',
      'cna      TXT "v=spf1 a:alias.example.com -all"',
      'alias    CNAME ad',
      'void     TXT "v=spf1 a:nodata.example.com a:nx1.example.com a:nx2.example.com -all"',
      'void2    TXT "v=spf1 a:nodata.example.com a:nx1.example.com -all"',
      'nodata   TXT "not spf"',
      'multi    TXT "v=spf1 -all"',
      'multi    TXT "v=spf1 +all"',
      'out      TXT "v=spf1 include:elsewhere.org -all"',
      'nospf    TXT "google-site-verification=abc"',
      'mac      TXT "v=spf1 exists:%{i}._ip.example.com -all"',
      '192.0.2.55._ip A 127.0.0.2',
      'red      TXT "v=spf1 redirect=soft.example.com"',
      'ptrd     TXT "v=spf1 ptr -all"',
      'host.ptrd A 192.0.2.66',
      'expd     TXT "v=spf1 -all exp=explain.example.com"',
      'explain  TXT "%{i} is not one of %{d}\'s senders"',
    },
    ["2.0.192.in-addr.arpa"] = {
      '66 PTR host.ptrd.example.com.',
      '67 PTR nowhere.example.com.',
    },
  }
end

--- Cases over the fixture: { ip, sender, result [, mechanism, problem_code] }.
M.CASES = {
  { ip = "192.0.2.3", sender = "user@example.com", result = "pass", mechanism = "ip4:192.0.2.0/28" },
  { ip = "198.51.100.9", sender = "user@example.com", result = "pass", mechanism = "include:_spf.example.com" },
  { ip = "203.0.113.9", sender = "user@example.com", result = "fail" },
  { ip = "198.51.100.7", sender = "user@inc.example.com", result = "pass" },
  { ip = "203.0.113.9", sender = "user@inc.example.com", result = "fail", mechanism = "-all" },
  { ip = "203.0.113.9", sender = "user@soft.example.com", result = "softfail" },
  { ip = "192.0.2.12", sender = "user@mxd.example.com", result = "pass", mechanism = "mx" },
  { ip = "2001:db8::12", sender = "user@mxd.example.com", result = "pass", mechanism = "mx" },
  { ip = "192.0.2.99", sender = "user@mxd.example.com", result = "fail" },
  { ip = "192.0.2.77", sender = "user@ad.example.com", result = "pass", mechanism = "a/24" },
  { ip = "192.0.2.200", sender = "user@big.example.com", result = "pass", mechanism = "ip4:192.0.2.200" },
  { ip = "192.0.2.201", sender = "user@big.example.com", result = "fail" },
  { ip = "203.0.113.9", sender = "user@cn.example.com", result = "softfail" },
  { ip = "192.0.2.40", sender = "user@cna.example.com", result = "pass" },
  { ip = "192.0.2.1", sender = "user@void.example.com", result = "permerror", problem_code = "too-many-void-lookups" },
  { ip = "192.0.2.1", sender = "user@void2.example.com", result = "fail" },
  { ip = "192.0.2.1", sender = "user@multi.example.com", result = "permerror", problem_code = "multiple-records" },
  { ip = "192.0.2.1", sender = "user@out.example.com", result = "temperror" },
  { ip = "192.0.2.1", sender = "user@elsewhere.org", result = "temperror" },
  { ip = "192.0.2.1", sender = "user@nospf.example.com", result = "none" },
  { ip = "192.0.2.1", sender = "user@nx.example.com", result = "none" },
  { ip = "192.0.2.55", sender = "user@mac.example.com", result = "pass" },
  { ip = "192.0.2.56", sender = "user@mac.example.com", result = "fail" },
  { ip = "203.0.113.9", sender = "user@red.example.com", result = "softfail" },
  { ip = "192.0.2.66", sender = "user@ptrd.example.com", result = "pass", mechanism = "ptr" },
  { ip = "192.0.2.67", sender = "user@ptrd.example.com", result = "fail" },
  { ip = "192.0.2.9", sender = "user@expd.example.com", result = "fail",
    explanation = "192.0.2.9 is not one of expd.example.com's senders" },
  { ip = "192.0.2.1", sender = "", helo = "soft.example.com", result = "pass" },
}

--- Removes the ms fields of a trace (the only thing allowed to differ).
function M.strip_ms(r)
  local copy = {}
  for k, v in pairs(r) do copy[k] = v end
  if r.trace then
    copy.trace = {}
    for i, e in ipairs(r.trace) do
      local t = {}
      for k, v in pairs(e) do if k ~= "ms" then t[k] = v end end
      copy.trace[i] = t
    end
  end
  return copy
end
return M
