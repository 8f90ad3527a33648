local i18n = require "spfkit.i18n"
local lint = require "spfkit.lint"

-- Codes of internal error tables (DNS failures inside lint), not messages.
local INTERNAL = { error = true, rcode = true, ["no-resolver"] = true, ERROR = true }

-- Every message code the toolkit modules use, read from their source.
local function used_codes()
  local codes = {}
  local patterns = {
    'add%(st, "([%w%-]+)"', 'warn%("([%w%-]+)"', 'note%("([%w%-]+)"', 'i18n%.err%("([%w%-]+)"',
    'i18n%.message%("([%w%-]+)"', '%f[%w]code = "([a-z][%w%-]+)"',
    'ctx:finding%("([%w%-]+)"', 'ctx:step%("([%w%-]+)"', 'ctx:summary%("([%w%-]+)"', 'ctx:fail%("([%w%-]+)"',
    'ctx:t%("([%w%-]+)"', 'L%(r, "([%w%-]+)"',
  }
  for _, file in ipairs({ "lua/spfkit/lint.lua", "lua/spfkit/build.lua", "lua/spfkit/txt.lua",
                          "lua/spfkit/whatif.lua", "lua/spfkit/diagnose.lua", "lua/spfkit/diagnose/spf.lua",
                          "lua/spfkit/diagnose/dmarc.lua", "lua/spfkit/diagnose/ptr.lua",
                          "lua/spfkit/diagnose/relay.lua", "lua/spfkit/report.lua" }) do
    local f = assert(io.open(file, "rb"))
    local src = f:read("*a")
    f:close()
    for _, p in ipairs(patterns) do
      for code in src:gmatch(p) do
        if not INTERNAL[code] and code:sub(-1) ~= "-" then codes[code] = file end  -- "x-" .. y: built
      end
    end
  end
  return codes
end

-- Values for every placeholder the catalog uses.
local PARAMS = {
  domain = "example.jp", count = 2, term = "include:_spf.example.jp", position = 8, error_code = "bad-cidr",
  detail = "bad CIDR length", lookups = 13, limit = 10, void_lookups = 3, all = "~all", length = 470,
  target = "_spf.example.jp", fix = "v=spf1 ip4:164.0.1.2 ~all", text = "v=spf 1 a mx ~all", qtype = "TXT",
  id = "zenlogic", param = "ip", description = "IP address.", description_ja = "IPアドレス。", value = "1.2.3",
  example = "164.0.1.2", flattened = "include:_spf.example.jp", date = "2024-01-01", alls = "-all, ~all",
  existing = "-a", fqdn = "example.jp.", bare = "example.jp", doubled = "example.jp.example.jp", name = "mail",
  ttl = 3600, ip = "164.0.1.2", before = "softfail", after = "pass", kind = "cidr0",
  -- diagnosis (lua/spfkit/i18n/diagnose.lua)
  recipient = "user@gmail.com", reason = "userunknown", status = "5.7.26", via = "taro@example.jp",
  list = "<staff.lists.example.jp>", rua = "mailto:d@example.jp", names = "mx.example.jp", reverse = "2.1.0.164.in-addr.arpa.",
  from = "example.jp", spf_domain = "mailer.example.net", dkim_domain = "mailer.example.net", mode = "r",
  policy = "reject", pct = 100, seconds = 3600, human = "1 hour", rcode = "SERVFAIL", problem = "too many lookups",
  result = "softfail", record = "v=spf1 include:_spf.example.jp ~all", terms = "ip4:1.2.3.4/33", tag = "p",
  type = "A", n = 2, h = 1, m = 30, reason_name = "the address does not exist",
  problem_code = "bad-cidr", host = "mail", zone = "example.jp", zone_line = 'example.jp. 3600 IN TXT "v=spf1 ~all"',
  provider = "sakura", wrong = "example.jp.example.jp", right = "example.jp", suggestion = "spf01.willnet.ad.jp",
  receiver = "gmail", spf = "v=spf1 a mx ~all", source = "reply", provider_name = "Sakura", from_name = "PTR",
  clue = "www1234.sakura.ne.jp", tried = "default, google", repaired = "v=spf1 a mx ~all", other = "google-site-verification=abc",
  -- DKIM (lua/spfkit/i18n/dkim.lua)
  v = "DKIM2", k = "dsa", s = "default", bits = 512, min = 1024, good = 2048, char = '"', selector = "default",
  found = "default._domainkey.example.jp.example.jp", d = "example.jp", cause = "truncated", bytes = 200, need = 294,
}

-- Codes that are labels or units of the report, not sentences.
local function is_label(code)
  return (code:find("^label%-") or code:find("^cli%-label%-") or code:find("^unit%-") or code:find("^fix%-action%-") or code:find("^reason%-") or code:find("^provider%-from%-")) ~= nil
end

