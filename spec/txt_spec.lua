local spfkit = require "spfkit"
local txt = require "spfkit.txt"

local function note_codes(t)
  local out = {}
  for _, n in ipairs(t.notes) do out[#out + 1] = n.code end
  return out
end

describe("spfkit.txt", function()
  it("presents seed 000's record with the guidance of the notices", function()
    local t = assert(spfkit.txt("v=spf1 ip4:164.0.1.2 ~all", { domain = "example.jp" }))
    assert.are.equal('"v=spf1 ip4:164.0.1.2 ~all"', t.presentation)
    assert.are.same({ "v=spf1 ip4:164.0.1.2 ~all" }, t.strings)
    assert.are.equal("v=spf1 ip4:164.0.1.2 ~all", t.value)
    assert.are.equal("@", t.name)
    assert.are.equal("example.jp.", t.fqdn)
    assert.are.equal("TXT", t.type)
    assert.are.equal(3600, t.ttl)
    assert.are.equal('example.jp. 3600 IN TXT "v=spf1 ip4:164.0.1.2 ~all"', t.zone_line)
    assert.are.same({ "txt-name", "txt-type", "txt-quotes", "txt-ttl", "txt-one-record", "txt-propagation" },
      note_codes(t))
  end)

  it("warns about the missing trailing dot (seed 001's most common mistake)", function()
    local t = spfkit.txt("v=spf1 a mx include:spf01.willnet.ad.jp ~all", { domain = "example.com" })
    local n = t.notes[1]
    assert.matches('"example.com."', n.message.en, 1, true)
    assert.matches("example.com.example.com", n.message.en, 1, true)
    assert.matches("「example.com.example.com」", n.message.ja, 1, true)
    assert.matches("@", n.message.ja, 1, true)
  end)

  it("says TXT, not SPF (seed 000) and TTL of 60 or more (seed 001)", function()
    local t = spfkit.txt("v=spf1 a mx ~all", { ttl = 30 })
    local codes = note_codes(t)
    assert.are.equal("txt-type", codes[2])
    assert.matches("SPF は選択しないでください", t.notes[2].message.ja, 1, true)
    assert.are.equal("txt-ttl-low", codes[4])
    assert.are.equal(30, t.ttl)
    assert.is_nil(t.fqdn)
    assert.are.equal('@ 30 IN TXT "v=spf1 a mx ~all"', t.zone_line)
  end)

  it("handles a subdomain owner in three spellings", function()
    for _, name in ipairs({ "mail", "mail.example.jp", "mail.example.jp." }) do
      local t = spfkit.txt("v=spf1 a -all", { domain = "example.jp", name = name })
      assert.are.equal("mail", t.name, name)
      assert.are.equal("mail.example.jp.", t.fqdn, name)
      assert.are.equal("txt-name-sub", t.notes[1].code)
      assert.matches("mail.example.jp.example.jp", t.notes[1].message.en, 1, true)
    end
    assert.are.equal("@", spfkit.txt("v=spf1 a -all", { domain = "example.jp", name = "example.jp." }).name)
  end)

  it("splits long values into strings of at most 255 bytes, at spaces", function()
    local value = "v=spf1 " .. ("ip4:203.0.113.123 "):rep(20) .. "-all"
    local t = spfkit.txt(value)
    assert.is_true(#t.strings >= 2)
    assert.are.equal(value, table.concat(t.strings))
    for _, s in ipairs(t.strings) do assert.is_true(#s <= 255) end
    assert.matches(" $", t.strings[1])                    -- cut after a space
    assert.are.equal('"' .. table.concat(t.strings, '" "') .. '"', t.presentation)
    assert.are.equal("txt-split", note_codes(t)[4])
    -- lint agrees the published strings are fine
    assert.are.same({}, (function()
      local out = {}
      for _, f in ipairs(spfkit.lint{ record = t.strings }.findings) do
        if f.code == "string-too-long" then out[#out + 1] = f end
      end
      return out
    end)())
  end)

  it("splits anywhere when there is no space to cut at", function()
    local s = txt.split(("x"):rep(600))
    assert.are.same({ 255, 255, 90 }, { #s[1], #s[2], #s[3] })
  end)

  it("escapes quotes and backslashes", function()
    local t = spfkit.txt('v=spf1 -all x-note=say"hi"\\now')
    assert.are.equal('"v=spf1 -all x-note=say\\"hi\\"\\\\now"', t.presentation)
    assert.are.equal('"a\\"b\\\\c\\009"', txt.quote('a"b\\c\t'))
  end)

  it("removes quotes pasted around the value, and notes typographic ones", function()
    local t = spfkit.txt('"v=spf1 a ~all"')
    assert.are.equal('"v=spf1 a ~all"', t.presentation)
    assert.are.equal("txt-name", t.notes[1].code)
    t = spfkit.txt("“v=spf1 ip4:164.0.1.2 ~all”")
    assert.are.equal('"v=spf1 ip4:164.0.1.2 ~all"', t.presentation)
    assert.are.equal("quoted-value", t.notes[1].code)
  end)

  it("accepts a parsed record", function()
    local rec = assert(spfkit.parse("v=spf1 mx ~all"))
    assert.are.equal('"v=spf1 mx ~all"', spfkit.txt(rec).presentation)
  end)

  it("returns nil, err for a record that is not valid SPF", function()
    local t, err = spfkit.txt("v=spf1 ip4:164.0.1.2/33 ~all")
    assert.is_nil(t)
    assert.are.same({ "syntax", 8 }, { err.code, err.position })
    assert.is_string(err.message_ja)
    assert.is_nil((spfkit.txt("hello")))
  end)

  it("raises on programmer errors", function()
    assert.has_error(function() spfkit.txt() end)
    assert.has_error(function() spfkit.txt(5) end)
    assert.has_error(function() spfkit.txt("v=spf1 -all", { bogus = 1 }) end)
    assert.has_error(function() spfkit.txt("v=spf1 -all", { ttl = "60" }) end)
  end)
end)
