-- csrc/text.c: the C passes the bounce reader uses (header fields, value
-- unfolding, line splitting, phrase lists, CRLF, quoted-printable) give the
-- same results as the Lua code they replace, which stays the fallback when
-- the core is not built (issue 15, speed).
local core = require "spfkit.core"

-- A module as loaded without the C core (its Lua versions).
local function lua_module(name)
  local saved_core, saved_mod = package.loaded["spfkit.core"], package.loaded[name]
  local saved_charset = package.loaded["spfkit.bounce.charset"]
  local saved_preload = package.preload["spfkit.core"]
  package.loaded["spfkit.core"], package.loaded[name] = nil, nil
  package.loaded["spfkit.bounce.charset"] = nil
  package.preload["spfkit.core"] = function() error("spfkit.core is not built") end
  local ok, m = pcall(require, name)
  package.preload["spfkit.core"] = saved_preload
  package.loaded["spfkit.core"], package.loaded[name] = saved_core, saved_mod
  package.loaded["spfkit.bounce.charset"] = saved_charset
  assert(ok, m)
  return m
end

local function lua_mime() return lua_module("spfkit.mime") end

-- Strings made of the pieces that matter to each function (seeded: the
-- same inputs on every run).
-- Under the memory checkers (SPFKIT_GC=aggressive: ASan and valgrind, where
-- every allocation is collected and checked) a tenth of them: the C passes
-- still meet every piece there, the plain runs compare all of them.
local CHECKED = os.getenv("SPFKIT_GC") == "aggressive"

