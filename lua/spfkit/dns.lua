--- spfkit.dns: real DNS for spfkit — an ldns stub resolver, a shared answer
-- cache and a DNS wire codec (for nginx cosockets).
--
-- Loaded lazily by `require "spfkit"` (as `spfkit.dns`); `spfkit.resolver`
-- and `spfkit.cache` delegate here.
--
-- Answers have the shape of `zone:query`:
-- `{ rcode = "NOERROR"|"NXDOMAIN"|..., records = { {name=, type=, ttl=, data=}, ... } }`.
-- DNS trouble returns `nil, err` with `err.code` one of "timeout",
-- "network", "truncated", "bad-answer" (and for the codec "short",
-- "wrong-id", "not-answer", "wrong-question", "oversized") and
-- `err.message`. Bad options raise.
-- @module spfkit.dns

local core = require "spfkit.core"
local options = require "spfkit.options"
local errors = require "spfkit.errors"

local type, error, tostring, pcall = type, error, tostring, pcall
local floor = math.floor

local M = {}

--- Default resolver options.
M.defaults = { timeout = 2, retries = 1, tcp = "fallback", edns = 1232, port = 53 }

local TCP_MODES = { fallback = true, always = true, never = true }

local RESOLVER_OPTIONS = {
  nameservers = "table", timeout = "number", retries = "number", tcp = "string",
  edns = "number", port = "number", resolv_conf = "string",
}

local CACHE_OPTIONS = {
  max = "number", min_ttl = "number", max_ttl = "number", max_neg_ttl = "number",
}



local function int_option(fname, opts, k, lo, hi)
  local v = opts[k]
  if v ~= nil and (v % 1 ~= 0 or v < lo or v > hi) then
    error(fname .. ": option '" .. k .. "' must be an integer in " .. lo .. ".." .. hi, 3)
  end
end

--- The nameservers of resolv.conf (read by ldns).
-- @tparam[opt] string path default "/etc/resolv.conf"
-- @return list of "addr:port" strings, or `nil, err`
function M.system_nameservers(path)
  return core.dns_system(path)
end

--- A blocking ldns stub resolver; also a DNS source for `spfkit.check{dns=}`.
-- @tparam[opt] table opts `{ nameservers = {"127.0.0.1:5353", "[2001:db8::53]:53"},
--   timeout = 2 (seconds per try, fractions ok), retries = 1 (extra rounds over
--   all nameservers), tcp = "fallback"|"always"|"never", edns = 1232 (UDP
--   payload size, 0 disables EDNS), port = 53 (for nameservers without one),
--   resolv_conf = "/etc/resolv.conf" (where defaults come from) }`
-- @return resolver (`r:query(name, qtype)`, `r:query_many{ {name, qtype}, ... }`
--   (answers in order; a failure is `{rcode = "TIMEOUT"|..., records = {}, error = err}`),
--   `r:stats()`, `r:options()`, `r:close()`), or `nil, err` when no nameserver is known
function M.resolver(opts)
  local fname = "spfkit.resolver"
  opts = opts == nil and {} or options.check(fname, opts, RESOLVER_OPTIONS)
  if opts.timeout ~= nil and not (opts.timeout > 0 and opts.timeout <= 3600) then
    error(fname .. ": option 'timeout' must be in (0, 3600] seconds", 2)
  end
  int_option(fname, opts, "retries", 0, 10)
  int_option(fname, opts, "port", 1, 65535)
  int_option(fname, opts, "edns", 0, 65535)
  if opts.edns and opts.edns ~= 0 and opts.edns < 512 then
    error(fname .. ": option 'edns' must be 0 (off) or in 512..65535", 2)
  end
  if opts.tcp ~= nil and not TCP_MODES[opts.tcp] then
    error(fname .. ": option 'tcp' must be \"fallback\", \"always\" or \"never\"", 2)
  end
  local ns = opts.nameservers
  if ns ~= nil then
    if #ns == 0 or #ns > 8 then error(fname .. ": 'nameservers' must list 1 to 8 addresses", 2) end
    for i = 1, #ns do
      if type(ns[i]) ~= "string" then error(fname .. ": nameservers[" .. i .. "] must be a string", 2) end
    end
  else
    local err
    ns, err = core.dns_system(opts.resolv_conf)
    if not ns then return nil, err end
    if #ns == 0 then
      return nil, errors.new("no-nameservers", "no nameserver in " .. (opts.resolv_conf or "/etc/resolv.conf"))
    end
  end
  local d = M.defaults
  local ok, r = pcall(core.resolver, ns, opts.timeout or d.timeout, opts.retries or d.retries,
                      opts.tcp or d.tcp, opts.edns or d.edns, opts.port or d.port)
  if not ok then error(fname .. ": " .. tostring(r):gsub("^spfkit%.resolver: ", ""), 2) end
  return r
