-- spfkit.dkim.record (issue 12, item 1): key records parsed and judged with
-- keys generated at test time.
local dkim = require "spfkit.dkim"
local errors = require "spfkit.errors"
local i18n = require "spfkit.i18n"
local dk = require "spec.support.dkim"

local function codes(rec)
  local out = {}
  for _, f in ipairs(rec.findings) do out[#out + 1] = f.code end
  table.sort(out)
  return table.concat(out, " ")
end

local function finding(rec, code)
  for _, f in ipairs(rec.findings) do if f.code == code then return f end end
end

describe("spfkit.dkim.record", function()
  if not dk.available() then
    pending("needs openssl and python3-dkim")
    return
  end
  local ctx, rsa2048, rsa1024, rsa512, ed
  setup(function()
    ctx = dk.new()
    rsa2048, rsa1024, rsa512, ed = ctx:genkey("rsa", 2048), ctx:genkey("rsa", 1024), ctx:genkey("rsa", 512),
                                   ctx:genkey("ed25519")
  end)
  teardown(function() ctx:cleanup() end)

  it("loads RSA and Ed25519 keys and gives their type and size", function()
    local r = assert(dkim.record(rsa2048.record))
    assert.are.same({ type = "rsa", bits = 2048 }, r.key)
    assert.are.equal("", codes(r))
    assert.are.equal("DKIM1", r.v)
    assert.are.equal("rsa", r.k)
    local e = assert(dkim.record(ed.record))
    assert.are.same({ type = "ed25519", bits = 256 }, e.key)
    assert.are.equal("", codes(e))
  end)

  it("defaults k= to rsa and accepts a record without v=", function()
    local r = assert(dkim.record("p=" .. rsa2048.p))
    assert.are.equal("rsa", r.k)
    assert.are.equal(2048, r.key.bits)
  end)

  it("reads tags across folding whitespace and base64 split by spaces", function()
    local p = rsa2048.p
    local r = assert(dkim.record("v=DKIM1;\r\n\tk = rsa ;  p=" .. p:sub(1, 100) .. " \r\n " .. p:sub(101) .. " ; "))
    assert.are.equal(2048, r.key.bits)
  end)

  it("judges key sizes: < 1024 weak (ignored by Gmail), < 2048 short", function()
    local weak = assert(dkim.record(rsa512.record))
    assert.are.equal("dkim-key-weak", codes(weak))
    assert.are.equal(512, finding(weak, "dkim-key-weak").params.bits)
    assert.are.equal("error", finding(weak, "dkim-key-weak").severity)
    local short = assert(dkim.record(rsa1024.record))
    assert.are.equal("dkim-key-short", codes(short))
    assert.are.equal("info", finding(short, "dkim-key-short").severity)
  end)

  it("finds a revoked key, testing mode, an unknown k=, a bad v=, a key not for email", function()
    assert.are.equal("dkim-key-revoked", codes(assert(dkim.record("v=DKIM1; k=rsa; p="))))
    assert.is_true(dkim.record("v=DKIM1; p=").revoked)
    local t = assert(dkim.record(rsa2048.record .. "; t=y:s"))
    assert.are.equal("dkim-testing", codes(t))
    assert.is_true(t.testing and t.strict)
    assert.are.equal("dkim-unknown-k", codes(assert(dkim.record("v=DKIM1; k=dsa; p=" .. rsa2048.p))))
    assert.are.equal("dkim-bad-version", codes(assert(dkim.record("v=DKIM2; p=" .. rsa2048.p))))
    assert.are.equal("dkim-not-for-email", codes(assert(dkim.record(rsa2048.record .. "; s=tlsrpt"))))
    assert.are.equal("", codes(assert(dkim.record(rsa2048.record .. "; s=email:tlsrpt"))))
    assert.are.equal("dkim-no-p", codes(assert(dkim.record("v=DKIM1; k=rsa"))))
  end)

  it("finds base64 that is not base64, with the position", function()
    local p = rsa2048.p
    local r = assert(dkim.record("v=DKIM1; p=" .. p:sub(1, 40) .. "!" .. p:sub(42)))
    local f = finding(r, "dkim-key-bad-base64")
    assert.are.equal(41, f.params.position)
    assert.are.equal("!", f.params.char)
    assert.is_nil(r.key)
  end)

  it("recognises quotes pasted inside p= when it was split into strings", function()
    local p = rsa2048.p
    for _, glue in ipairs({ '" "', '""', '"  "' }) do
      local r = assert(dkim.record("v=DKIM1; k=rsa; p=" .. p:sub(1, 200) .. glue .. p:sub(201)))
      local f = finding(r, "dkim-key-not-a-key")
      assert.are.equal("quotes", f.params.cause, glue)
      assert.matches("255", i18n.text(f.code, "en", f.params), 1, true)
      assert.matches("引用符", i18n.text(f.code, "ja", f.params), 1, true)
    end
  end)

  it("recognises a value that was cut, and says how much is missing", function()
    local p = rsa2048.p
    local cut = p:sub(1, 252)                         -- one 255-byte string minus "p=" and a bit
    local r = assert(dkim.record("v=DKIM1; k=rsa; p=" .. cut))
    local f = finding(r, "dkim-key-not-a-key")
    assert.are.equal("truncated", f.params.cause)
    assert.are.equal(189, f.params.bytes)
    assert.are.equal(294, f.params.need)
    assert.matches("189", i18n.text(f.code, "ja", f.params), 1, true)
  end)

  it("finds a key of another type than k=", function()
    local r = assert(dkim.record("v=DKIM1; k=rsa; p=" .. ed.p))
    assert.are.equal("dkim-key-not-a-key", codes(r))
    local r2 = assert(dkim.record("v=DKIM1; k=ed25519; p=" .. rsa2048.p))
    assert.are.equal("wrong-type", finding(r2, "dkim-key-not-a-key").params.cause)
  end)

  it("returns nil, err with the position on syntax errors", function()
    local rec, err = dkim.record("v=DKIM1; k=rsa; p")
    assert.is_nil(rec)
    assert.is_true(errors.is(err))
    assert.are.equal("dkim-syntax", err.code)
    assert.are.equal(17, err.position)
    local _, dup = dkim.record("v=DKIM1; p=a; p=b")
    assert.are.equal("dkim-duplicate-tag", dup.code)
    local _, q = dkim.record('"v=DKIM1; k=rsa; p=' .. rsa2048.p .. '"')
    assert.are.equal(1, q.position)
    assert.is_true(q.quotes)
    local _, nl = dkim.record("v=DKIM1;\np=abc")
    assert.are.equal(9, nl.position)
    assert.matches("dkim%-syntax: ", tostring(nl))
  end)

  it("has words for every finding in both languages", function()
    for _, code in ipairs({ "dkim-key-revoked", "dkim-key-weak", "dkim-key-short", "dkim-testing",
                            "dkim-unknown-k", "dkim-key-bad-base64", "dkim-key-not-a-key", "dkim-bad-version",
                            "dkim-not-for-email", "dkim-no-p", "dkim-syntax", "dkim-duplicate-tag" }) do
      assert.is_true(i18n.has(code), code)
    end
  end)

  it("never raises on hostile input and stays bounded", function()
    local big_p = "v=DKIM1; p=" .. ("QUFB"):rep(16000)                   -- 64 KB of base64
    assert.are.equal("dkim-key-not-a-key", codes(assert(dkim.record(big_p))))
    local rec, err = dkim.record("v=DKIM1; p=" .. ("QUFB"):rep(300000))  -- 1.2 MB: more than DNS can carry
    assert.is_nil(rec)
    assert.are.equal("dkim-too-long", err.code)
    local many = {}
    for i = 1, 10000 do many[i] = "x" .. i .. "=y" end
    assert.is_table(dkim.record(table.concat(many, ";")))
    local garbage = {}
    for i = 1, 2000 do garbage[i] = string.char((i * 37) % 256) end
    local g = table.concat(garbage)
    assert.has_no.errors(function() dkim.record(g) end)
    assert.has_no.errors(function() dkim.record("p=" .. g:gsub("[;%z]", "")) end)
    assert.has_no.errors(function() dkim.record(("p=;"):rep(3)) end)
    assert.has_error(function() dkim.record(nil) end)
  end)
end)
