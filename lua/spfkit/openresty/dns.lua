--- spfkit.openresty.dns: a non-blocking DNS source for nginx (ngx_lua).
--
-- Questions go out over cosockets (`ngx.socket.udp`, TCP on truncation)
-- encoded and decoded by spfkit's own wire codec (`spfkit.dns.encode` /
-- `decode`, ldns), so answers have exactly the shape of the C resolver's.
-- Nameservers are tried in turn, `retries` extra rounds; answers are kept
-- in a `lua_shared_dict` (shared by all workers) as the wire message and
-- the time it was stored, for as long as `spfkit.dns.ttl` allows (TTLs,
-- RFC 2308 negative caching); a `deadline` bounds the whole life of the
-- source; `query_many` asks independent questions at once in light
-- threads. Works where cosockets do: rewrite, access, content phases and
-- `ngx.timer` callbacks (not init, set, header/body filters, log).
-- @module spfkit.openresty.dns

local wire = require "spfkit.dns"
local ttl = require "spfkit.dns.ttl"
local errors = require "spfkit.errors"
local options = require "spfkit.options"

local ngx = ngx
local type, tostring, tonumber, ipairs, error = type, tostring, tonumber, ipairs, error
local floor, min = math.floor, math.min

local M = {}

local OPTIONS = {
  nameservers = "table", timeout = "number", retries = "number", cache = "string",
  deadline = "number", edns = "number", min_ttl = "number", max_ttl = "number",
  max_neg_ttl = "number",
}

M.defaults = { timeout = 2, retries = 1, edns = 1232 }

local Source = {}
Source.__index = Source

-- "127.0.0.1:53", "[2001:db8::1]:53", "192.0.2.1" or { "127.0.0.1", 53 }
local function parse_server(s, i)
  if type(s) == "table" and type(s[1]) == "string" then
    return { host = s[1], port = tonumber(s[2]) or 53 }
  end
  if type(s) ~= "string" then error("spfkit.openresty.dns: nameservers[" .. i .. "] must be a string", 4) end
  local h6, p6 = s:match("^%[([%x:%.]+)%]:?(%d*)$")
  if h6 then return { host = "[" .. h6 .. "]", port = tonumber(p6) or 53 } end
  local h, p = s:match("^([^:]+):(%d+)$")
  if h then return { host = h, port = tonumber(p) } end
  if s:find(":", 1, true) then return { host = "[" .. s .. "]", port = 53 } end
  return { host = s, port = 53 }
end

local function check_opts(opts)
  local fname = "spfkit.openresty.dns"
  options.check(fname, opts, OPTIONS)
  local ns = opts.nameservers
  if ns == nil or #ns == 0 or #ns > 8 then error(fname .. ": 'nameservers' must list 1 to 8 addresses", 3) end
  if opts.timeout ~= nil and not (opts.timeout > 0 and opts.timeout <= 3600) then
    error(fname .. ": option 'timeout' must be in (0, 3600] seconds", 3)
  end
  if opts.retries ~= nil and (opts.retries % 1 ~= 0 or opts.retries < 0 or opts.retries > 10) then
    error(fname .. ": option 'retries' must be an integer in 0..10", 3)
  end
  if opts.deadline ~= nil and opts.deadline <= 0 then
    error(fname .. ": option 'deadline' must be > 0 seconds", 3)
  end
end

--- A DNS source for `spfkit.diagnose{dns=}` and (through `src:check_options()`)
-- `spfkit.check`.
-- @tparam table opts `{ nameservers = {"127.0.0.1:53", {"192.0.2.53", 53}, ...},
--   timeout = 2 (seconds per try), retries = 1 (extra rounds over all
--   nameservers), cache = "lua_shared_dict name" (optional), deadline =
--   seconds from now after which every question fails at once as a
--   timeout (optional), edns = 1232, min_ttl =, max_ttl =, max_neg_ttl =
--   (cache policy, as spfkit.cache) }`
-- @return source with `:query(name, qtype)`, `:query_many({{name, qtype}, ...})`,
--   `:check_options()`, `:stats()`
-- @raise on bad options or an unknown shared dict
function M.new(opts)
  check_opts(opts)
  local servers = {}
  for i, s in ipairs(opts.nameservers) do servers[i] = parse_server(s, i) end
  local dict
  if opts.cache then
    dict = ngx.shared[opts.cache]
    if not dict then error("spfkit.openresty.dns: no lua_shared_dict named '" .. opts.cache .. "'", 2) end
  end
  ngx.update_time()
  local d = M.defaults
  return setmetatable({
    servers = servers, dict = dict, timeout = opts.timeout or d.timeout,
    retries = opts.retries or d.retries, edns = opts.edns or d.edns,
    deadline = opts.deadline and ngx.now() + opts.deadline or nil,
    policy = { min_ttl = opts.min_ttl, max_ttl = opts.max_ttl, max_neg_ttl = opts.max_neg_ttl },
    counts = { queries = 0, sent = 0, hits = 0, timeouts = 0, tcp = 0 },
  }, Source)
