--- spfkit.dns.luacache: `spfkit.cache` over a DNS source written in Lua.
--
-- The C cache (csrc/dns_cache.c) serves C sources (resolver, zone); a
-- source written in Lua — any object with `:query(name, qtype)` (and
-- optionally `:query_many(list)`), such as `spfkit.openresty.dns{}` or a
-- test double — gets the same cache through `cache:over(source)`: the same
-- TTL rule (`spfkit.dns.ttl`), the same options, LRU bound, clock
-- (`cache:advance`), `flush` and one `stats()` for both sides. This module
-- adds the Lua side to the C cache class once (the luaossl pattern: the C
-- class, methods completed in Lua).
-- @module spfkit.dns.luacache

local core = require "spfkit.core"
local ttl = require "spfkit.dns.ttl"

local type, tostring, ipairs, pcall, error, setmetatable, getmetatable =
  type, tostring, ipairs, pcall, error, setmetatable, getmetatable

local M = {}

-- the Lua side of each C cache (weak keys: it goes with its cache)
local sides = setmetatable({}, { __mode = "k" })

local Side = {}
Side.__index = Side

local function new_side(policy, max)
  return setmetatable({ policy = policy, max = max, entries = {}, size = 0, skew = 0,
                        head = nil, tail = nil, hits = 0, misses = 0, inserts = 0,
                        evictions = 0, expired = 0 }, Side)
end

function Side:now() return core.now_ms() + self.skew end

function Side:unlink(e)
  if e.prev then e.prev.next = e.next else self.head = e.next end
  if e.next then e.next.prev = e.prev else self.tail = e.prev end
  e.prev, e.next = nil, nil
end

function Side:push(e)
  e.next = self.head
  if self.head then self.head.prev = e else self.tail = e end
  self.head = e
end

function Side:remove(e)
  self:unlink(e)
  self.entries[e.key] = nil
  self.size = self.size - 1
end

-- a fresh answer (TTLs aged, marked cached) or nil
function Side:get(key)
  local e = self.entries[key]
  if not e then return nil end
  local now = self:now()
  if e.expires <= now then
    self:remove(e)
    self.expired = self.expired + 1
    return nil
  end
  self:unlink(e)
  self:push(e)
  self.hits = self.hits + 1
  return ttl.aged(e.ans, (now - e.stored) / 1000)
end

function Side:put(key, qtype, ans)
  local secs = ttl.answer_ttl(ans, qtype, self.policy)
  if secs <= 0 or self.max == 0 then return end
  if self.entries[key] then self:remove(self.entries[key]) end
  local now = self:now()
  local e = { key = key, ans = ttl.aged(ans, 0), stored = now, expires = now + secs * 1000 }
  e.ans.cached, e.ans.ms = nil, nil
  self.entries[key] = e
  self:push(e)
  self.size, self.inserts = self.size + 1, self.inserts + 1
  while self.size > self.max do
    self:remove(self.tail)
    self.evictions = self.evictions + 1
  end
end

function Side:flush()
  self.entries, self.head, self.tail, self.size = {}, nil, nil, 0
end

-- A view: the cache in front of one Lua source ----------------------------

local View = {}
View.__index = View

local function key_of(name, qtype) return (name:lower():gsub("%.$", "")) .. " " .. qtype end

local function ask(source, name, qtype)
  if type(source) == "function" then return source(name, qtype) end
  return source:query(name, qtype)
end

--- view:query(name, qtype) -> answer (cached = true when from the cache) | nil, err
function View:query(name, qtype)
  if self.closed then error("spfkit.cache view: closed", 2) end
  if type(name) ~= "string" or type(qtype) ~= "string" then
    error("spfkit.cache view: query(name, qtype) expects two strings", 2)
  end
  local side, key = self.side, key_of(name, qtype)
  local hit = side:get(key)
  if hit then return hit end
  local ans, err = ask(self.source, name, qtype)
  if type(ans) ~= "table" then return nil, err end
  side.misses = side.misses + 1
  side:put(key, qtype, ans)
  return ans
end

