-- A tiny misbehaving DNS server for the specs, and a counting proxy for the
-- specs and bench/dns. There is no LuaSocket here, so the server is a short
-- Python 3 script (Debian's /usr/bin/python3, standard library only) that
-- this module writes into a temporary directory and starts; it is stopped
-- by its pid.
--
--   local fake = require "spec.support.fakedns"
--   local srv = assert(fake.start("garbage-id"))            -- srv.addr, srv.port
--   local px  = assert(fake.start("proxy", { upstream = nsd.port }))
--   px:queries()   -- { {proto="udp", name="example.com", type="TXT"}, ... }
--   srv:stop()
--
-- FAKEDNS_PORT=N in the environment binds port N instead of a free one.
-- Modes (UDP; TCP only in proxy mode):
--   proxy           forward to 127.0.0.1:upstream over UDP and TCP, log queries
--   silent          never answer
--   garbage         random bytes (random id: not an answer to anything)
--   garbage-id      the query's id with QR set, then random bytes
--   short           5 bytes
--   wrong-id        the upstream answer with another id
--   wrong-question  the upstream answer for another name, with our id
--   spoof-then-real first a wrong-id answer, then the real one
--   truncated       header with TC set and the question, no records
--   truncated-cut   the upstream answer with TC set, cut in the middle
--   oversized       our id, QR, then 65000 bytes of junk
--   late            the upstream answer, opts.delay seconds late
--   truncated-late  a TC answer opts.delay seconds late; TCP accepts and never answers
--   malformed-then-real  our id and question with a compression loop in the
--                   answer section at once, the real answer opts.delay later
-- Every mode but silent answers each query on its own (delays do not queue).
local nsd = require "spec.support.nsd"

local M = {}

M.PYTHON = "/usr/bin/python3"

M.SCRIPT = [==[
import os, random, socket, struct, sys, threading
mode, portfile, upstream, logfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
held = []
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 99: "SPF"}
loglock = threading.Lock()

def question(msg):
    i, labels = 12, []
    while i < len(msg) and msg[i]:
        l = msg[i]
        labels.append(msg[i + 1:i + 1 + l].decode("latin-1"))
        i += 1 + l
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0] if i + 3 <= len(msg) else 0
    return ".".join(labels).lower(), qtype, i + 5

def log(proto, msg):
    name, qtype, _ = question(msg)
    with loglock:
        with open(logfile, "a") as f:
            f.write("%s %s %s\n" % (proto, name, TYPES.get(qtype, str(qtype))))

def ask_udp(msg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(msg, ("127.0.0.1", upstream))
    data = s.recv(65535)
    s.close()
    return data

def recv_exact(c, n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k:
            raise EOFError
        b += k
    return b

def ask_tcp(msg):
    s = socket.create_connection(("127.0.0.1", upstream), 3)
    s.sendall(struct.pack("!H", len(msg)) + msg)
    n = struct.unpack("!H", recv_exact(s, 2))[0]
    data = recv_exact(s, n)
    s.close()
    return data

def tcp_conn(c):
    if mode == "truncated-late":
        held.append(c)   # accepted, never answered
        return
    try:
        while True:
            n = struct.unpack("!H", recv_exact(c, 2))[0]
            msg = recv_exact(c, n)
            log("tcp", msg)
            data = ask_tcp(msg)
            c.sendall(struct.pack("!H", len(data)) + data)
    except Exception:
        pass
    c.close()

def tcp_loop(t):
    while True:
        c, _ = t.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()

while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", int(os.environ.get("FAKEDNS_PORT", "0"))))
    port = u.getsockname()[1]
    if mode not in ("proxy", "truncated-late"):
        break
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        u.close(); t.close()
        continue
    t.listen(64)
    threading.Thread(target=tcp_loop, args=(t,), daemon=True).start()
    break

with open(portfile + ".tmp", "w") as f:
    f.write(str(port))
os.rename(portfile + ".tmp", portfile)

def later(data, peer):
    threading.Timer(delay, u.sendto, (data, peer)).start()

def malformed(q):
    # our id and question, one answer whose owner name points at itself
    name, qtype, end = question(q)
    return (q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:end] +
            struct.pack("!HHHIH", 0xC000 | end, 16, 1, 60, 2) + b"\x01x")

def serve(q, peer):
    log("udp", q)
    qid = q[:2]
    if mode == "proxy":
        u.sendto(ask_udp(q), peer)
    elif mode == "silent":
        pass
    elif mode == "garbage":
        u.sendto(os.urandom(40), peer)
    elif mode == "garbage-id":
        u.sendto(qid + b"\x81\x80" + os.urandom(60), peer)
    elif mode == "short":
        u.sendto(qid + b"\x81\x80\x00", peer)
    elif mode == "wrong-id":
        a = ask_udp(q)
        u.sendto(bytes([a[0] ^ 0x5a, a[1] ^ 0xa5]) + a[2:], peer)
    elif mode == "spoof-then-real":
        a = ask_udp(q)
        u.sendto(bytes([a[0] ^ 0x5a, a[1] ^ 0xa5]) + a[2:], peer)
        u.sendto(a, peer)
    elif mode == "wrong-question":
        name, qtype, end = question(q)
        other = b"\x05other\x07example\x03com\x00" + q[end - 4:end]
        a = ask_udp(q[:12] + other + q[end:])
        u.sendto(qid + a[2:], peer)
    elif mode == "truncated":
        name, qtype, end = question(q)
        u.sendto(qid + b"\x83\x80\x00\x01\x00\x00\x00\x00\x00\x00" + q[12:end], peer)
    elif mode == "truncated-cut":
        a = ask_udp(q)
        a = a[:2] + bytes([a[2] | 0x02]) + a[3:]
        u.sendto(a[:max(12, len(a) - 7)], peer)
    elif mode == "late":
        later(ask_udp(q), peer)
    elif mode == "truncated-late":
        name, qtype, end = question(q)
        later(q[:2] + b"\x83\x80\x00\x01\x00\x00\x00\x00\x00\x00" + q[12:end], peer)
    elif mode == "malformed-then-real":
        u.sendto(malformed(q), peer)
        later(ask_udp(q), peer)
    elif mode == "oversized":
        u.sendto(qid + b"\x81\x80\x00\x01\xff\xff\x00\x00\x00\x00" + b"\x07" * 65000, peer)

while True:
    q, peer = u.recvfrom(65535)
    try:
        serve(q, peer)
    except Exception as e:
        sys.stderr.write("fakedns: %r\n" % (e,))
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

local Server = {}
Server.__index = Server

function Server:stop()
  if self.stopped then return end
  self.stopped = true
  os.execute("kill " .. self.pid .. " 2>/dev/null")
  for _ = 1, 100 do
    if not nsd.alive(self.pid) then break end
    nsd.sleep(0.02)
  end
  os.execute("rm -rf '" .. self.dir .. "'")
end

--- Queries seen so far: list of { proto =, name =, type = }.
function Server:queries()
  local out = {}
  for line in (read(self.dir .. "/queries.log") or ""):gmatch("[^\n]+") do
    local proto, name, t = line:match("^(%S+) (%S*) (%S+)$")
    out[#out + 1] = { proto = proto, name = name, type = t }
  end
  return out
end

function Server:reset()
  os.remove(self.dir .. "/queries.log")
end

--- Starts the fake server in mode; opts.upstream is the port of a real server,
-- opts.delay the seconds of the late modes.
function M.start(mode, opts)
  opts = opts or {}
  local dir = nsd.tmpdir("spfkit-fakedns")
  local f = assert(io.open(dir .. "/fakedns.py", "wb"))
  f:write(M.SCRIPT)
  f:close()
  local cmd = ("%s %s/fakedns.py %s %s/port %d %s/queries.log %s 2>%s/err.log >/dev/null & echo $!"):format(
    M.PYTHON, dir, mode, dir, opts.upstream or 9, dir, tostring(opts.delay or 0), dir)
  local p = io.popen(cmd)
  local pid = tonumber(p:read("*l"))
  p:close()
  local port
  for _ = 1, 150 do
    port = tonumber(read(dir .. "/port") or "")
    if port then break end
    nsd.sleep(0.02)
  end
  local srv = setmetatable({ pid = pid, dir = dir, port = port, addr = "127.0.0.1:" .. tostring(port), mode = mode }, Server)
  if not port then
    local err = read(dir .. "/err.log")
    srv:stop()
    return nil, "fakedns did not start: " .. tostring(err)
  end
  if newproxy then
    local g = newproxy(true)
    getmetatable(g).__gc = function() srv:stop() end
    srv._gc = g
  else
    setmetatable(srv, { __index = Server, __gc = function(s) s:stop() end })
  end
  return srv
end

return M
