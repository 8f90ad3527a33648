local spfkit = require "spfkit"
local core = require "spfkit.core"

local FIX = "spec/fixtures/zones/"

local function load(path, origin)
  local z, err = spfkit.zone_file(path, origin)
  assert(z, err and err.message)
  return z
end

local function check(z, ip, sender)
  return assert(spfkit.check{ ip = ip, sender = sender, helo = "mail.example.net", dns = z })
end

-- the one record of that type (asserts there is exactly one)
local function one(z, name, qtype)
  local a = assert(z:query(name, qtype))
  assert.are.equal("NOERROR", a.rcode)
  local found = {}
  for _, r in ipairs(a.records) do
    if r.type == qtype then found[#found + 1] = r end
  end
  assert.are.equal(1, #found, name .. " " .. qtype)
  return found[1]
end

-- writes text to a temporary file, calls fn(path), removes the file
local function with_file(text, fn)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  local ok, e = pcall(fn, path)
  os.remove(path)
  if not ok then error(e, 0) end
end

-- asserts the error shape and returns err
local function fails(path, origin, line, text)
  local z, err = spfkit.zone_file(path, origin)
  assert.is_nil(z)
  assert.are.equal("table", type(err))
  assert.are.equal("zone-file", err.code)
  assert.are.equal(line, err.line)
  if line then
    assert.are.equal(path .. ":" .. line .. ": " .. text, err.message)
  else
    assert.are.equal(path .. ": " .. text, err.message)
  end
  return err
end

describe("spfkit.zone_file", function()
  describe("examples/zones/example.jp.zone", function()
    local z = load("examples/zones/example.jp.zone")

    it("is the Zenlogic notice's example: 164.0.1.2 softfails, 192.0.2.5 passes", function()
      local r = check(z, "164.0.1.2", "taro@example.jp")
      assert.are.equal("softfail", r.result)
      assert.are.equal("v=spf1 include:_spf.example.jp ~all", r.record)
      assert.are.equal("pass", check(z, "192.0.2.5", "taro@example.jp").result)
    end)

    it("holds the same data as example.jp.lua, with the file's TTLs", function()
      local t = dofile("examples/zones/example.jp.lua")
      local tz = assert(spfkit.zone(t))
      for name in pairs(t) do
        for _, qtype in ipairs{ "A", "AAAA", "MX", "TXT", "CNAME" } do
          local a, b = assert(tz:query(name, qtype)), assert(z:query(name, qtype))
          assert.are.equal(a.rcode, b.rcode)
          assert.are.equal(#a.records, #b.records, name .. " " .. qtype)
          for i, r in ipairs(b.records) do
            assert.are.same(a.records[i].data, r.data)
            assert.are.equal(300, a.records[i].ttl)
            assert.are.equal(3600, r.ttl)
          end
        end
      end
      -- SOA is skipped, NS is kept
      assert.are.equal(0, #assert(z:query("example.jp", "SOA")).records)
      assert.are.equal(2, #assert(z:query("example.jp", "NS")).records)
      assert.are.equal("NXDOMAIN", z:query("ns1.example.jp", "A").rcode)
    end)
  end)

  describe("master-file syntax (spec/fixtures/zones/syntax.zone)", function()
    local z = load(FIX .. "syntax.zone")

    it("reads $ORIGIN, @, blank owners and relative names", function()
      assert.are.equal("v=spf1 mx a:relay.example.com -all", one(z, "example.com", "TXT").data[1])
      local mx = assert(z:query("example.com", "MX")).records
      assert.are.same({ 10, "mx.example.com" }, mx[1].data)
      assert.are.same({ 20, "mx2.example.net" }, mx[2].data)
      assert.are.equal("ns1.example.net", one(z, "example.com", "NS").data)
      assert.are.equal("192.0.2.10", one(z, "mx.example.com", "A").data)
      assert.are.equal("192.0.2.20", one(z, "relay.example.com", "A").data)
      -- names are case-insensitive
      assert.are.equal("v=spf1 -all", one(z, "mixed.case.example.com", "TXT").data[1])
      assert.are.equal("v=spf1 -all", one(z, "MIXED.case.EXAMPLE.com.", "TXT").data[1])
    end)

    it("takes a relative $ORIGIN relative to the current one", function()
      assert.are.equal("192.0.2.30", one(z, "host.sub.example.com", "A").data)
      assert.are.equal("NXDOMAIN", z:query("host.sub", "A").rcode)
      assert.are.same({ "v=spf1 -all" }, one(z, "legacy.sub.example.com", "SPF").data)
    end)

    it("keeps TTLs as written: $TTL, explicit, and a later $TTL", function()
      assert.are.equal(7200, one(z, "example.com", "TXT").ttl)
      assert.are.equal(7200, one(z, "mx.example.com", "A").ttl)
      assert.are.equal(600, one(z, "mx.example.com", "AAAA").ttl)
      assert.are.equal(60, one(z, "relay.example.com", "A").ttl)
      assert.are.equal(86400, one(z, "late.example.com", "TXT").ttl)
      assert.are.equal(86400, one(z, "host.sub.example.com", "A").ttl)
    end)

    it("reads parenthesised multi-line TXT as several strings, joined by the engine", function()
      assert.are.same({ "v=spf1 ip4:192.0.2.0/24 ", "include:_spf.example.net ", "-all" },
                      one(z, "split.example.com", "TXT").data)
      local r = check(z, "192.0.2.5", "a@split.example.com")
      assert.are.equal("pass", r.result)
      assert.are.equal("v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all", r.record)
    end)

    it("decodes quoted strings: \\\", \\DDD, \\\\ and ; inside quotes", function()
      assert.are.same({ 'say "hi"', "caf\195\169", "a;b", "back\\slash" },
                      one(z, "quoted.example.com", "TXT").data)
    end)

    it("answers AAAA, PTR and CNAME (followed like a resolver)", function()
      assert.are.equal("2001:db8::10", one(z, "mx.example.com", "AAAA").data)
      assert.are.equal("mx.example.com", one(z, "10.2.0.192.in-addr.arpa", "PTR").data)
      assert.are.equal("example.com", one(z, "www.example.com", "CNAME").data)
      local a = assert(z:query("alias.example.com", "A"))
      assert.are.equal("CNAME", a.records[1].type)
      assert.are.equal("mx.example.com", a.records[1].data)
      assert.are.equal("192.0.2.10", a.records[2].data)
    end)

    it("skips SOA, CAA, unknown types and other classes", function()
      assert.are.equal(0, #assert(z:query("example.com", "SOA")).records)
      assert.are.equal("NXDOMAIN", z:query("unknown.sub.example.com", "A").rcode)
      assert.are.equal("NXDOMAIN", z:query("chaos.example.com", "TXT").rcode)
    end)

    it("is a DNS source for spfkit.check", function()
      assert.are.equal("pass", check(z, "192.0.2.10", "a@example.com").result)   -- mx
      assert.are.equal("pass", check(z, "192.0.2.20", "a@example.com").result)   -- a:relay
      assert.are.equal("fail", check(z, "192.0.2.99", "a@example.com").result)
      assert.are.equal("fail", check(z, "192.0.2.99", "a@mixed.case.example.com").result)
    end)
  end)

  it("reads TTL units, and keeps $TTL 0 (ldns alone would make it 3600)", function()
    with_file("$ORIGIN example.\n$TTL 0\na A 192.0.2.1\nb 1h30m A 192.0.2.2\n   2W TXT \"x\"\n" ..
              "c 2147483647 A 192.0.2.3\n$TTL 1d ; a day\nd A 192.0.2.4\n", function(path)
      local z = load(path)
      assert.are.equal(0, one(z, "a.example", "A").ttl)
      assert.are.equal(5400, one(z, "b.example", "A").ttl)
      assert.are.equal(1209600, one(z, "b.example", "TXT").ttl)
      assert.are.equal(2147483647, one(z, "c.example", "A").ttl)
      assert.are.equal(86400, one(z, "d.example", "A").ttl)
    end)
  end)

  it("reads CRLF line ends", function()
    with_file('$ORIGIN example.\r\n$TTL 60\r\n@ TXT "v=spf1 -all"\r\nwww 30 A 192.0.2.1\r\n', function(path)
      local z = load(path)
      assert.are.same({ "v=spf1 -all" }, one(z, "example", "TXT").data)
      assert.are.equal(60, one(z, "example", "TXT").ttl)
      assert.are.equal(30, one(z, "www.example", "A").ttl)
    end)
  end)

  describe("origin", function()
    it("is used for a file without $ORIGIN, with or without the trailing dot", function()
      for _, origin in ipairs{ "example.net", "example.net.", "EXAMPLE.net" } do
        local z = load(FIX .. "relative.zone", origin)
        assert.are.equal("v=spf1 ip4:198.51.100.0/24 -all", one(z, "example.net", "TXT").data[1])
        assert.are.same({ 5, "mail.example.net" }, one(z, "example.net", "MX").data)
        assert.are.equal(300, one(z, "mail.example.net", "A").ttl)
        assert.are.equal("pass", check(z, "198.51.100.25", "a@example.net").result)
      end
    end)

    it("gives way to the file's $ORIGIN", function()
      local z = load(FIX .. "syntax.zone", "other.test")
      assert.are.equal("192.0.2.10", one(z, "mx.example.com", "A").data)
      assert.are.equal("NXDOMAIN", z:query("mx.other.test", "A").rcode)
    end)

    it("is needed for relative names and @", function()
      fails(FIX .. "relative.zone", nil, 3,
            "relative name '@' and no origin ($ORIGIN or the origin argument)")
      fails(FIX .. "no-origin.zone", nil, 2,
            "relative name 'www' and no origin ($ORIGIN or the origin argument)")
      assert.are.equal("192.0.2.1", one(load(FIX .. "no-origin.zone", "example.org"), "www.example.org", "A").data)
      with_file("a.example. MX 10 mx\n", function(path)
        fails(path, nil, 1, "relative name 'mx' and no origin ($ORIGIN or the origin argument)")
      end)
      with_file("$ORIGIN sub\na A 192.0.2.1\n", function(path)
        fails(path, nil, 2, "relative name 'a.sub' and no origin ($ORIGIN or the origin argument)")
      end)
    end)

    it("must be a domain name", function()
      fails(FIX .. "relative.zone", "", nil, "origin is not a domain name")
      fails(FIX .. "relative.zone", string.rep("a", 64) .. ".example", nil, "origin is not a domain name")
    end)
  end)

  describe("bad input returns nil, err", function()
    it("for a missing file, a directory and a device", function()
      fails("spec/fixtures/zones/absent.zone", nil, nil, "No such file or directory")
      fails("spec/fixtures/zones", nil, nil, "Is a directory")
      fails("/dev/null", nil, nil, "not a regular file")
    end)

    it("for syntax errors, at the line where the record starts", function()
      fails(FIX .. "bad-rdata.zone", nil, 9, "Syntax error, could not parse the RR's rdata")
      fails(FIX .. "superfluous.zone", nil, 2, "Syntax error, superfluous text present")
      fails(FIX .. "unbalanced.zone", nil, 3, "Syntax error (unbalanced parentheses)")
      fails(FIX .. "bad-ttl.zone", nil, 2, "bad $TTL value")
      fails(FIX .. "big-ttl.zone", nil, 3, "bad TTL '2147483648' (0..2147483647, or units s m h d w)")
      with_file("$ORIGIN example.\na A (192.0.2.1\nb A 192.0.2.2\n", function(path)
        fails(path, nil, 2, "Syntax error, superfluous text present")
      end)
      with_file("$ORIGIN example.\n\n\na TXT \"" .. string.rep("x", 256) .. "\"\n", function(path)
        fails(path, nil, 4, "Syntax error, could not parse the RR's rdata")
      end)
    end)

    it("for TTL fields ldns would misread (junk after digits, wrap at 2^32)", function()
      for _, ttl in ipairs{ "1x", "4294967297", "2147483648", "99999999999", "1hh", "3w2y" } do
        with_file("$ORIGIN example.\n\na " .. ttl .. " A 192.0.2.1\n", function(path)
          fails(path, nil, 3, "bad TTL '" .. ttl .. "' (0..2147483647, or units s m h d w)")
        end)
      end
      for _, ttl in ipairs{ "5y", "4294967297", "-5", "" } do
        with_file("$ORIGIN example.\n$TTL " .. ttl .. "\n", function(path)
          fails(path, nil, 2, "bad $TTL value")
        end)
      end
    end)

    it("for $INCLUDE", function()
      fails(FIX .. "include.zone", nil, 2, "Syntax error, $INCLUDE not implemented")
    end)

    it("for binary junk", function()
      local junk = { "\0" }
      for i = 1, 4095 do junk[#junk + 1] = string.char((i * 131 + 7) % 256) end
      with_file("$ORIGIN example.\na A 192.0.2.1\n" .. table.concat(junk), function(path)
        local err = fails(path, nil, 3, "NUL byte: not a text zone file")
        assert.are.equal(3, err.line)
      end)
      with_file("\255\254\253 junk ((( \n", function(path)
        local z, err = spfkit.zone_file(path)
        assert.is_nil(z)
        assert.are.equal("zone-file", err.code)
        assert.are.equal(1, err.line)
      end)
    end)

    it("for over-long lines and records", function()
      local s = '"' .. string.rep("x", 250) .. '"'
      with_file("$ORIGIN example.\na TXT " .. string.rep(s .. " ", 300) .. "\n", function(path)
        fails(path, nil, 2, "line longer than 65535 bytes")
      end)
      with_file("$ORIGIN example.\n\na TXT (\n" .. string.rep(s .. "\n", 300) .. ")\n", function(path)
        fails(path, nil, 3, "record longer than 65535 bytes")
      end)
    end)

    it("for files over 16 MB", function()
      local line = ";" .. string.rep("x", 1022) .. "\n"
      with_file(string.rep(line, 16 * 1024 + 1), function(path)
        fails(path, nil, nil, "larger than 16 MB (the limit for a zone file)")
      end)
    end)

    it("for more than 200000 records #slow", function()
      local body = "$ORIGIN example.\na A 192.0.2.1\n" .. string.rep(" A 192.0.2.1\n", 199999)
      with_file(body, function(path)
        local z = load(path)
        assert.are.equal(200000, #assert(z:query("a.example", "A")).records)
      end)
      with_file(body .. " A 192.0.2.1\n", function(path)
        fails(path, nil, 200002, "more than 200000 records")
      end)
    end)

    it("for a path with a NUL byte", function()
      local z, err = spfkit.zone_file("spec\0x")
      assert.is_nil(z)
      assert.are.equal("zone-file", err.code)
      assert.are.equal("spec: path contains a NUL byte", err.message)
    end)

    it("and reads an empty file or comments only as an empty zone", function()
      with_file("", function(path)
        assert.are.equal("NXDOMAIN", load(path):query("example.com", "TXT").rcode)
      end)
      with_file("; nothing\n\n   \n$TTL 60\n", function(path)
        assert.are.equal("NXDOMAIN", load(path):query("example.com", "TXT").rcode)
      end)
    end)
  end)

  it("raises for programmer errors", function()
    assert.has_error(function() spfkit.zone_file(nil) end)
    assert.has_error(function() spfkit.zone_file(FIX .. "relative.zone", 5) end)
    assert.has_error(function() core.zone_file({}) end)
    assert.has_error(function() core.zone_file(FIX .. "relative.zone", {}) end)
  end)
end)

describe("spfkit.zone record ttl", function()
  it("defaults to 300 and takes ttl = n", function()
    local z = assert(spfkit.zone{
      ["example.com"] = { { TXT = "v=spf1 -all", ttl = 3600 }, { MX = { 10, "mx.example.com" } } },
      ["mx.example.com"] = { { ttl = 0, A = "192.0.2.10" }, { AAAA = "2001:db8::10", ttl = 2147483647 } },
      ["www.example.com"] = { { CNAME = "example.com", ttl = 60 } },
    })
    assert.are.equal(3600, one(z, "example.com", "TXT").ttl)
    assert.are.equal(300, one(z, "example.com", "MX").ttl)
    assert.are.equal(0, one(z, "mx.example.com", "A").ttl)
    assert.are.equal(2147483647, one(z, "mx.example.com", "AAAA").ttl)
    local a = assert(z:query("www.example.com", "TXT"))
    assert.are.equal(60, a.records[1].ttl)
    assert.are.equal(3600, a.records[2].ttl)
    assert.are.equal("fail", check(z, "192.0.2.10", "a@example.com").result)
  end)

  it("rejects bad ttl values", function()
    for _, bad in ipairs{ -1, 2147483648, 1.5, "3600", true, {}, math.huge, 0 / 0 } do
      local z, err = spfkit.zone{ ["example.com"] = { { TXT = "v=spf1 -all", ttl = bad } } }
      assert.is_nil(z, tostring(bad))
      assert.are.equal("bad-zone", err.code)
      assert.are.equal("zone: example.com: ttl must be an integer 0..2147483647", err.message)
    end
  end)

  it("is not a record type: still exactly one TYPE per record", function()
    local z, err = spfkit.zone{ ["example.com"] = { { ttl = 60 } } }
    assert.is_nil(z)
    assert.are.equal("zone: example.com: each record is { TYPE = data [, ttl = n] }", err.message)
    z, err = spfkit.zone{ ["example.com"] = { { TXT = "v=spf1 -all", A = "192.0.2.1", ttl = 60 } } }
    assert.is_nil(z)
    assert.are.equal("zone: example.com: each record is { TYPE = data [, ttl = n] }", err.message)
    z, err = spfkit.zone{ ["example.com"] = { { TXT = "v=spf1 -all", TTL = 60 } } }
    assert.is_nil(z)
    assert.are.equal("zone: example.com: unknown record type 'TTL'", err.message)
  end)
end)