local FAILED = { timeout = "TIMEOUT", network = "NETWORK" }

local function as_answer(ok, ans, err)
  if ok and type(ans) == "table" then return ans end
  local code = ok and type(err) == "table" and err.code
  return { rcode = FAILED[code] or "ERROR", records = {}, error = tostring(ok and err or ans) }
end

-- the answers to the questions not in the cache, through the source
function View:fetch(list, idx)
  local qs = {}
  for i, j in ipairs(idx) do qs[i] = list[j] end
  local src = self.source
  if type(src) ~= "function" and type(src.query_many) == "function" and #qs > 1 then
    local ok, got = pcall(src.query_many, src, qs)
    if ok and type(got) == "table" then return got end
  end
  local got = {}
  for i, q in ipairs(qs) do got[i] = as_answer(pcall(ask, src, q[1], q[2])) end
  return got
end

--- view:query_many({{name, qtype}, ...}) -> answers in order; what the
-- cache lacks is asked together (the source's query_many when it has one)
function View:query_many(list)
  if self.closed then error("spfkit.cache view: closed", 2) end
  local out, idx, side = {}, {}, self.side
  for i, q in ipairs(list) do
    out[i] = side:get(key_of(q[1], q[2]))
    if not out[i] then idx[#idx + 1] = i end
  end
  if #idx == 0 then return out end
  local got = self:fetch(list, idx)
  for k, i in ipairs(idx) do
    local ans = as_answer(true, got[k])
    if ans.rcode ~= "TIMEOUT" and ans.rcode ~= "NETWORK" and ans.rcode ~= "ERROR" then
      side.misses = side.misses + 1
      side:put(key_of(list[i][1], list[i][2]), list[i][2], ans)
    end
    out[i] = ans
  end
  return out
end

function View:close() self.closed = true end

function View:__tostring()
  if self.closed then return "spfkit.cache view (closed)" end
  return "spfkit.cache view over a Lua source (" .. self.side.size .. " cached answers)"
end

local function is_lua_source(s)
  if type(s) == "function" then return true end
  if core.is_source(s) then return false end
  local ok, q = pcall(function() return s.query end)
  return ok and type(q) == "function"
end

-- Completing the C class --------------------------------------------------

local function patch(methods, mt)
  local c_over, c_stats, c_flush, c_advance, c_close =
    methods.over, methods.stats, methods.flush, methods.advance, methods.close
  methods.over = function(c, source)
    local side = sides[c]
    if side and is_lua_source(source) then
      c_stats(c)   -- raises on a closed cache
      return setmetatable({ side = side, source = source }, View)
    end
    return c_over(c, source)
  end
  methods.stats = function(c)
    local s, side = c_stats(c), sides[c]
    if side then
      for _, k in ipairs{ "hits", "misses", "size", "inserts", "evictions", "expired" } do s[k] = s[k] + side[k] end
    end
    return s
  end
  methods.flush = function(c)
    c_flush(c)
    if sides[c] then sides[c]:flush() end
  end
  methods.advance = function(c, s)
    c_advance(c, s)
    if sides[c] then sides[c].skew = sides[c].skew + s * 1000 end
  end
  methods.close = function(c)
    if sides[c] then sides[c]:flush() end
    return c_close(c)
  end
  mt.__tostring = function(c)
    local ok, s = pcall(methods.stats, c)
    if not ok then return "spfkit.cache (closed)" end
    return ("spfkit.cache (%d/%d entries, %d hits, %d misses)"):format(s.size, s.max, s.hits, s.misses)
  end
  methods.__spfkit_lua_side = true
end

--- Give a new C cache its Lua side.
-- @param c the cache of core.cache
-- @tparam table policy `{ min_ttl =, max_ttl =, max_neg_ttl = }`
-- @tparam number max entries
-- @return c
function M.attach(c, policy, max)
  local mt = getmetatable(c)
  local methods = mt.__index
  if not methods.__spfkit_lua_side then patch(methods, mt) end
  sides[c] = new_side(policy, max)
  return c
end

M.View = View

return M