end

--- A shared answer cache (TTL honoured, RFC 2308 negative caching, LRU).
-- Use `cache:over(source)` as the `dns` of any number of checks. The source
-- is a C source (resolver, zone: the view is one too) or any Lua object
-- with `:query(name, qtype)` (and optionally `:query_many(list)`) or a
-- function(name, qtype): the view then has `:query` and `:query_many`, for
-- `spfkit.diagnose{dns=}` or spfkit.check's `query`/`query_many`.
-- @tparam[opt] table opts `{ max = 10000 (entries), min_ttl = 0, max_ttl = 86400,
--   max_neg_ttl = 3600 (seconds) }`
-- @return cache (`c:over(source)`, `c:stats()`, `c:flush()`, `c:advance(s)`, `c:close()`)
function M.cache(opts)
  local fname = "spfkit.cache"
  opts = opts == nil and {} or options.check(fname, opts, CACHE_OPTIONS)
  int_option(fname, opts, "max", 0, 100000000)
  int_option(fname, opts, "min_ttl", 0, 2147483647)
  int_option(fname, opts, "max_ttl", 0, 2147483647)
  int_option(fname, opts, "max_neg_ttl", 0, 2147483647)
  local min_ttl, max_ttl = opts.min_ttl or 0, opts.max_ttl or 86400
  if max_ttl < min_ttl then error(fname .. ": max_ttl must be >= min_ttl", 2) end
  local max, max_neg_ttl = opts.max or 10000, opts.max_neg_ttl or 3600
  -- C sources are cached in C; Lua sources (any :query object) in Lua,
  -- by the same rule, in the same object (spfkit.dns.luacache)
  return require("spfkit.dns.luacache").attach(core.cache(max, min_ttl, max_ttl, max_neg_ttl),
    { min_ttl = min_ttl, max_ttl = max_ttl, max_neg_ttl = max_neg_ttl }, max)
end

--- Encode a DNS query (RD set).
-- @tparam string name e.g. "example.com"
-- @tparam string qtype "TXT", "A", "AAAA", "MX", "PTR", ...
-- @tparam[opt] number id 0..65535, random when absent
-- @tparam[opt] number edns EDNS UDP payload size (default 1232, 0: no EDNS)
-- @return wire string and the id, or `nil, err` for a name that cannot be asked
function M.encode(name, qtype, id, edns)
  if type(name) ~= "string" then error("spfkit.dns.encode: name must be a string", 2) end
  if type(qtype) ~= "string" then error("spfkit.dns.encode: qtype must be a string", 2) end
  if id ~= nil and (type(id) ~= "number" or id % 1 ~= 0 or id < 0 or id > 65535) then
    error("spfkit.dns.encode: id must be an integer in 0..65535", 2)
  end
  if edns ~= nil and (type(edns) ~= "number" or not (edns == 0 or (edns >= 512 and edns <= 65535))) then
    error("spfkit.dns.encode: edns must be 0 or in 512..65535", 2)
  end
  return core.dns_encode(name, qtype, id, edns)
end

