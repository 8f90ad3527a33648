-- spfkit.dns.encode / spfkit.dns.decode (issue 3): the ldns wire codec an
-- nginx handler uses with ngx.socket.udp. Real answers come from NSD
-- through r:exchange; garbage and mutations must never crash.
local spfkit = require "spfkit"
local nsd = require "spec.support.nsd"

local codec = spfkit.dns
local floor = math.floor

local function u16(s, i) return s:byte(i) * 256 + s:byte(i + 1) end
local function be16(n) return string.char(floor(n / 256), n % 256) end

-- hand-made answers: header + question + records
local function name_wire(n)
  local out = {}
  for label in n:gmatch("[^.]+") do out[#out + 1] = string.char(#label) .. label end
  return table.concat(out) .. "\0"
end

local function rr(owner, rtype, rdata, ttl)
  return name_wire(owner) .. be16(rtype) .. be16(1) .. "\0\0" .. be16(ttl or 300) .. be16(#rdata) .. rdata
end

local function answer(id, qname, qtype, records, flags, rcode)
  return be16(id) .. string.char(flags or 0x81, 0x80 + (rcode or 0)) .. be16(1) .. be16(#records)
    .. be16(0) .. be16(0) .. name_wire(qname) .. be16(qtype) .. be16(1) .. table.concat(records)
end

describe("spfkit.dns.encode", function()
  it("builds a query with the id, RD and the question", function()
    local wire, id = assert(codec.encode("Example.COM.", "TXT", 4660))
    assert.equal(4660, id)
    assert.equal(4660, u16(wire, 1))
    assert.equal(0x01, wire:byte(3))              -- QR clear, RD set
    assert.equal(1, u16(wire, 5))                 -- one question
    assert.equal(name_wire("example.com") .. be16(16) .. be16(1), wire:sub(13, 12 + 13 + 4))
    assert.equal(1, u16(wire, 11))                -- EDNS OPT by default
    local plain = assert(codec.encode("example.com", "TXT", 1, 0))
    assert.equal(0, u16(plain, 11))
    assert.equal(12 + 13 + 4, #plain)
  end)

  it("picks random ids", function()
    local seen, n = {}, 0
    for _ = 1, 50 do
      local _, id = codec.encode("example.com", "A")
      assert.is_true(id >= 0 and id <= 65535)
      if not seen[id] then n = n + 1 seen[id] = true end
    end
    assert.is_true(n > 40)
  end)

  it("returns nil, err for names that cannot be asked", function()
    for _, bad in ipairs{ "", ".", "a..b", ("a"):rep(64) .. ".com", (("a"):rep(60) .. "."):rep(5) .. "com" } do
      local w, err = codec.encode(bad, "A")
      assert.is_nil(w, bad)
      assert.equal("bad-name", err.code)
    end
  end)

  it("raises on programmer errors", function()
    assert.has_error(function() codec.encode(1, "A") end)
    assert.has_error(function() codec.encode("example.com", "BOGUS") end)
    assert.has_error(function() codec.encode("example.com", "A", 70000) end)
    assert.has_error(function() codec.encode("example.com", "A", 1, 100) end)
  end)
end)

describe("spfkit.dns.decode", function()
  it("decodes records of every type the engine uses", function()
    local w = answer(7, "example.com", 16, {
      rr("example.com", 16, "\7v=spf1 \4-all"),
      rr("example.com", 1, "\192\0\2\1"),
      rr("example.com", 28, ("\0"):rep(15) .. "\1"),
      rr("example.com", 15, be16(10) .. name_wire("MX.Example.com")),
      rr("example.com", 12, name_wire("ptr.example.com"), 60),
    })
    local a = assert(codec.decode(w, 7))
    assert.equal("NOERROR", a.rcode)
    assert.equal(7, a.id)
    assert.is_false(a.tc)
    assert.same({ name = "example.com", type = "TXT" }, a.question)
    assert.same({ name = "example.com", type = "TXT", ttl = 300, data = { "v=spf1 ", "-all" } }, a.records[1])
    assert.equal("192.0.2.1", a.records[2].data)
    assert.equal("::1", a.records[3].data)
    assert.same({ 10, "mx.example.com" }, a.records[4].data)
    assert.same({ name = "example.com", type = "PTR", ttl = 60, data = "ptr.example.com" }, a.records[5])
  end)

  it("keeps the CNAME chain and drops records of other names", function()
    local w = answer(9, "www.example.com", 1, {
      rr("evil.example.org", 1, "\203\0\113\1"),
      rr("www.example.com", 5, name_wire("web.example.com")),
      rr("web.example.com", 1, "\192\0\2\80"),
    })
    local a = assert(codec.decode(w))
    assert.equal(2, #a.records)
    assert.equal("CNAME", a.records[1].type)
    assert.equal("192.0.2.80", a.records[2].data)
  end)

  it("returns nil, err for garbage, short, oversized, queries and wrong ids", function()
    local cases = {
      { "", "short" }, { "\1\2\3", "short" },
      { ("\255"):rep(100), "bad-answer" },
      { ("x"):rep(65536), "oversized" },
      { (codec.encode("example.com", "A", 5)), "not-answer" },
      { answer(5, "example.com", 1, {}), "wrong-id", 6 },
    }
    for _, c in ipairs(cases) do
      local a, err = codec.decode(c[1], c[3])
      assert.is_nil(a)
      assert.equal(c[2], err.code)
      assert.is_string(err.message)
    end
    assert.has_error(function() codec.decode(nil) end)
    assert.has_error(function() codec.decode("", 1e6) end)
  end)

  it("reports truncation, even when the message is cut mid-record", function()
    local w = answer(3, "example.com", 16, { rr("example.com", 16, "\7v=spf1 \4-all") }, 0x83)
    local a = assert(codec.decode(w))
    assert.is_true(a.tc)
    a = assert(codec.decode(w:sub(1, #w - 5)))
    assert.is_true(a.tc)
    assert.same({}, a.records)
  end)

  it("never crashes on random bytes or mutated answers", function()
    math.randomseed(7208)
    local base = answer(1, "example.com", 16, {
      rr("example.com", 16, "\7v=spf1 \4-all"), rr("example.com", 15, be16(10) .. name_wire("mx.example.com")),
    })
    for i = 1, 3000 do
      local w
      if i % 2 == 0 then
        local t = {}
        for j = 1, math.random(0, 120) do t[j] = string.char(math.random(0, 255)) end
        w = table.concat(t)
      else
        local t = { base:byte(1, -1) }
        for _ = 1, math.random(1, 6) do t[math.random(3, #t)] = math.random(0, 255) end
        w = string.char((table.unpack or unpack)(t)):sub(1, math.random(12, #base))
      end
      local a, err = codec.decode(w)
      assert.is_true(type(a) == "table" or type(err) == "table")
    end
  end)

  describe("against NSD", function()
    local srv, r

    setup(function()
      if nsd.available() then
        srv = assert(nsd.start{ zones = nsd.spf_zones() })
        r = spfkit.resolver{ nameservers = { srv.addr }, timeout = 1 }
      end
    end)

    teardown(function()
      if r then r:close() end
      if srv then srv:stop() end
    end)

    before_each(function() if not r then pending("nsd is not installed") end end)

    it("round-trips queries and answers", function()
      local q, id = codec.encode("mxd.example.com", "MX")
      local a = assert(codec.decode(assert(r:exchange(q)), id))
      assert.equal(id, a.id)
      assert.equal(3, #a.records)
      assert.same(assert(r:query("mxd.example.com", "MX")).records, a.records)
    end)

    it("gets NXDOMAIN with the SOA minimum", function()
      local q, id = codec.encode("nx.example.com", "A")
      local a = assert(codec.decode(assert(r:exchange(q)), id))
      assert.equal("NXDOMAIN", a.rcode)
      assert.equal(60, a.neg_ttl)
    end)

    it("sees TC for the 3 KB TXT over UDP and gets it whole over TCP", function()
      local q, id = codec.encode("big.example.com", "TXT")
      local a = assert(codec.decode(assert(r:exchange(q, "udp")), id))
      assert.is_true(a.tc)
      a = assert(codec.decode(assert(r:exchange(q, "tcp")), id))
      assert.is_false(a.tc)
      assert.equal((nsd.big_record()), table.concat(a.records[1].data))
    end)

    it("rejects the answer when the id is not ours", function()
      local q, id = codec.encode("soft.example.com", "TXT")
      local a, err = codec.decode(assert(r:exchange(q)), (id + 1) % 65536)
      assert.is_nil(a)
      assert.equal("wrong-id", err.code)
    end)
  end)
end)