local COMPAT_KINDS = { "cidr0", "bad-domain", "empty-domain", "duplicate-modifier", "leading-zero-cidr",
  "redirect-colon", "bad-macro", "dotted-modifier", "redirect-with-all", "include-limit", "void-limit",
  "compiler", "crash", "accepted" }

describe("spfkit.i18n", function()
  it("has every lint code in English and Japanese", function()
    for code in pairs(lint.CODES) do
      assert.is_true(i18n.has(code), code)
    end
  end)

  it("has every code the toolkit modules use, and lint declares each of its codes", function()
    local used = used_codes()
    assert.is_true(next(used) ~= nil)
    for code, file in pairs(used) do
      assert.is_true(i18n.has(code), code .. " used in " .. file)
      if file == "lua/spfkit/lint.lua" and not code:find("^whatif") then
        assert.is_string(lint.CODES[code], code)
      end
    end
  end)

  it("has the same codes in both languages", function()
    assert.are.same(i18n.codes("en"), i18n.codes("ja"))
  end)

  it("fills every placeholder; Japanese is Japanese and polite, English is ASCII-ish", function()
    for _, code in ipairs(i18n.codes()) do
      local m = i18n.message(code, PARAMS)
      for _, lang in ipairs({ "en", "ja" }) do
        assert.is_string(m[lang])
        assert.is_nil(m[lang]:match("{[%a_][%w_]*}"), code .. "/" .. lang .. ": " .. m[lang])
        assert.is_true(is_label(code) or #m[lang] > 20, code)
      end
      if not is_label(code) then
        assert.is_truthy(m.ja:find("[\227-\233]"), code)                     -- kana/kanji
        assert.is_truthy(m.ja:find("ます") or m.ja:find("ません") or m.ja:find("です") or m.ja:find("ください"),
                         code .. ": " .. m.ja)
      end
      assert.is_falsy(m.en:find("[\227-\233][\128-\191][\128-\191]ます"), code)
    end
  end)

  it("has every compat-libspf2 kind", function()
    for _, kind in ipairs(COMPAT_KINDS) do
      local p = { kind = kind, term = "a/0", lookups = 13, detail = "x" }
      local m = i18n.message("compat-libspf2", p)
      assert.matches("libspf2", m.en, 1, true)
      assert.matches("libspf2", m.ja, 1, true)
      if kind ~= "compiler" then
        assert.are_not.equal(i18n.text("compat-libspf2", "en", { kind = "compiler", detail = "x" }), m.en, kind)
      end
    end
  end)

  it("explains every parser error code in both languages", function()
    for _, ec in ipairs({ "not-spf", "unknown-mechanism", "bad-cidr", "bad-ip4", "bad-ip6", "missing-domain",
                          "bad-all", "bad-domain", "duplicate-modifier", "bad-macro", "bad-modifier",
                          "non-ascii", "control-character", "bad-qualifier" }) do
      local ja = i18n.text("syntax", "ja", { term = "x", position = 8, error_code = ec })
      assert.is_nil(ja:find("構文エラーです", 1, true), ec)
    end
  end)

  it("words the notices' points as the notices do", function()
    assert.matches("SPF は選択しないでください", i18n.text("txt-type", "ja"), 1, true)
    assert.matches("数時間程度かかる場合がございます", i18n.text("txt-propagation", "ja"), 1, true)
    assert.matches("550-5.7.26", i18n.text("no-record", "ja", { domain = "example.jp" }), 1, true)
  end)

  describe("text and message", function()
    it("fill placeholders", function()
      assert.are.equal("TTL: 60 seconds (60 or more).", i18n.text("txt-ttl", "en", { ttl = 60 }))
      assert.are.same({ en = i18n.text("txt-ttl", "en", { ttl = 1 }), ja = i18n.text("txt-ttl", "ja", { ttl = 1 }) },
        i18n.message("txt-ttl", { ttl = 1 }))
    end)

    it("keep a missing placeholder visible", function()
      assert.matches("{ttl}", i18n.text("txt-ttl", "en"), 1, true)
    end)

    it("return the code for an unknown code", function()
      assert.are.equal("no-such-code", i18n.text("no-such-code", "ja"))
      assert.is_false(i18n.has("no-such-code"))
    end)

    it("build error tables", function()
      local e = i18n.err("bad-all", { value = "x" })
      assert.are.equal("bad-all", e.code)
      assert.are.equal("x", e.value)
      assert.matches('"x"', e.message, 1, true)
      assert.matches("「x」", e.message_ja, 1, true)
    end)

    it("raise on programmer errors", function()
      assert.has_error(function() i18n.text("txt-ttl", "fr") end)
      assert.has_error(function() i18n.text(nil, "en") end)
      assert.has_error(function() i18n.message("txt-ttl", "x") end)
      assert.has_error(function() i18n.codes("fr") end)
    end)
  end)
end)