--- Decode a DNS answer.
-- @tparam string wire the message (UDP payload, or a TCP message without its
--   2-byte length prefix)
-- @tparam[opt] number expected_id reject answers with another id
-- @return `{ rcode=, records=, id=, tc=, question = {name=, type=}, neg_ttl= }`
--   or `nil, err` (garbage, oversized, wrong id, ...)
function M.decode(wire, expected_id)
  if type(wire) ~= "string" then error("spfkit.dns.decode: wire must be a string", 2) end
  if expected_id ~= nil and (type(expected_id) ~= "number" or expected_id % 1 ~= 0
      or expected_id < 0 or expected_id > 65535) then
    error("spfkit.dns.decode: expected_id must be an integer in 0..65535", 2)
  end
  return core.dns_decode(wire, expected_id)
end

--- A query function for deferred mode over any cosocket-like UDP/TCP API.
-- `udp()` must return an object with `setpeername(host, port)`, `send(s)`,
-- `receive()`, `settimeout(ms)` and `close()` (ngx.socket.udp); `tcp()`
-- likewise with `connect`, `send`, `receive(n)` (ngx.socket.tcp). Truncated
-- UDP answers are retried over TCP when `tcp` is given.
-- @tparam table opts `{ host = "127.0.0.1", port = 53, timeout = 2000 (ms),
--   udp = ngx.socket.udp, tcp = ngx.socket.tcp }`
-- @return function(name, qtype) -> answer | nil, err
function M.socket_query(opts)
  if type(opts) ~= "table" or type(opts.udp) ~= "function" or type(opts.host) ~= "string" then
    error("spfkit.dns.socket_query: expected { host =, port =, udp = ngx.socket.udp, ... }", 2)
  end
  local host, port, timeout = opts.host, opts.port or 53, opts.timeout or 2000
  local udp, tcp = opts.udp, opts.tcp
  local function fail(code, message) return nil, errors.new(code, message) end
  local function over_tcp(q, id)
    local sock = tcp()
    sock:settimeout(timeout)
    local ok, err = sock:connect(host, port)
    if not ok then return fail("network", "TCP connect: " .. tostring(err)) end
    local n = #q
    ok, err = sock:send(string.char(floor(n / 256), n % 256) .. q)
    if not ok then sock:close() return fail("network", "TCP send: " .. tostring(err)) end
    local len
    len, err = sock:receive(2)
    if not len then
      sock:close()
      return fail(err == "timeout" and "timeout" or "network", "TCP receive: " .. tostring(err))
    end
    local msg
    msg, err = sock:receive(len:byte(1) * 256 + len:byte(2))
    sock:close()
    if not msg then return fail(err == "timeout" and "timeout" or "network", "TCP receive: " .. tostring(err)) end
    return M.decode(msg, id)
  end
  return function(name, qtype)
    local q, id = M.encode(name, qtype)
    if not q then return nil, id end
    local sock = udp()
    sock:settimeout(timeout)
    local ok, err = sock:setpeername(host, port)
    if not ok then return fail("network", tostring(err)) end
    ok, err = sock:send(q)
    if not ok then sock:close() return fail("network", tostring(err)) end
    while true do
      local data
      data, err = sock:receive()
      if not data then
        sock:close()
        return fail(err == "timeout" and "timeout" or "network", tostring(err))
      end
      local ans, derr = M.decode(data, id)
      if ans and ans.tc and not ans.question then   -- truncated mid-record
        sock:close()
        if not tcp then return fail("truncated", "truncated answer and no tcp given") end
        return over_tcp(q, id)
      end
      if ans and ans.question.name == (name:lower():gsub("%.$", "")) and ans.question.type == qtype then
        sock:close()
        if ans.tc then
          if not tcp then return fail("truncated", "truncated answer and no tcp given") end
          return over_tcp(q, id)
        end
        return ans
      end
      -- not the answer to our question (wrong id, garbage): keep waiting
      if derr and derr.code == "oversized" then sock:close() return nil, derr end
    end
  end
end

return M
