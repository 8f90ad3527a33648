-- spfkit.dkim on broken and hostile messages (issue 12): never raises,
-- says what is wrong, stays bounded.
local dkim = require "spfkit.dkim"
local i18n = require "spfkit.i18n"

local KEYS = { ["s._domainkey.example.jp"] = "v=DKIM1; p=" }

local function verify(sigvalue, extra)
  local msg = "DKIM-Signature: " .. sigvalue .. "\r\nFrom: a@example.jp\r\n" .. (extra or "") .. "\r\nbody\r\n"
  return dkim.verify{ message = msg, keys = KEYS }
end

describe("spfkit.dkim.verify on broken signatures", function()
  local GOOD = "v=1; a=rsa-sha256; d=example.jp; s=s; h=from; bh=AAAA; b=AAAA"

  it("gives permerror with the reason and what it could read", function()
    local cases = {
      { "v=1; a=rsa-sha256; d=example.jp; s=s; h=from; bh=AAAA", "sig-missing-tag" },
      { GOOD:gsub("v=1", "v=2"), "sig-bad-tag" },
      { GOOD:gsub("rsa%-sha256", "rsa-sha1"), "sig-algorithm" },
      { GOOD:gsub("h=from", "h=to"), "sig-no-from" },
      { GOOD .. "; i=@other.example", "sig-bad-identity" },
      { GOOD .. "; l=12x", "sig-bad-tag" },
      { GOOD .. "; c=fancy/simple", "sig-bad-tag" },
      { GOOD .. "; q=http", "sig-bad-tag" },
      { GOOD .. "; d=again.example", "duplicate-tag" },
      { GOOD .. "; ;", "syntax" },
    }
    for _, c in ipairs(cases) do
      local r = verify(c[1])
      assert.are.equal(1, #r, c[1])
      assert.are.equal("permerror", r[1].result, c[1])
      assert.are.equal(c[2], r[1].reason, c[1])
      local v = dkim.verdict(r[1])
      assert.are.equal("dkim-verify-permerror", v.code)
      assert.is_true(i18n.has(v.code))
    end
    assert.are.equal("example.jp", verify("v=1; a=rsa-sha256; d=example.jp; s=s; bh=x; b=y")[1].d)
  end)

  it("reports a revoked key and a key that is not there", function()
    local r = verify(GOOD)[1]
    assert.are.equal("permerror", r.result)
    assert.are.equal("key-revoked", r.reason)
    assert.are.equal("revoked", r.key_status)
    local v = dkim.verdict(r)
    assert.are.equal("dkim-verify-key-revoked", v.code)
    assert.matches("s._domainkey.example.jp", i18n.text(v.code, "en", v.params), 1, true)
    local n = verify(GOOD:gsub("s=s", "s=none"))[1]
    assert.are.equal("no-key", n.reason)
  end)

  it("has nothing to say about a message without signatures", function()
    assert.are.same({}, dkim.verify{ message = "From: a@example.jp\r\n\r\nhi\r\n", keys = {} })
    assert.are.same({}, dkim.verify{ message = "", keys = {} })
  end)

  it("checks at most MAX signatures, and no more DNS", function()
    local asked = 0
    local parts = {}
    for i = 1, 200 do parts[i] = "DKIM-Signature: " .. GOOD:gsub("s=s", "s=s" .. i) end
    local msg = table.concat(parts, "\r\n") .. "\r\nFrom: a@example.jp\r\n\r\nx\r\n"
    local r = dkim.verify{ message = msg, query = function() asked = asked + 1 return { rcode = "NXDOMAIN", records = {} } end }
    assert.are.equal(200, #r)
    assert.are.equal("none", r[200].result)
    assert.are.equal("not-checked", r[200].reason)
    assert.is_true(asked <= 10)
  end)

  it("never raises on garbage", function()
    local bytes = {}
    for i = 1, 5000 do bytes[i] = string.char((i * 131) % 256) end
    local g = table.concat(bytes)
    local h = {}
    for i = 1, 10000 do h[i] = "x" .. i end
    assert.has_no.errors(function()
      dkim.verify{ message = g, keys = KEYS }
      dkim.verify{ message = "DKIM-Signature:" .. g .. "\r\n\r\n", keys = KEYS }
      verify(GOOD:gsub("h=from", "h=from:" .. table.concat(h, ":")))
      verify(GOOD:gsub("b=AAAA", "b=" .. ("!"):rep(1000)))
      verify(GOOD:gsub("bh=AAAA", "bh=" .. ("A"):rep(100000)))
      verify(GOOD .. "; l=999999999999999")
      dkim.verify{ message = ("DKIM-Signature: " .. GOOD .. "\r\n"):rep(50) .. ("\r\n"):rep(10000), keys = KEYS }
      dkim.verify{ message = "DKIM-Signature: " .. GOOD .. "\n\tfolded\n\n", keys = KEYS, now = false }
    end)
  end)

  it("raises on programmer mistakes", function()
    assert.has_error(function() dkim.verify{ keys = KEYS } end)
    assert.has_error(function() dkim.verify{ message = "x", keys = KEYS, now = "today" } end)
    assert.has_error(function() dkim.verify{ message = "x", keys = KEYS, colour = 1 } end)
    assert.has_error(function() dkim.verify("x") end)
    assert.has_error(function() dkim.verdict(nil) end)
  end)
end)