end

local function fail(code, message) return nil, errors.new(code, message) end

local function key_of(name, qtype) return name .. " " .. qtype end

-- the cached answer for key, TTLs aged, or nil
function Source:cached(key)
  if not self.dict then return nil end
  local v = self.dict:get(key)
  if not v then return nil end
  local at, msg = v:match("^([%d%.]+)\n(.*)$")
  local ans = msg and wire.decode(msg)
  if not ans then return nil end
  self.counts.hits = self.counts.hits + 1
  return ttl.aged(ans, ngx.now() - tonumber(at))
end

function Source:store(key, qtype, ans, msg)
  if not self.dict then return end
  local secs = ttl.answer_ttl(ans, qtype, self.policy)
  if secs > 0 then
    self.dict:set(key, ("%.3f\n"):format(ngx.now()) .. msg, secs)
  end
end

-- seconds left before the deadline (math.huge without one)
function Source:left()
  if not self.deadline then return math.huge end
  ngx.update_time()
  return self.deadline - ngx.now()
end

local function tcp_exchange(server, q, ms)
  local sock = ngx.socket.tcp()
  sock:settimeout(ms)
  local ok, err = sock:connect(server.host, server.port)
  if not ok then return fail("network", "TCP connect: " .. tostring(err)) end
  local n = #q
  ok, err = sock:send(string.char(floor(n / 256), n % 256) .. q)
  local len = ok and sock:receive(2)
  local msg
  if len then msg, err = sock:receive(len:byte(1) * 256 + len:byte(2)) end
  sock:close()
  if not msg then
    return fail(err == "timeout" and "timeout" or "network", "TCP: " .. tostring(err or "send failed"))
  end
  return msg
end

-- an answer to exactly our question, or nil (spoofed, stray, garbage)
local function ours(ans, name, qtype)
  return ans and ans.question and ans.question.name == name and ans.question.type == qtype
end

-- one exchange with one server: answer, wire | nil, err
function Source:exchange(server, name, qtype, ms)
  local q, id = wire.encode(name, qtype, nil, self.edns)
  if not q then return nil, errors.wrap(id) end
  local sock = ngx.socket.udp()
  sock:settimeout(ms)
  local ok, err = sock:setpeername(server.host, server.port)
  if ok then ok, err = sock:send(q) end
  if not ok then sock:close() return fail("network", tostring(err)) end
  self.counts.sent = self.counts.sent + 1
  local give_up = ngx.now() + ms / 1000
  while true do
    local data
    data, err = sock:receive()
    if not data then
      sock:close()
      return fail(err == "timeout" and "timeout" or "network", tostring(err))
    end
    local ans = wire.decode(data, id)
    if ans and ans.tc then
      sock:close()
      self.counts.tcp = self.counts.tcp + 1
      local msg, terr = tcp_exchange(server, q, ms)
      if not msg then return nil, terr end
      ans, terr = wire.decode(msg, id)
      if not ours(ans, name, qtype) then return fail("bad-answer", "TCP: " .. tostring(terr or "not our question")) end
      return ans, msg
    end
    if ours(ans, name, qtype) then sock:close() return ans, data end
    -- not our answer (spoofed, stray, garbage): wait on, within our time
    ngx.update_time()
    local left = floor((give_up - ngx.now()) * 1000)
    if left <= 0 then sock:close() return fail("timeout", "no answer to our question") end
    sock:settimeout(left)
  end
