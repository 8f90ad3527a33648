-- A slow DNS proxy for the specs and bench/openresty: forwards each UDP
-- query to a real server on loopback (NSD) and sends the answer back after
-- `delay` seconds, every query in its own thread (so concurrent questions
-- overlap, as they do over a real network). Python 3 standard library
-- (Debian's /usr/bin/python3); stopped by its pid.
--
--   local slow = require "spec.support.slowdns"
--   local px = assert(slow.start{ upstream = nsd_srv.port, delay = 2 })
--   px.addr ("127.0.0.1:PORT"), px:count() (queries seen, peak in flight), px:reset(), px:stop()
local nsd = require "spec.support.nsd"

local M = {}

M.PYTHON = "/usr/bin/python3"

M.SCRIPT = [==[
import os, signal, socket, sys, threading, time
portfile, upstream, delay, countfile = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
with open(portfile + ".tmp", "w") as f:
    f.write(str(u.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
lock = threading.Lock()
count, inflight, peak = [0], [0], [0]

def note(d):
    with lock:
        if d > 0:
            count[0] += 1
        inflight[0] += d
        peak[0] = max(peak[0], inflight[0])
        with open(countfile, "w") as f:
            f.write("%d %d" % (count[0], peak[0]))

def serve(q, peer):
    note(1)
    time.sleep(delay)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        s.sendto(q, ("127.0.0.1", upstream))
        a = s.recv(65535)
        note(-1)
        u.sendto(a, peer)
    except Exception as e:
        note(-1)
        sys.stderr.write("slowdns: %r\n" % (e,))
    s.close()

def reset(*_):
    with lock:
        count[0], peak[0] = 0, inflight[0]
signal.signal(signal.SIGUSR1, reset)

while True:
    q, peer = u.recvfrom(65535)
    threading.Thread(target=serve, args=(q, peer), daemon=True).start()
]==]

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.available()
  local ok = os.execute("test -x " .. M.PYTHON)
  return ok == true or ok == 0
end

local Proxy = {}
Proxy.__index = Proxy

function Proxy:stop()
  if self.stopped then return end
  self.stopped = true
  os.execute("kill " .. self.pid .. " 2>/dev/null")
  for _ = 1, 100 do
    if not nsd.alive(self.pid) then break end
    nsd.sleep(0.02)
  end
  os.execute("rm -rf '" .. self.dir .. "'")
end

--- Queries received so far, and the most that were in flight at once.
function Proxy:count()
  local n, peak = (read(self.dir .. "/count") or ""):match("^(%d+) (%d+)")
  return tonumber(n) or 0, tonumber(peak) or 0
end

--- Forget the counts (the peak starts again from the queries in flight).
function Proxy:reset()
  os.execute("kill -USR1 " .. self.pid)
  nsd.sleep(0.05)
end

--- Starts the proxy. opts: { upstream = port of the real server, delay = seconds }
function M.start(opts)
  local dir = nsd.tmpdir("spfkit-slowdns")
  local f = assert(io.open(dir .. "/slowdns.py", "wb"))
  f:write(M.SCRIPT)
  f:close()
  local p = io.popen(("%s %s/slowdns.py %s/port %d %s %s/count 2>%s/err.log >/dev/null & echo $!"):format(
    M.PYTHON, dir, dir, opts.upstream, tostring(opts.delay or 1), dir, dir))
  local pid = tonumber(p:read("*l"))
  p:close()
  local port
  for _ = 1, 150 do
    port = tonumber(read(dir .. "/port") or "")
    if port then break end
    nsd.sleep(0.02)
  end
  local px = setmetatable({ pid = pid, dir = dir, port = port, addr = "127.0.0.1:" .. tostring(port) }, Proxy)
  if not port then
    local err = read(dir .. "/err.log")
    px:stop()
    return nil, "slowdns did not start: " .. tostring(err)
  end
  if newproxy then
    local g = newproxy(true)
    getmetatable(g).__gc = function() px:stop() end
    px._gc = g
  else
    setmetatable(px, { __index = Proxy, __gc = function(s) s:stop() end })
  end
  return px
end

return M
