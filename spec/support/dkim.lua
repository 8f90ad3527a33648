-- DKIM test material made at test time: keys (openssl genpkey; nothing
-- private is committed), messages signed by dkimpy (Debian's python3-dkim),
-- and the verdicts of dkimpy and Mail::DKIM on the same messages.
--
--   local dk = require "spec.support.dkim"
--   if not dk.available() then pending(...) end
--   local ctx = dk.new()                       -- a temporary directory
--   local key = ctx:genkey("rsa", 2048)        -- { pem=, p= (base64), record= }
--   local signed = ctx:sign{ { message = m, key = key, selector = "s", domain = "example.jp",
--                              canon = "relaxed/simple", headers = "from:to", length = true } }
--   ctx:dkimpy(messages, keys)                 -- { {"pass"}, {"fail", "pass"}, ... } per message
--   ctx:mail_dkim(messages, port)              -- the same through Mail::DKIM over a DNS server
--   ctx:cleanup()
local M = {}

M.PYTHON = "/usr/bin/python3"
M.OPENSSL = "/usr/bin/openssl"

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
  return sh("test -x " .. M.OPENSSL) and sh(M.PYTHON .. " -c 'import dkim, nacl' 2>/dev/null")
end

function M.perl_available()
  return sh("perl -MMail::DKIM::Verifier -MNet::DNS -e 1 2>/dev/null")
end

M.SCRIPT = [==[
import base64, sys, dkim
from cryptography.hazmat.primitives import serialization

def sign(d, jobs):
    for line in open(jobs):
        n, keyfile, alg, sel, dom, canon, hs, length = line.rstrip("\n").split("\t")
        msg = open("%s/msg_%s.eml" % (d, n), "rb").read()
        key = open(keyfile, "rb").read()
        kw = {}
        if alg == "ed25519":
            k = serialization.load_pem_private_key(key, None)
            key = base64.b64encode(k.private_bytes(serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw, serialization.NoEncryption()))
            kw["signature_algorithm"] = b"ed25519-sha256"
        c = canon.split("/")
        inc = [x.encode() for x in hs.split(":")] if hs != "-" else None
        sig = dkim.sign(msg, sel.encode(), dom.encode(), key, canonicalize=(c[0].encode(), c[1].encode()),
                        include_headers=inc, length=(length == "l"), **kw)
        open("%s/signed_%s.eml" % (d, n), "wb").write(sig + msg)

def verify(d, count, keysfile):
    keys = {}
    for line in open(keysfile, "rb"):
        name, txt = line.rstrip(b"\n").split(b"\t", 1)
        keys[name.lower()] = txt
    def dnsfunc(name, timeout=5):
        return keys.get(name.rstrip(b".").lower())
    out = open("%s/dkimpy.txt" % d, "w")
    for n in range(1, count + 1):
        msg = open("%s/check_%d.eml" % (d, n), "rb").read()
        verdicts = []
        try:
            v = dkim.DKIM(msg)
            nsig = len([h for h, _ in v.headers if h.lower() == b"dkim-signature"])
            for i in range(nsig):
                try:
                    verdicts.append("pass" if v.verify(idx=i, dnsfunc=dnsfunc) else "fail")
                except Exception:
                    verdicts.append("fail")
        except Exception:
            verdicts.append("fail")
        out.write(" ".join(verdicts) + "\n")

if sys.argv[1] == "sign":
    sign(sys.argv[2], sys.argv[3])
else:
    verify(sys.argv[2], int(sys.argv[3]), sys.argv[4])
]==]

M.PERL = [==[
use strict; use Net::DNS; use Mail::DKIM::Verifier;
my ($dir, $count, $port) = @ARGV;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port,
  recurse => 0, udp_timeout => 3, tcp_timeout => 3, retry => 1));
open(my $out, '>', "$dir/mail_dkim.txt") or die;
for my $n (1 .. $count) {
  my $v = Mail::DKIM::Verifier->new();
  open(my $f, '<', "$dir/check_$n.eml") or die;
  binmode $f;
  while (my $l = <$f>) { $l =~ s/\015?\012/\015\012/; $v->PRINT($l); }
  close $f;
  $v->CLOSE;
  print $out join(" ", map { $_->result eq 'pass' ? 'pass' : 'fail' } $v->signatures), "\n";
}
close $out;
]==]