end

local RETRY_RCODES = { SERVFAIL = true, REFUSED = true, NOTIMP = true, FORMERR = true }

-- nameservers in turn, retries rounds, within the deadline
function Source:ask(name, qtype)
  local last, lerr
  for _ = 0, self.retries do
    for _, server in ipairs(self.servers) do
      local left = self:left()
      if left <= 0 then return last, lerr or errors.new("timeout", "deadline passed") end
      local ms = floor(min(self.timeout, left) * 1000 + 0.5)
      local ans, msg = self:exchange(server, name, qtype, ms > 0 and ms or 1)
      if ans and not RETRY_RCODES[ans.rcode] then return ans, msg end
      if ans then last, lerr = ans, nil else lerr = msg end
      if not ans and msg.code == "bad-name" then return nil, msg end
    end
  end
  if lerr and lerr.code == "timeout" then self.counts.timeouts = self.counts.timeouts + 1 end
  return last, lerr
end

local function norm(name)
  return (name:lower():gsub("%.$", ""))
end

--- Ask one question (yields while waiting).
-- @tparam string name e.g. "example.com"
-- @tparam string qtype "TXT", "A", "AAAA", "MX", "PTR", ...
-- @return answer `{ rcode =, records =, ms =, cached = }` or `nil, err`
--   (err.code "timeout", "network", "bad-answer", ...)
function Source:query(name, qtype)
  if type(name) ~= "string" or type(qtype) ~= "string" then
    error("spfkit.openresty.dns: query(name, qtype) expects two strings", 2)
  end
  self.counts.queries = self.counts.queries + 1
  name = norm(name)
  local key = key_of(name, qtype)
  local hit = self:cached(key)
  if hit then return hit end
  local t0 = ngx.now()
  local ans, msg = self:ask(name, qtype)
  if not ans or type(msg) ~= "string" then return ans, msg end
  self:store(key, qtype, ans, msg)
  ngx.update_time()
  ans.ms = (ngx.now() - t0) * 1000
  return ans
end

local FAILED = { timeout = "TIMEOUT", network = "NETWORK" }

-- an answer table in every case (the shape spfkit.check's query_many wants)
function Source:answer(name, qtype)
  local ok, ans, err = pcall(self.query, self, name, qtype)
  if ok and type(ans) == "table" then return ans end
  local code = ok and type(err) == "table" and err.code
  return { rcode = FAILED[code] or "ERROR", records = {}, error = tostring(ok and err or ans) }
end

--- Ask several independent questions at once, each in its own light
-- thread (`ngx.thread.spawn`): the wait is the slowest one's, not the sum.
-- @tparam table list `{ {name, qtype}, ... }`
-- @treturn table answers in the same order; failures are
--   `{ rcode = "TIMEOUT"|"NETWORK"|"ERROR", records = {} }`
function Source:query_many(list)
  if type(list) ~= "table" then error("spfkit.openresty.dns: query_many expects a list", 2) end
  local out, threads = {}, {}
  for i, q in ipairs(list) do
    local hit = self:cached(key_of(norm(tostring(q[1])), tostring(q[2])))
    if hit then
      self.counts.queries = self.counts.queries + 1
      out[i] = hit
    else
      threads[i] = ngx.thread.spawn(self.answer, self, q[1], q[2])
    end
  end
  for i = 1, #list do
    if threads[i] then
      local ok, ans = ngx.thread.wait(threads[i])
      out[i] = ok and ans or { rcode = "ERROR", records = {}, error = tostring(ans) }
    end
  end
  return out
end

--- Options for `spfkit.check` that make it ask this source (deferred mode,
-- with `query_many`): `spfkit.check(src:check_options{ ip =, sender = })`.
-- @tparam table opts the other options of spfkit.check
-- @treturn table a copy of opts with `query` and `query_many`
function Source:check_options(opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.query = function(name, qtype) return self:query(name, qtype) end
  o.query_many = function(list) return self:query_many(list) end
  return o
end

--- Counters: `{ queries =, sent = (UDP messages), hits = (shared dict),
-- timeouts =, tcp = }`.
function Source:stats()
  local s = {}
  for k, v in pairs(self.counts) do s[k] = v end
  return s
end

return M