local function random_strings(pieces, count, seed)
  if CHECKED then count = math.ceil(count / 10) end
  math.randomseed(seed)
  local out = {}
  for i = 1, count do
    local t = {}
    for k = 1, math.random(0, 24) do t[k] = pieces[math.random(#pieces)] end
    out[i] = table.concat(t)
  end
  return out
end

describe("core text passes (csrc/text.c)", function()
  local mime = require "spfkit.mime"
  local lmime = lua_mime()

  it("header_scan: lower-case names, value ranges through continuations, first occurrences", function()
    local text = "Subject: a\n  b\nX-Y:\tc \nsubject: d\nnot a field\n cont\nFrom:e"
    local names, starts, ends, n, first = core.header_scan(text, 1000)
    assert.are.equal(4, n)
    assert.are.same({ "subject", "x-y", "subject", "from" }, names)
    assert.are.equal("a\n  b", text:sub(starts[1], ends[1]))
    assert.are.equal("c ", text:sub(starts[2], ends[2]))
    assert.are.equal("e", text:sub(starts[4], ends[4]))
    assert.are.same({ subject = 1, ["x-y"] = 2, from = 4 }, first)
  end)

  it("header_scan stops at the field limit", function()
    local t = {}
    for i = 1, 50 do t[i] = "X-" .. i .. ": v" .. i end
    local names, _, _, n = core.header_scan(table.concat(t, "\n"), 10)
    assert.are.equal(10, n)
    assert.are.equal(10, #names)
    assert.are.equal("x-10", names[10])
  end)

  it("unfold: folds become one space, trailing blanks and folds go", function()
    assert.are.equal("a b c", core.unfold("a \n\tb\n c", 1, 9))
    assert.are.equal("abc", core.unfold("abc \n ", 1, 6))
    assert.are.equal("", core.unfold("   ", 1, 3))
    assert.are.equal("", core.unfold("abc", 3, 2))
    assert.are.equal("bc", core.unfold("abc", 2, 99))
  end)

  it("headers: the same fields and values as the Lua walk", function()
    local pieces = { "a", "B", ":", " ", "\t", "\n", "X-", "\n ", " \n", "\n\t", "\195\169", ";", "\n\n",
                     "Subject", "  ", "Received: from x\n" }
    for _, s in ipairs(random_strings(pieces, 3000, 15)) do
      local a, b = mime.headers(s), lmime.headers(s)
      local c = mime.headers(s) -- (values read without the field list: core.header_values)
      for i, name in ipairs(b.names) do
        assert.are.same(lmime.values(b, name, i % 3), mime.values(c, name, i % 3), ("%q"):format(s))
      end
      assert.is_nil(rawget(c, "names"))
      assert.are.same(b.names, a.names, ("%q"):format(s))
      for _, name in ipairs(b.names) do
        assert.are.equal(b.map[name], a.map[name], ("%q"):format(s))
        assert.are.same(lmime.values(b, name), mime.values(a, name), ("%q"):format(s))
      end
    end
  end)

  it("header_map and header_values of a range: the same as of its copy", function()
    local pieces = { "a", "B", ":", " ", "\t", "\n", "X-", "\n ", "\n\t", "Subject", "Received: from x\n" }
    math.randomseed(17)
    for _, s in ipairs(random_strings(pieces, 3000, 17)) do
      local i, j = math.random(-2, #s + 2), math.random(-2, #s + 2)
      local copy = j < 1 and "" or s:sub(math.max(i, 1), j)
      local m1, n1 = core.header_map(s, 1000, i, j)
      local m2, n2 = core.header_map(copy, 1000)
      assert.are.same(m2, m1, ("%q %d %d"):format(s, i, j))
      assert.are.equal(n2, n1)
      for name in pairs(m2) do
        assert.are.same(core.header_values(copy, name, 5, 1000), core.header_values(s, name, 5, 1000, i, j))
      end
    end
  end)

  it("an entity's header read in place: the same fields, values and text as a copy's", function()
    local msg = "X-A: 1\nReceived: from a\n by b\nReceived: from c\nContent-Type: multipart/mixed;\n"
      .. " boundary=\"b\"\n\n--b\nContent-Type: text/plain\nX-B: 2\n\nhello\n--b--\n"
    local e = mime.parse(msg)
    local copy = mime.headers(msg:sub(1, msg:find("\n\n", 1, true)))
    assert.are.same(copy.map, e.headers.map)
    assert.are.same(mime.values(copy, "received"), mime.values(e.headers, "received"))
    assert.are.same({ "from a by b", "from c" }, mime.values(e.headers, "received"))
    assert.are.equal(copy.text, e.headers.text)
    assert.are.same(copy.names, e.headers.names)
    assert.are.same(mime.values(copy, "received"), mime.values(e.headers, "received"))
    assert.are.equal("2", e.parts[1].headers.map["x-b"])
    assert.are.equal("Content-Type: text/plain\nX-B: 2\n", e.parts[1].headers.text)
  end)

  it("base64: the same bytes as the Lua decoder", function()
    assert.are.equal("hello", core.base64("aGVs\nbG8="))
    assert.are.equal("hell", core.base64("aGVsbA"))
    assert.are.equal("", core.base64("a"))
    local pieces = { "A", "z", "0", "9", "+", "/", "=", "==", "\n", " ", "-", "_", "\255", "\0", "aGVsbG8", "QQ" }
    for _, s in ipairs(random_strings(pieces, 5000, 18)) do
      assert.are.equal(lmime.base64(s), mime.base64(s), ("%q"):format(s))
    end
  end)

  it("normalize and qp: the same bytes as the Lua passes", function()
    assert.are.equal("a\nb\n\nc\n", core.normalize("a\r\nb\r\r\nc\r"))
    assert.are.equal("caf\195\169 ok=", core.qp("caf=C3=a9 \t\nok=", false):gsub("\n", " "))
    assert.are.equal("a b=4", core.qp("a_b=4", true))
    assert.are.equal("AA", core.qp("A=\n=41"))
    local pieces = { "=", "=\n", "A", "f", "0", "9", "G", " ", "\t", "\n", "\r", "\r\n", "_", "=4", "e", "\255" }
    for _, s in ipairs(random_strings(pieces, 5000, 16)) do
      assert.are.equal(lmime.qp(s), mime.qp(s), ("%q"):format(s))
      assert.are.equal(lmime.qp(s, true), mime.qp(s, true), ("%q"):format(s))
      assert.are.equal(lmime.normalize(s), mime.normalize(s), ("%q"):format(s))
    end
  end)

  it("lines, find_any, is_ascii", function()
    assert.are.same({ "a", "", "b" }, core.lines("a\n\nb\n"))
    assert.are.same({ "a", "" }, core.lines("a\n\nb\n", 2))
    assert.are.same({}, core.lines(""))
    assert.are.equal(2, core.find_any("mailbox is full", { "unknown", "full", "mailbox" }))
    assert.is_nil(core.find_any("fine", { "unknown", "fullness" }))
    assert.are.equal(1, core.find_any("x", { "" }))
    assert.is_true(core.is_ascii("plain\0text"))
    assert.is_false(core.is_ascii("caf\195\169"))
  end)

  it("html_text: the same text as the Lua passes", function()
    local btext = require "spfkit.bounce.text"
    local ltext = lua_module("spfkit.bounce.text")
    assert.are_not.equal(ltext.html_text, btext.html_text)
    assert.are.equal("a\nb\nc\nde&<&foo;'", core.html_text("a<br >b<P>c</div x>d<i>e</i>&amp;&lt;&foo;&#39;"))
    local pieces = { "<", ">", "/", "br", "BR", "bR", " ", "\n", "\t", "p", "P", "div", "DiV", "<div", "</",
                     "x", "&", "#", "39", ";", "amp", "lt", "nbsp", "quot", "&amp;", "<br/>", "<p>", "\195\169" }
    for _, s in ipairs(random_strings(pieces, 5000, 17)) do
      assert.are.equal(ltext.html_text(s), btext.html_text(s), ("%q"):format(s))
    end
  end)

  it("trim and fold: the same text as the Lua patterns", function()
    local btext = require "spfkit.bounce.text"
    local ltext = lua_module("spfkit.bounce.text")
    assert.are_not.equal(ltext.fold, btext.fold)
    assert.are.equal("a b c", core.fold(" \ta \n\r b\fc\v "))
    assert.are.equal("a \n b", core.trim("\n a \n b\t"))
    local pieces = { " ", "\t", "\n", "\r", "\v", "\f", "a", "b c", "\0", "\195\169", "\160", "x\n\ny" }
    for _, s in ipairs(random_strings(pieces, 5000, 18)) do
      assert.are.equal(ltext.fold(s), btext.fold(s), ("%q"):format(s))
      assert.are.equal(ltext.trim(s), btext.trim(s), ("%q"):format(s))
    end
  end)

  it("is_ascii and is_utf8 see a high byte at any offset (runs read eight bytes at a time)", function()
    for n = 0, 24 do
      local plain = ("a"):rep(n)
      assert.is_true(core.is_ascii(plain))
      assert.is_true(core.is_utf8(plain))
      for k = 1, n do
        local high = plain:sub(1, k - 1) .. "\128" .. plain:sub(k + 1)
        assert.is_false(core.is_ascii(high), n .. " " .. k)
        assert.is_false(core.is_utf8(high), n .. " " .. k)
        local seq = plain:sub(1, k - 1) .. "\195\169" .. plain:sub(k + 1)
        assert.is_true(core.is_utf8(seq), n .. " " .. k)
        assert.is_false(core.is_utf8(seq .. "\195"), n .. " " .. k)
      end
    end
  end)

  it("is_utf8: the sequences glibc's iconv takes as UTF-8", function()
    local function by_iconv(x)
      local ok, out = pcall(core.iconv, x, "UTF-8", "UTF-8")
      return ok and out ~= nil
    end
    assert.is_true(core.is_utf8("caf\195\169 \240\159\152\128"))
    assert.is_false(core.is_utf8("\192\128"))       -- overlong
    assert.is_false(core.is_utf8("\237\160\128"))   -- surrogate
    assert.is_false(core.is_utf8("a\226\130"))       -- cut short
    local pieces = { "a", "\0", "\128", "\191", "\192", "\193", "\194", "\223", "\224", "\160", "\159",
                     "\237", "\239", "\240", "\143", "\144", "\244", "\245", "\247", "\248", "\251", "\252",
                     "\253", "\254", "\255", "\195\169", "\128\128", "\136" }
    local edges = { "\248\128\128\128\128", "\248\135\191\191\191", "\248\136\128\128\128",
                    "\252\131\191\191\191\191", "\252\132\128\128\128\128", "\253\191\191\191\191\191",
                    "\240\143\191\191", "\244\144\128\128", "\237\191\191", "\238\128\128" }
    for _, s in ipairs(edges) do assert.are.equal(by_iconv(s), core.is_utf8(s), ("%q"):format(s)) end
    for _, s in ipairs(random_strings(pieces, 20000, 19)) do
      assert.are.equal(by_iconv(s), core.is_utf8(s), ("%q"):format(s))
    end
  end)

  it("find_status: the same code and position as the Lua search", function()
    local btext = require "spfkit.bounce.text"
    local ltext = lua_module("spfkit.bounce.text")
    assert.are_not.equal(ltext.find_status, btext.find_status)
    assert.are.same({ "5.7.26", 11 }, { core.find_status("192.0.2.1 5.7.26 x") })
    assert.are.same({ "4.2.2", 7 }, { core.find_status("5.8.1 4.2.2") })
    assert.is_nil(core.find_status("v2.1.0.4 or 5.1.1.1"))
    local pieces = { "5", "4", "2", "3", "7", "8", "0", "1", ".", ".", ".", " ", "a", "5.7.1", "550 ", "1234", "x.",
                     "\n", "-", "2.0.0", "5.1.10" }
    for i, s in ipairs(random_strings(pieces, 20000, 20)) do
      local init = i % 3 == 0 and (i % 7) - 3 or nil
      assert.are.same({ ltext.find_status(s, init) }, { btext.find_status(s, init) }, ("%q %s"):format(s, tostring(init)))
    end
  end)

  it("reply_in: the same code and position as the generic reader's patterns", function()
    local gen = require "spfkit.bounce.readers.generic"
    local lgen = lua_module("spfkit.bounce.readers.generic")
    assert.are.same({ 550, 25 }, { core.reply_in("host x[192.0.2.1] said: 550 5.1.1 unknown") })
    assert.are.same({ 421, 3 }, { core.reply_in("> 421-too many") })
    assert.is_nil(core.reply_in("error 5500 or 550x or 550.1"))
    -- the core knows the reader's prefixes (else the reader falls back to Lua)
    assert.are.same(gen.CODE_BEFORE, core.REPLY_PREFIXES)
    local pieces = { "550", "451", "4", "5", "0", "9", " ", "-", ",", ")", "(", ":", "said:", "error", "code",
                     "reply", "response", "<<<", ">>>", ">", "#", "message:", "[", "\t", ".", "x", "5.1.1",
                     "<<", "smtp;", "Error", "Code" }
    for _, s in ipairs(random_strings(pieces, 20000, 21)) do
      assert.are.same({ lgen.reply_in(s) }, { gen.reply_in(s) }, ("%q"):format(s))
    end
  end)

  it("find_first: the needle found first, as one plain search per needle finds it", function()
    local function lua_first(str, list)
      local best, bi
      for i = 1, #list do
        local p = string.find(str, list[i], 1, true)
        if p and (not best or p < best) then best, bi = p, i end
      end
      return best, bi
    end
    assert.are.same({ 2, 2 }, { core.find_first("a\nb\nc", { "\nc", "\nb", "\n" }) })
    assert.is_nil(core.find_first("abc", { "x", "\nc" }))
    local pieces = { "a", "b", "\n", "-", "--", "\n-", "ab", " " }
    local lists = { { "\n-", "\n--", "\na", "\n" }, { "b", "\n-", "ab" }, { "--", "-" }, { "", "a" }, {} }
    for i, s in ipairs(random_strings(pieces, 6000, 22)) do
      local list = lists[i % #lists + 1]
      assert.are.same({ lua_first(s, list) }, { core.find_first(s, list) }, ("%q"):format(s))
    end
  end)

  it("find_within: a plain search inside a range, as on the substring", function()
    assert.are.equal(3, core.find_within("ab\n\ncd", "\n\n", 2, 5))
    assert.is_nil(core.find_within("ab\n\ncd", "\n\n", 2, 3))
    local pieces = { "a", "\n", "\n\n", "b", " " }
    for n, s in ipairs(random_strings(pieces, 4000, 23)) do
      local i, j = n % 7 - 1, n % 11 + 2
      local p = string.find(s:sub(math.max(i, 1), j), "\n\n", 1, true)
      assert.are.equal(p and math.max(i, 1) + p - 1, core.find_within(s, "\n\n", i, j), ("%q %d %d"):format(s, i, j))
    end
  end)

  it("address: the same address as the Lua patterns", function()
    local btext = require "spfkit.bounce.text"
    local ltext = lua_module("spfkit.bounce.text")
    assert.are.equal("user@example.org", core.address("rfc822; <User@Example.org>"))
    assert.are.equal("a@b", core.address('"a"@b...'))
    assert.are.equal("u@x.y", core.address("mailto:@relay:u@x.y"))
    assert.is_nil(core.address("mailto:"))
    local pieces = { "a", "B", "@", "@", "<", ">", " ", "\t", "\n", ";", ":", ",", "(", ")", '"', "'", ".", "..",
                     "-", "[", "]", "x.org", "rfc822", "mailto:", "\195\169", "1", "_", "User" }
    for _, s in ipairs(random_strings(pieces, 30000, 24)) do
      assert.are.equal(ltext.address(s), btext.address(s), ("%q"):format(s))
    end
  end)

  it("ip and domain: the same results as the Lua patterns", function()
    local btext = require "spfkit.bounce.text"
    local ltext = lua_module("spfkit.bounce.text")
    assert.are.equal("2001:db8::1", core.ip("IPv6:2001:DB8::1"))
    assert.are.equal("192.0.2.001", core.ip("192.0.2.001"))
    assert.is_nil(core.ip("192.0.2.256"))
    assert.are.equal("mx.example.org", core.domain("[MX.Example.org.]"))
    local pieces = { "1", "9", "25", "256", "0", ".", ".", ":", "::", "a", "F", "g", "IPv6:", "ipv6:", "[", "]",
                     "<", ">", "(", ")", ",", ";", "-", "_", " ", "x.org", "99999999999", "\195\169" }
    for i = 1, 2000 do
      local q = ("%d.%03d.%d.%d"):format(i % 300, (i * 7) % 300, (i * 13) % 260, (i * 31) % 1000)
      assert.are.equal(ltext.ip(q), btext.ip(q), ("ip %q"):format(q))
    end
    for _, s in ipairs(random_strings(pieces, 30000, 25)) do
      assert.are.equal(ltext.ip(s), btext.ip(s), ("ip %q"):format(s))
      assert.are.equal(ltext.domain(s), btext.domain(s), ("domain %q"):format(s))
    end
  end)

  it("raises on programmer mistakes only", function()
    assert.has_error(function() core.header_scan(nil) end)
    assert.has_error(function() core.html_text(nil) end)
    assert.has_error(function() core.fold(nil) end)
    assert.has_error(function() core.find_first("s", { "x", 1 }) end)
    assert.has_error(function() core.find_any("s", { "x", {} }) end)
    assert.has_error(function() core.unfold("s", "x", 1) end)
  end)
end)