local Ctx = {}
Ctx.__index = Ctx

function M.new()
  local dir = os.tmpname()
  os.remove(dir)
  assert(sh("mkdir -m 700 " .. dir))
  write(dir .. "/dk.py", M.SCRIPT)
  write(dir .. "/dk.pl", M.PERL)
  return setmetatable({ dir = dir, n = 0 }, Ctx)
end

function Ctx:cleanup()
  if self.dir then sh("rm -rf " .. self.dir) end
  self.dir = nil
end

--- A new key pair: kind "rsa" (bits) or "ed25519"; p is what DNS publishes.
function Ctx:genkey(kind, bits)
  self.n = self.n + 1
  local pem = ("%s/key_%d.pem"):format(self.dir, self.n)
  local opt = kind == "rsa" and (" -pkeyopt rsa_keygen_bits:" .. bits) or ""
  assert(sh(("%s genpkey -algorithm %s%s -out %s 2>/dev/null"):format(M.OPENSSL, kind == "rsa" and "RSA" or "ed25519",
    opt, pem)))
  local der = ("%s %s pkey -in %s -pubout -outform DER"):format("", M.OPENSSL, pem)
  if kind == "ed25519" then der = der .. " | tail -c 32" end   -- RFC 8463: the raw key
  local p = io.popen(der .. " | base64 -w0")
  local b64 = p:read("*a")
  p:close()
  return { pem = pem, p = b64, kind = kind, bits = bits,
           record = "v=DKIM1; k=" .. kind .. "; p=" .. b64 }
end

--- Sign messages with dkimpy; returns the signed texts in order.
function Ctx:sign(jobs)
  local lines = {}
  for i, j in ipairs(jobs) do
    write(("%s/msg_%d.eml"):format(self.dir, i), j.message)
    lines[i] = table.concat({ i, j.key.pem, j.key.kind, j.selector, j.domain, j.canon or "relaxed/relaxed",
                              j.headers or "-", j.length and "l" or "-" }, "\t")
  end
  write(self.dir .. "/jobs.txt", table.concat(lines, "\n") .. "\n")
  assert(sh(("%s %s/dk.py sign %s %s/jobs.txt"):format(M.PYTHON, self.dir, self.dir, self.dir)))
  local out = {}
  for i = 1, #jobs do out[i] = assert(read(("%s/signed_%d.eml"):format(self.dir, i))) end
  return out
end

local function put_messages(self, messages)
  for i, m in ipairs(messages) do write(("%s/check_%d.eml"):format(self.dir, i), m) end
end

local function verdicts(path)
  local out = {}
  for line in assert(io.open(path, "rb")):lines() do
    local v = {}
    for w in line:gmatch("%S+") do v[#v + 1] = w end
    out[#out + 1] = v
  end
  return out
end

--- dkimpy's verdict per signature of each message ("pass" or "fail"),
-- keys = { [name] = txt }.
function Ctx:dkimpy(messages, keys)
  put_messages(self, messages)
  local kl = {}
  for name, txt in pairs(keys) do kl[#kl + 1] = name .. "\t" .. txt end
  write(self.dir .. "/keys.txt", table.concat(kl, "\n") .. "\n")
  assert(sh(("%s %s/dk.py verify %s %d %s/keys.txt"):format(M.PYTHON, self.dir, self.dir, #messages, self.dir)))
  return verdicts(self.dir .. "/dkimpy.txt")
end

--- Mail::DKIM's verdicts, its keys read from a DNS server on 127.0.0.1:port.
function Ctx:mail_dkim(messages, port)
  put_messages(self, messages)
  assert(sh(("perl %s/dk.pl %s %d %d"):format(self.dir, self.dir, #messages, port)))
  return verdicts(self.dir .. "/mail_dkim.txt")
end

return M
