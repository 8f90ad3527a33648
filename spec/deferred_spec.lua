-- Deferred mode (issue 3): spfkit.check{query = fn} driven from a coroutine
-- that yields on every query gives exactly the blocking results, trace
-- included (except ms), against a real NSD.
local spfkit = require "spfkit"
local core = require "spfkit.core"
local nsd = require "spec.support.nsd"
local fake = require "spec.support.fakedns"

if not nsd.available() then
  describe("deferred mode", function()
    pending("nsd is not installed (make deps installs it)")
  end)
  return
end

-- Runs spfkit.check with a query function that yields (name, qtype) to a
-- driver, which answers with fetch(name, qtype). Returns the check's return
-- values and the list of queries in the order they were asked.
local function deferred(opts, fetch)
  local asked = {}
  local copts = {}
  for k, v in pairs(opts) do copts[k] = v end
  copts.query = function(name, qtype) return coroutine.yield(name, qtype) end
  local co = coroutine.create(function() return spfkit.check(copts) end)
  local res = { coroutine.resume(co) }
  while coroutine.status(co) ~= "dead" do
    assert(res[1], res[2])
    asked[#asked + 1] = res[2] .. "/" .. res[3]
    res = { coroutine.resume(co, fetch(res[2], res[3])) }
  end
  assert(res[1], res[2])
  return res[2], res[3], asked
end

local function blocking_vs_deferred(dns, opts, fetch)
  local copts = {}
  for k, v in pairs(opts) do copts[k] = v end
  copts.dns = dns
  local want = assert(spfkit.check(copts))
  local got, err, asked = deferred(opts, fetch or function(n, t) return dns:query(n, t) end)
  assert.is_nil(err)
  assert.same(nsd.strip_ms(want), nsd.strip_ms(got))
  for i, e in ipairs(got.trace) do assert.is_number(e.ms, "trace[" .. i .. "].ms") end
  return want, got, asked
end

describe("deferred mode", function()
  local srv, r

  setup(function()
    srv = assert(nsd.start{ zones = nsd.spf_zones() })
    r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 2, retries = 1 }
  end)

  teardown(function()
    if r then r:close() end
    if srv then srv:stop() end
  end)

  describe("gives the blocking results, trace included", function()
    for _, c in ipairs(nsd.CASES) do
      it(("%s from %s is %s"):format(c.sender ~= "" and c.sender or c.helo, c.ip, c.result), function()
        local want, got, asked = blocking_vs_deferred(r, { ip = c.ip, sender = c.sender, helo = c.helo })
        assert.equal(c.result, got.result)
        assert.equal(want.received_spf, got.received_spf)
        -- every query the driver saw is distinct
        local seen = {}
        for _, q in ipairs(asked) do
          assert.is_nil(seen[q], "asked twice: " .. q)
          seen[q] = true
        end
      end)
    end
  end)

  describe("failures", function()
    it("timeouts (silent server)", function()
      local s = assert(fake.start("silent"))
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 0.1, retries = 0 }
      local _, got = blocking_vs_deferred(x, { ip = "192.0.2.1", sender = "a@example.com" })
      assert.equal("temperror", got.result)
      assert.equal("TIMEOUT", got.trace[1].rcode)
      x:close()
      s:stop()
    end)

    it("network errors (nothing listening)", function()
      local s = assert(fake.start("silent"))
      s:stop()
      local x = spfkit.resolver{ nameservers = { s.addr }, timeout = 0.3, retries = 0 }
      local _, got = blocking_vs_deferred(x, { ip = "192.0.2.1", sender = "a@example.com" })
      assert.equal("NETWORK", got.trace[1].rcode)
      x:close()
    end)

    it("truncated answers with tcp = \"never\"", function()
      local x = spfkit.resolver{ nameservers = { srv.addr }, tcp = "never", edns = 0 }
      local _, got = blocking_vs_deferred(x, { ip = "192.0.2.200", sender = "a@big.example.com" })
      assert.equal("temperror", got.result)
      assert.equal("ERROR", got.trace[1].rcode)
      x:close()
    end)

    it("a query function that raises gives temperror", function()
      local got = spfkit.check{ ip = "192.0.2.1", sender = "a@example.com", query = function() error("boom") end }
      assert.equal("temperror", got.result)
      assert.equal("ERROR", got.trace[1].rcode)
    end)

    it("a truncated answer (tc) from the codec is an error, not NODATA", function()
      local got = spfkit.check{ ip = "192.0.2.200", sender = "a@big.example.com",
                                query = function() return { rcode = "NOERROR", records = {}, tc = true } end }
      assert.equal("temperror", got.result)
      assert.equal("ERROR", got.trace[1].rcode)
    end)

    it("a query function that returns garbage gives temperror", function()
      local got = spfkit.check{ ip = "192.0.2.1", sender = "a@example.com",
                                query = function() return { rcode = "NOERROR", records = { { type = "A", data = "x" } } } end }
      assert.equal("temperror", got.result)
    end)
  end)

  describe("through a shared cache", function()
    it("marks cached answers in both paths", function()
      local c = spfkit.cache{ max = 100 }
      local view = c:over(r)
      local opts = { ip = "192.0.2.12", sender = "a@mxd.example.com", dns = view }
      local function fetch(n, t) return view:query(n, t) end
      local cold_b = assert(spfkit.check(opts))
      c:flush()
      local cold_d = deferred({ ip = opts.ip, sender = opts.sender }, fetch)
      assert.same(nsd.strip_ms(cold_b), nsd.strip_ms(cold_d))
      for _, e in ipairs(cold_d.trace) do assert.is_nil(e.cached) end
      local warm_b = assert(spfkit.check(opts))
      local warm_d = deferred({ ip = opts.ip, sender = opts.sender }, fetch)
      assert.same(nsd.strip_ms(warm_b), nsd.strip_ms(warm_d))
      for _, e in ipairs(warm_d.trace) do assert.is_true(e.cached) end
      assert.equal(4, #warm_d.trace)
    end)
  end)

  describe("rounds", function()
    local real_check
    local rounds

    before_each(function()
      real_check = core.check
      rounds = {}
      core.check = function(opts)
        local res, err = real_check(opts)
        if res and res.missing then
          local m = {}
          for i, q in ipairs(res.missing) do m[i] = q.name .. "/" .. q.type end
          rounds[#rounds + 1] = m
        end
        return res, err
      end
    end)

    after_each(function() core.check = real_check end)

    it("returns the addresses of all MX hosts of a term together", function()
      local got = deferred({ ip = "192.0.2.99", sender = "a@mxd.example.com" },
                           function(n, t) return r:query(n, t) end)
      assert.equal("fail", got.result)
      assert.same({ { "mxd.example.com/TXT" }, { "mxd.example.com/MX" },
                    { "mx1.mxd.example.com/A", "mx2.mxd.example.com/A", "mx3.mxd.example.com/A" } }, rounds)
    end)

    it("returns the addresses of all PTR names together", function()
      deferred({ ip = "192.0.2.67", sender = "a@ptrd.example.com" }, function(n, t) return r:query(n, t) end)
      assert.same({ "67.2.0.192.in-addr.arpa/PTR" }, rounds[2])
      assert.same({ "nowhere.example.com/A" }, rounds[3])
    end)

    it("is bounded by max_rounds", function()
      local got = spfkit.check{ ip = "198.51.100.7", sender = "a@inc.example.com", max_rounds = 2,
                                query = function(n, t) return r:query(n, t) end }
      assert.equal("temperror", got.result)
      assert.equal("too-many-rounds", got.problem_code)
    end)
  end)

  describe("with the wire codec over (fake) cosockets", function()
    -- ngx.socket.udp / ngx.socket.tcp stand-ins: they hand the bytes to NSD
    -- through r:exchange, so the codec sees NSD's real wire answers.
    local floor = math.floor
    local function sockets(x)
      local function udp()
        local sent
        return { settimeout = function() end, setpeername = function() return true end,
                 send = function(_, q) sent = q return true end,
                 receive = function() return x:exchange(sent, "udp") end,
                 close = function() end }
      end
      local function tcp()
        local buf = ""
        return { settimeout = function() end, connect = function() return true end,
                 send = function(_, s)
                   local n = s:byte(1) * 256 + s:byte(2)
                   assert(n == #s - 2)
                   local a = assert(x:exchange(s:sub(3), "tcp"))
                   buf = string.char(floor(#a / 256), #a % 256) .. a
                   return true
                 end,
                 receive = function(_, n) local o = buf:sub(1, n) buf = buf:sub(n + 1) return o end,
                 close = function() end }
      end
      return udp, tcp
    end

    for _, c in ipairs(nsd.CASES) do
      it(("%s from %s is %s"):format(c.sender ~= "" and c.sender or c.helo, c.ip, c.result), function()
        local udp, tcp = sockets(r)
        local query = spfkit.dns.socket_query{ host = "127.0.0.1", port = srv.port, udp = udp, tcp = tcp }
        local _, got = blocking_vs_deferred(r, { ip = c.ip, sender = c.sender, helo = c.helo }, query)
        assert.equal(c.result, got.result)
      end)
    end

    it("reports truncation when no tcp is given", function()
      local udp = sockets(r)
      local query = spfkit.dns.socket_query{ host = "127.0.0.1", port = srv.port, udp = udp }
      local a, err = query("big.example.com", "TXT")
      assert.is_nil(a)
      assert.equal("truncated", err.code)
    end)
  end)
end)
