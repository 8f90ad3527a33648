-- bin/spfkit and spfkit.cli: every command in-process with captured output,
-- and a few runs of the real launcher. No network: every run that reaches
-- DNS has --zone or an injected zone (io_env.dns).
local cli = require "spfkit.cli"
local spfkit = require "spfkit"
local cjson = require "cjson"

local ZONE = "spec/fixtures/cli/zone.zone"
local LUA_ZONE = "spec/fixtures/cli/zone.lua"
local BOUNCE = "examples/bounces/zenlogic-gmail-5.7.26.eml"
local MARKUP = "spec/fixtures/cli/markup.eml"
local DOMAINS = "spec/fixtures/cli/domains.txt"

local function buffer()
  local b = { parts = {} }
  function b.write(self, ...)
    for i = 1, select("#", ...) do self.parts[#self.parts + 1] = tostring((select(i, ...))) end
    return self
  end
  function b.text(self) return table.concat(self.parts) end
  return b
end

-- Run the tool in-process: returns exit status, stdout, stderr.
-- env: { stdin = text, vars = {LANG = ...}, tty = bool, dns = source }
local function run(args, env)
  env = env or {}
  local out, err = buffer(), buffer()
  local stdin = env.stdin and { read = function() return env.stdin end } or nil
  local vars = env.vars or {}
  local code = cli.main(args, {
    stdout = out, stderr = err, stdin = stdin,
    getenv = function(k) return vars[k] end,
    isatty = function(fd) return fd == 2 and env.tty or false end,
    dns = env.dns,
  })
  return code, out:text(), err:text()
end

local function with_zone(args, zone)
  local t = {}
  for i, a in ipairs(args) do t[i] = a end
  t[#t + 1] = "--zone"
  t[#t + 1] = zone or ZONE
  return t
end

-- A usage or input error: status 2, nothing on stdout (unless allowed),
-- exactly one "spfkit: " line on stderr, no traceback.
local function assert_usage(code, out, err, allow_out)
  assert.are.equal(2, code)
  if not allow_out then assert.are.equal("", out) end
  assert.matches("^spfkit: [^\n]+\n$", err)
  assert.is_nil(err:find("traceback", 1, true))
end

-- Japanese output: kana/kanji present, and no run of four English words
-- outside values (records, headers, addresses, commands, file names).
local function assert_japanese(text)
  assert.is_truthy(text:find("[\227-\233][\128-\191][\128-\191]"), text)
  for line in text:gmatch("[^\n]+") do
    local prose = line:gsub("v=spf1[^\n]*", ""):gsub("Received%-SPF:.*", ""):gsub("spfkit [%w%- %.%[%]|]+", "")
      :gsub("%S+@%S+", ""):gsub("「[^」]*」", "")
    assert.is_nil(prose:find("%a%a+ %a%a+ %a%a+ %a%a+"), line)
  end
end

local function lines_of(text)
  local t = {}
  for l in text:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

describe("spfkit (cli)", function()
  describe("check", function()
    it("softfail is a problem (1), with the record, the explanation and the trace", function()
      local code, out, err = run(with_zone({ "check", "164.0.1.2", "example.jp" }))
      assert.are.equal(1, code)
      assert.are.equal("", err)
      assert.matches("example.jp / 164.0.1.2: softfail", out, 1, true)
      assert.matches("v=spf1 include:_spf.example.jp ~all", out, 1, true)
      assert.matches("does not include 164.0.1.2", out, 1, true)
      assert.matches("spfkit diagnose --domain example.jp --ip 164.0.1.2", out, 1, true)
      assert.matches("Received-SPF: SoftFail", out, 1, true)
      assert.matches("TXT   _spf.example.jp", out, 1, true)
    end)

    it("pass is 0; fail, none and permerror are 1", function()
      assert.are.equal(0, (run(with_zone({ "check", "164.0.1.2", "ok.example.jp" }))))
      assert.are.equal(0, (run(with_zone({ "check", "192.0.2.7", "example.jp" }))))
      local code, out = run(with_zone({ "check", "164.0.1.2", "deny.example.jp" }))
      assert.are.equal(1, code)
      assert.matches(": fail\n", out, 1, true)
      code, out = run(with_zone({ "check", "164.0.1.2", "none.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("publishes no SPF record", out, 1, true)
      code, out = run(with_zone({ "check", "164.0.1.2", "syntax.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("permerror", out, 1, true)
      assert.matches("spfkit lint syntax.example.jp", out, 1, true)
    end)

    it("takes --sender and --helo, or an address as DOMAIN", function()
      local code, out = run(with_zone({ "check", "164.0.1.2", "example.jp", "--sender", "taro@example.jp",
                                        "--helo", "mail.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("taro@example.jp", out, 1, true)
      code, out = run(with_zone({ "check", "--json", "192.0.2.7", "hanako@example.jp" }))
      assert.are.equal(0, code)
      assert.are.equal("hanako@example.jp", cjson.decode(out).sender)
    end)

    it("--json is valid JSON with the result, the lookups and the trace", function()
      local code, out = run(with_zone({ "check", "164.0.1.2", "example.jp", "--json" }))
      assert.are.equal(1, code)
      local t = cjson.decode(out)
      assert.are.equal("softfail", t.result)
      assert.are.equal("example.jp", t.domain)
      assert.are.equal(1, t.lookups)
      assert.are.equal("~all", t.mechanism)
      assert.are.equal(2, #t.trace)
      assert.are.equal("_spf.example.jp", t.trace[2].name)
      assert.matches("^Received%-SPF: SoftFail", t.received_spf)
      assert.is_string(t.message)
    end)

    it("speaks Japanese with --lang ja", function()
      local code, out = run(with_zone({ "check", "164.0.1.2", "example.jp", "--lang", "ja" }))
      assert.are.equal(1, code)
      assert.matches("SPF は softfail です", out, 1, true)
      assert.matches("結果", out, 1, true)
      assert_japanese(out)
      code, out = run(with_zone({ "--lang=ja", "check", "164.0.1.2", "syntax.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("bad-cidr", out, 1, true)               -- the code, not libspf2's English
      assert_japanese(out)
    end)

    it("rejects a bad IP, a bad domain, a foreign sender and wrong arguments with 2", function()
      local code, out, err = run(with_zone({ "check", "164.0.1", "example.jp" }))
      assert_usage(code, out, err)
      assert.matches('"164.0.1"', err, 1, true)
      assert_usage(run(with_zone({ "check", "164.0.1.2", "not a domain" })))
      assert_usage(run(with_zone({ "check", "164.0.1.2", "example.jp", "--sender", "a@other.example" })))
      assert_usage(run(with_zone({ "check", "164.0.1.2" })))
      assert_usage(run(with_zone({ "check", "164.0.1.2", "example.jp", "extra" })))
      assert_usage(run(with_zone({ "check", "164.0.1.2", "example.jp", "--sender" })))
    end)

    it("uses --nameserver to build the resolver (checked before any query)", function()
      assert_usage(run({ "check", "164.0.1.2", "example.jp", "--nameserver", "bogus" }))
      -- a valid nameserver, but the bad IP stops the check before it asks anything
      local code, out, err = run({ "check", "164.0.1", "example.jp", "--nameserver", "127.0.0.1:9" })
      assert_usage(code, out, err)
      assert.matches("IPv4", err, 1, true)
      assert_usage(run({ "check", "164.0.1.2", "example.jp", "--nameserver", "127.0.0.1", "--zone", ZONE }))
    end)
  end)

  describe("lint", function()
    it("a clean record is 0", function()
      local code, out, err = run(with_zone({ "lint", "ok.example.jp" }))
      assert.are.equal(0, code)
      assert.are.equal("", err)
      assert.matches("ok.example.jp: v=spf1 ip4:164.0.1.2 -all", out, 1, true)
      assert.matches("No problems found.", out, 1, true)
    end)

    it("a warning or an error is 1", function()
      local code, out = run(with_zone({ "lint", "ptr.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("! [ptr]", out, 1, true)
      code, out = run(with_zone({ "lint", "syntax.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("✗ [syntax]", out, 1, true)
      code, out = run(with_zone({ "lint", "none.example.jp" }))
      assert.are.equal(1, code)
      assert.matches("[no-record]", out, 1, true)
    end)

    it("shows the include tree", function()
      local _, out = run(with_zone({ "lint", "example.jp" }))
      assert.matches("include:_spf.example.jp -> _spf.example.jp", out, 1, true)
    end)

    it("--record lints a text offline, errors first, with the fix", function()
      local code, out = run({ "lint", "--record", "v=spf1 ip4:164.0.1.2 ptr +all" })
      assert.are.equal(1, code)
      assert.is_true(out:find("[plus-all]", 1, true) < out:find("[ptr]", 1, true))
      code, out = run({ "lint", "--record", "\226\128\156v=spf1 ip4:164.0.1.2 ~all\226\128\157" })
      assert.are.equal(1, code)
      assert.matches("[quoted-value]", out, 1, true)
      assert.matches("fix: v=spf1 ip4:164.0.1.2 ~all", out, 1, true)
    end)

    it("--record with a domain follows includes in DNS", function()
      local code, out = run(with_zone({ "lint", "--json", "--record", "v=spf1 include:_spf.example.jp -all",
                                        "example.jp" }))
      assert.are.equal(0, code)
      local t = cjson.decode(out)
      assert.are.equal("_spf.example.jp", t.tree.children[1].domain)
    end)

    it("--json is valid JSON; empty lists are arrays", function()
      local code, out = run(with_zone({ "lint", "ptr.example.jp", "--json" }))
      assert.are.equal(1, code)
      local t = cjson.decode(out)
      assert.are.equal("ptr.example.jp", t.domain)
      assert.are.equal("ptr", t.findings[1].code)
      assert.are.equal("warning", t.findings[1].severity)
      assert.is_string(t.findings[1].message)
      assert.are.equal(1, t.warnings)
      assert.are.equal(0, t.errors)
      assert.matches('"children":[]', out, 1, true)
      code, out = run(with_zone({ "lint", "ok.example.jp", "--json" }))
      assert.are.equal(0, code)
      assert.matches('"findings":[]', out, 1, true)
    end)

    it("speaks Japanese with --lang ja", function()
      local code, out = run(with_zone({ "lint", "ptr.example.jp", "--lang", "ja" }))
      assert.are.equal(1, code)
      assert.matches("確認された内容", out, 1, true)
      assert_japanese(out)
    end)

    it("rejects no arguments, two domains and a bad domain with 2", function()
      assert_usage(run(with_zone({ "lint" })))
      assert_usage(run(with_zone({ "lint", "example.jp", "ok.example.jp" })))
      assert_usage(run(with_zone({ "lint", "exa mple" })))
    end)
  end)

  describe("suggest", function()
    it("builds the record of a provider, in spfkit.txt form", function()
      local code, out, err = run({ "suggest", "--provider", "zenlogic", "--ip", "164.0.1.2", "--domain", "example.jp" })
      assert.are.equal(0, code)
      assert.are.equal("", err)
      assert.matches("^v=spf1 ip4:164.0.1.2 ~all\n", out)
      assert.matches('example.jp. 3600 IN TXT "v=spf1 ip4:164.0.1.2 ~all"', out, 1, true)
      assert.matches("(example.jp.)", out, 1, true)
      assert.matches("Record type: TXT", out, 1, true)
      assert.matches("zenlogic: ", out, 1, true)
    end)

    it("pairs --ip and --host with the --provider before them", function()
      local _, out = run({ "suggest", "--json", "--provider", "sakura", "--host", "www1234.sakura.ne.jp",
                           "--provider", "zenlogic", "--ip", "164.0.1.2" })
      assert.are.equal("v=spf1 a:www1234.sakura.ne.jp mx ip4:164.0.1.2 ~all", cjson.decode(out).record)
      _, out = run({ "suggest", "--json", "--ip", "2001:db8::10", "--provider", "zenlogic" })
      assert.are.equal("v=spf1 ip6:2001:db8::10 ~all", cjson.decode(out).record)
    end)

    it("--existing merges into the existing record (repeatable: several become one)", function()
      local code, out = run({ "suggest", "--existing", "v=spf1 include:_spf.example.jp ~all", "--ip", "164.0.1.2" })
      assert.are.equal(0, code)
      assert.matches("^v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all\n", out)
      code, out = run({ "suggest", "--json", "--existing", "v=spf1 a -all", "--existing", "v=spf1 mx ~all" })
      assert.are.equal(0, code)
      assert.are.equal("v=spf1 a mx -all", cjson.decode(out).record)
    end)

    it("merges into what --domain publishes when DNS is given", function()
      local code, out = run(with_zone({ "suggest", "--json", "--domain", "example.jp", "--provider", "zenlogic",
                                        "--ip", "164.0.1.2", "--ttl", "300" }))
      assert.are.equal(0, code)
      local t = cjson.decode(out)
      assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", t.record)
      assert.are.equal('example.jp. 300 IN TXT "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"', t.zone_line)
      assert.are.equal("not-spf-ignored", t.warnings[1].code)   -- the site verification stays apart
      assert.are.equal("zenlogic", t.provider_notes[1].provider)
      assert.are.equal("txt-name", t.notes[1].code)
      assert.are.same({ "ip4:164.0.1.2" }, t.added)
    end)

    it("over ten lookups is a problem (1)", function()
      local terms = { "v=spf1" }
      for i = 1, 11 do terms[#terms + 1] = "a:h" .. i .. ".example.jp" end
      local code, out = run({ "suggest", "--existing", table.concat(terms, " ") .. " ~all", "--ip", "164.0.1.2" })
      assert.are.equal(1, code)
      assert.matches("at most 10", out, 1, true)
      assert.matches("--zone or --nameserver", out, 1, true)
    end)

    it("lists the providers", function()
      local code, out = run({ "suggest", "--list" })
      assert.are.equal(0, code)
      assert.matches("zenlogic%s+Zenlogic hosting%s+%(needs: %-%-ip%)", out)
      code, out = run({ "suggest", "--list", "--json" })
      assert.are.equal(0, code)
      assert.is_true(#cjson.decode(out) > 5)
    end)

    it("speaks Japanese with --lang ja", function()
      local code, out = run({ "suggest", "--lang", "ja", "--provider", "willnet", "--domain", "example.jp" })
      assert.are.equal(0, code)
      assert.matches("レコード名", out, 1, true)
      assert_japanese(out)
    end)

    it("an unknown provider, a missing parameter or no terms is 2", function()
      local code, out, err = run({ "suggest", "--provider", "nope" })
      assert_usage(code, out, err)
      assert.matches("spfkit suggest --list", err, 1, true)
      code, out, err = run({ "suggest", "--provider", "sakura", "--lang", "ja" })
      assert_usage(code, out, err)
      assert.matches("host", err, 1, true)
      assert_japanese(err)
      assert_usage(run({ "suggest" }))
      assert_usage(run({ "suggest", "--ip", "164.0.1.2", "--ttl", "soon" }))
      assert_usage(run({ "suggest", "--ip", "164.0.1.2", "--all", "+" }))
      assert_usage(run({ "suggest", "--ip", "164.0.1.2", "--domain", "a b" }))
    end)
  end)

  describe("diagnose", function()
    it("reads a bounce: a problem (1) with the TXT record to publish", function()
      local code, out, err = run(with_zone({ "diagnose", BOUNCE }))
      assert.are.equal(1, code)
      assert.are.equal("", err)
      assert.matches('"v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"', out, 1, true)
    end)

    it("reads standard input with -", function()
      local raw = assert(io.open(BOUNCE, "rb")):read("*a")
      local code, out = run(with_zone({ "diagnose", "-", "--json" }), { stdin = raw })
      assert.are.equal(1, code)
      local t = cjson.decode(out)
      assert.are.equal("problem", t.status)
      assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", t.fix.value)
    end)

    it("--domain and --ip without a bounce; nothing to fix is 0", function()
      local code, out = run(with_zone({ "diagnose", "--domain", "example.jp", "--ip", "192.0.2.7" }))
      assert.are.equal(0, code)
      assert.matches("No DNS change is needed", out, 1, true)
      code = run(with_zone({ "diagnose", "--domain", "none.example.jp", "--ip", "164.0.1.2" }))
      assert.are.equal(1, code)
    end)

    it("passes --provider to the fix", function()
      local _, out = run(with_zone({ "diagnose", "--json", "--domain", "none.example.jp", "--ip", "164.0.1.2",
                                     "--provider", "google-workspace" }))
      local t = cjson.decode(out)
      assert.matches("include:_spf.google.com", t.fix.value, 1, true)
    end)

    it("--html escapes the bounce's markup", function()
      local code, out = run(with_zone({ "diagnose", MARKUP, "--html" }))
      assert.are.equal(1, code)
      out = out:gsub("<script>(.-)</script>", function(js)
        assert.are.equal(require("spfkit.report.html").SCRIPT, js) return "" end)
      assert.matches("&lt;script&gt;", out, 1, true)
      for _, bad in ipairs({ "<script", "<img", "<iframe", "</pre></details><" }) do
        assert.is_nil(out:find(bad, 1, true), bad)
      end
    end)

    it("speaks Japanese with --lang ja", function()
      local code, out = run(with_zone({ "diagnose", BOUNCE, "--lang", "ja" }))
      assert.are.equal(1, code)
      assert.matches("spfkit 診断結果", out, 1, true)
    end)

    it("takes --ip and --domain with a bounce file, over what the bounce says (#11)", function()
      local code, out = run(with_zone({ "diagnose", BOUNCE, "--ip", "198.51.100.77", "--json" }))
      assert.are.equal(1, code)
      local t = cjson.decode(out)
      assert.are.equal("198.51.100.77", t.ip)
      assert.are.equal("caller", t.ip_from)
      assert.truthy(t.fix.value:find("ip4:198.51.100.77", 1, true))
    end)

    it("input that cannot be diagnosed is 2, with one line on stderr", function()
      local code, out, err = run(with_zone({ "diagnose", "spec/fixtures/cli/no-such.eml" }))
      assert_usage(code, out, err)
      assert.matches("no-such.eml", err, 1, true)
      code, out, err = run(with_zone({ "diagnose", "-" }), { stdin = "just some words\n" })
      assert_usage(code, out, err, true)                     -- the error report is on stdout too
      assert.matches("not a mail message", err, 1, true)
      assert_usage(run(with_zone({ "diagnose" })))
      assert_usage(run(with_zone({ "diagnose", BOUNCE, "--sender", "a@example.jp" })))
      assert_usage(run(with_zone({ "diagnose", BOUNCE, "--html", "--json" })))
      code, out, err = run(with_zone({ "diagnose", "--domain", "example.jp", "--ip", "164.0.1" }))
      assert_usage(code, out, err, true)
      assert.matches('"164.0.1"', err, 1, true)
    end)
  end)

  describe("audit", function()
    local function audit(args, env)
      return run(with_zone(args, LUA_ZONE), env)
    end

    it("prints a CSV header and one row per domain, the timed-out one included", function()
      local code, out, err = audit({ "audit", DOMAINS })
      assert.are.equal(1, code)
      assert.are.equal("", err)
      local rows = lines_of(out)
      -- dmarc and authorized came with the concurrent audit (issue 13); no
      -- DMARC record is an info finding, not a problem
      assert.are.equal("domain,status,errors,warnings,lookups,void_lookups,codes,record,message,fix,dmarc,authorized",
        rows[1])
      assert.are.equal(6, #rows)
      assert.matches("^example%.jp,ok,0,0,1,0,dmarc%-no%-record,v=spf1 include:_spf%.example%.jp ~all,,,,$", rows[2])
      assert.matches("^ok%.example%.jp,ok,", rows[3])
      assert.matches("^slow%.example%.jp,temperror,0,1,0,0,dns%-temperror[ ,]", rows[4])
      assert.matches("^two%.example%.jp,error,1,0,", rows[5])
      assert.matches("multiple-records", rows[5], 1, true)
      assert.matches(",v=spf1 a ip4:164%.0%.1%.2 %-all,,$", rows[5])   -- the fix
      assert.matches("^not a domain,invalid,", rows[6])
    end)

    it("--json prints one object a line (JSON lines)", function()
      local code, out = audit({ "audit", DOMAINS, "--json" })
      assert.are.equal(1, code)
      local t = {}
      for _, l in ipairs(lines_of(out)) do t[#t + 1] = cjson.decode(l) end
      assert.are.equal(5, #t)
      assert.are.equal("slow.example.jp", t[3].domain)
      assert.are.equal("temperror", t[3].status)
      assert.are.equal("dns-temperror", t[3].findings[1].code)
      assert.are.same({ "dmarc-no-record" }, t[1].codes)
      assert.are.equal("invalid", t[5].status)
    end)

    it("is 0 when every domain is clean; reads standard input; shows progress only on a terminal", function()
      local list = "\239\187\191# two clean ones, CRLF\r\nok.example.jp\r\n\r\nexample.jp\r\n"
      local code, out, err = audit({ "audit", "-" }, { stdin = list })
      assert.are.equal(0, code)
      assert.are.equal("", err)
      assert.are.equal(3, #lines_of(out))
      code, out, err = audit({ "audit", "-" }, { stdin = list, tty = true })
      assert.are.equal(0, code)
      assert.matches("2/2", err, 1, true)
      assert.matches("2 domains checked.", err, 1, true)
      assert.is_nil(out:find("\r", 1, true))
    end)

    it("takes an injected DNS source (io_env.dns)", function()
      local dns = spfkit.zone{ ["a.example.jp"] = { { TXT = "v=spf1 +all" } }, ["b.example.jp"] = { "TIMEOUT" } }
      local code, out = run({ "audit", "-", "--lang", "ja" }, { stdin = "a.example.jp\nb.example.jp\n", dns = dns })
      assert.are.equal(1, code)
      local rows = lines_of(out)
      assert.matches("^a%.example%.jp,error,1,", rows[2])
      assert.matches("「%+all」", rows[2])
      assert.matches("^b%.example%.jp,temperror,", rows[3])
    end)

    it("a missing list is 2", function()
      assert_usage(audit({ "audit", "spec/fixtures/cli/no-such.txt" }))
      assert_usage(audit({ "audit" }))
    end)
  end)

  describe("options and errors", function()
    it("--help for the tool and each command", function()
      local code, out, err = run({ "--help" })
      assert.are.equal(0, code)
      assert.are.equal("", err)
      for _, c in ipairs({ "check", "lint", "suggest", "diagnose", "audit" }) do
        assert.matches("  " .. c .. " ", out, 1, true)
        local c2, out2 = run({ c, "--help" })
        assert.are.equal(0, c2)
        assert.matches("^Usage: spfkit " .. c, out2)
        local c3, out3 = run({ "help", c })
        assert.are.equal(0, c3)
        assert.are.equal(out2, out3)
        local c4, out4 = run({ c, "-h", "--lang", "ja" })
        assert.are.equal(0, c4)
        assert.matches("^使い方: spfkit " .. c, out4)
        assert_japanese(out4)
      end
    end)

    it("--version", function()
      local code, out = run({ "--version" })
      assert.are.equal(0, code)
      assert.are.equal("spfkit " .. spfkit.version .. "\n", out)
    end)

    it("takes the language from LC_ALL, LC_MESSAGES, LANG", function()
      local _, out = run({ "--help" }, { vars = { LANG = "ja_JP.UTF-8" } })
      assert.matches("^使い方", out)
      _, out = run({ "--help" }, { vars = { LANG = "ja_JP.UTF-8", LC_ALL = "C.UTF-8" } })
      assert.matches("^Usage", out)
      _, out = run({ "--help" }, { vars = { LANG = "en_US.UTF-8", LC_MESSAGES = "ja_JP" } })
      assert.matches("^使い方", out)
      _, out = run({ "--help", "--lang", "en" }, { vars = { LANG = "ja_JP.UTF-8" } })
      assert.matches("^Usage", out)
    end)

    it("unknown commands and options, no command, a bad --lang: 2 and one line", function()
      local code, out, err = run({ "frobnicate" })
      assert_usage(code, out, err)
      assert.matches("frobnicate", err, 1, true)
      code, out, err = run({ "check", "--frob" })
      assert_usage(code, out, err)
      assert.matches("--frob", err, 1, true)
      assert_usage(run({ "--json=yes", "lint" }))
      assert_usage(run({}))
      assert_usage(run({ "--lang", "fr", "--help" }))
      code, out, err = run({ "nope" }, { vars = { LANG = "ja_JP.UTF-8" } })
      assert_usage(code, out, err)
      assert_japanese(err)
    end)

    it("zone files: a missing or broken one is 2; a Lua table zone works", function()
      assert_usage(run({ "lint", "example.jp", "--zone", "spec/fixtures/cli/no-such.zone" }))
      local code, out, err = run({ "lint", "example.jp", "--zone", "spec/fixtures/cli/bad.zone" })
      assert_usage(code, out, err)
      assert.matches("bad.zone", err, 1, true)
      assert.are.equal(0, (run(with_zone({ "check", "192.0.2.7", "example.jp" }, LUA_ZONE))))
    end)

    it("an internal error is one line and 2, never a traceback", function()
      local broken = { query = function() error("boom") end }   -- not a DNS source check() accepts
      local code, out, err = run({ "check", "164.0.1.2", "example.jp" }, { dns = broken })
      assert_usage(code, out, err)
      assert.matches("internal error", err, 1, true)
    end)
  end)

  describe("the argument parser (spfkit.cli.args)", function()
    local args = require "spfkit.cli.args"
    local errors = require "spfkit.errors"

    it("reads flags, values, lists, --name=value, - and --, keeping the order of values", function()
      local opts, pos, order = args.parse({ "--ip", "192.0.2.1", "-", "--json", "--ip=192.0.2.2", "--all", "~",
                                            "--", "--not-an-option" },
                                          { ip = "multi", all = "value" }, "suggest")
      assert.are.same({ "192.0.2.1", "192.0.2.2" }, opts.ip)
      assert.are.equal("~", opts.all)
      assert.is_true(opts.json)
      assert.are.same({ "-", "--not-an-option" }, pos)
      assert.are.same({ "ip", "ip", "all" }, { order[1].name, order[2].name, order[3].name })
    end)

    it("raises usage errors as spfkit.errors values with the catalog params", function()
      local ok, e = pcall(args.parse, { "--frob" }, {}, "lint")
      assert.is_false(ok)
      assert.is_true(errors.is(e))
      assert.are.equal("cli-err-unknown-option", e.code)
      assert.are.equal("--frob", e.params.name)
      assert.are.equal("cli-err-unknown-option: " .. e.message, tostring(e))
      for code, call in pairs({
        ["cli-err-no-value"] = function() args.parse({ "--json=yes" }, {}) end,
        ["cli-err-missing-value"] = function() args.parse({ "--record" }, { record = "value" }) end,
        ["cli-err-bad-number"] = function() args.number({ ttl = "1.5" }, "ttl", 0, 10) end,
      }) do
        ok, e = pcall(call)
        assert.is_false(ok)
        assert.are.equal(code, e.code)
      end
    end)

    it("finds the command word after global options and their values", function()
      local name, rest = args.split_command({ "--lang", "ja", "--zone=z", "lint", "example.jp" })
      assert.are.equal("lint", name)
      assert.are.same({ "--lang", "ja", "--zone=z", "example.jp" }, rest)
      assert.is_nil((args.split_command({ "--json", "--", "lint" })))
    end)
  end)

  describe("commands", function()
    it("the main help lists every command of the table", function()
      local _, out = run({ "--help" })
      for _, c in ipairs(cli.COMMANDS) do
        assert.matches("\n  " .. c, out, 1, true)
        assert.is_table(cli.command(c).flags)
        assert.is_function(cli.command(c).run)
      end
    end)

    it("a new command is its module and its name in the table", function()
      package.preload["spfkit.cli.spec-hello"] = function()
        return { flags = { name = "value" }, run = function(ctx)
          ctx.env.stdout:write("hello ", ctx.opts.name or "?", " ", #ctx.args, "\n")
          return ctx.opts.json and "problem" or "ok"
        end }
      end
      cli.COMMANDS[#cli.COMMANDS + 1] = "spec-hello"
      local code, out = run({ "spec-hello", "--name", "taro", "x" })
      local code2 = run({ "spec-hello", "--json" })
      local code3, _, err3 = run({ "spec-hello", "--nope" })
      local _, help = run({ "--help" })
      cli.COMMANDS[#cli.COMMANDS] = nil
      package.preload["spfkit.cli.spec-hello"], package.loaded["spfkit.cli.spec-hello"] = nil, nil
      assert.are.equal(0, code)
      assert.are.equal("hello taro 1\n", out)
      assert.are.equal(1, code2)
      assert.are.equal(2, code3)
      assert.matches("--nope", err3, 1, true)
      assert.matches("\n  cli-label-synopsis-spec-hello", help, 1, true)
    end)

    it("prints the lookup limits of spfkit.LIMITS, not fixed numbers", function()
      local saved = spfkit.LIMITS
      spfkit.LIMITS = setmetatable({ lookups = 7, void_lookups = 3 }, { __index = saved })
      local _, check_out = run(with_zone({ "check", "164.0.1.2", "example.jp" }))
      local _, lint_out = run(with_zone({ "lint", "example.jp" }))
      local _, help = run({ "lint", "--help" })
      spfkit.LIMITS = saved
      assert.matches("1/7", check_out, 1, true)
      assert.matches("0/3", check_out, 1, true)
      assert.matches("1/7", lint_out, 1, true)
      assert.matches("7-lookup limit", help, 1, true)
    end)

    it("an internal error keeps its whole cause on its one line", function()
      local out, err = buffer(), buffer()
      local stdin = { read = function() error("first line\n\tthe cause", 0) end }
      local code = cli.main(with_zone({ "diagnose", "-" }), { stdout = out, stderr = err, stdin = stdin,
                                                              getenv = function() end })
      out, err = out:text(), err:text()
      assert_usage(code, out, err)
      assert.matches("internal error", err, 1, true)
      assert.matches("first line; the cause", err, 1, true)
    end)
  end)

  describe("bin/spfkit", function()
    local lua = jit and "luajit" or "lua5.4"
    local root = assert(io.popen("pwd")):read("*l")

    local function sh(cmd)
      local p = assert(io.popen("LC_ALL=C " .. cmd .. " 2>/tmp/spfkit-cli-spec.err; echo \"exit=$?\""))
      local out = p:read("*a")
      p:close()
      local f = io.open("/tmp/spfkit-cli-spec.err", "rb")
      local err = f and f:read("*a") or ""
      if f then f:close() end
      os.remove("/tmp/spfkit-cli-spec.err")
      return out, err
    end

    it("runs with the current interpreter from the checkout", function()
      local out, err = sh(lua .. " bin/spfkit check 164.0.1.2 example.jp --zone " .. ZONE)
      assert.matches("example.jp / 164.0.1.2: softfail", out, 1, true)
      assert.matches("exit=1\n$", out)
      assert.are.equal("", err)
    end)

    it("runs from another directory", function()
      local out = sh("cd / && " .. lua .. " " .. root .. "/bin/spfkit diagnose --json "
        .. root .. "/" .. BOUNCE .. " --zone " .. root .. "/" .. ZONE)
      assert.matches("exit=1\n$", out)
      local t = cjson.decode((out:gsub("exit=1\n$", "")))
      assert.are.equal("v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all", t.fix.value)
    end)

    it("is executable, and reports errors in one line", function()
      local out = sh("cd / && " .. root .. "/bin/spfkit --version")
      assert.are.equal("spfkit " .. spfkit.version .. "\nexit=0\n", out)
      local err
      out, err = sh(lua .. " bin/spfkit frobnicate")
      assert.are.equal("exit=2\n", out)
      assert.matches("^spfkit: [^\n]+\n$", err)
    end)

    -- A copy of the launcher beside the checkout's lua/ and a build dir of
    -- our own (a core that cannot be loaded, or none).
    local function fake_checkout(core)
      local dir = assert(io.popen("mktemp -d")):read("*l")
      local vm = jit and "luajit" or "lua5.4"
      os.execute(("mkdir -p %s/bin %s/build/%s/spfkit && cp bin/spfkit %s/bin/ && ln -s %s/lua %s/lua")
        :format(dir, dir, vm, dir, root, dir))
      if core then
        local f = assert(io.open(dir .. "/build/" .. vm .. "/spfkit/core.so", "wb"))
        f:write(core)
        f:close()
      end
      return dir
    end

    it("says why the core cannot be loaded, all of it on one line (#14)", function()
      local dir = fake_checkout("not a shared object")
      local out, err = sh("cd " .. dir .. " && " .. lua .. " bin/spfkit --version")
      os.execute("rm -rf " .. dir)
      assert.are.equal("exit=2\n", out)
      assert.matches("^spfkit: [^\n]+\n$", err)
      assert.matches("spfkit.core", err, 1, true)
      assert.matches("too short", err, 1, true)          -- dlopen's reason, after require's first line
    end)

    local function has(cmd)
      local r = os.execute("command -v " .. cmd .. " >/dev/null 2>&1")
      return r == true or r == 0
    end

    if has("lua5.1") and has("luajit") then
      it("run by PUC lua5.1, runs again under luajit, arguments, stdin and status kept (#14)", function()
        local out, err = sh("printf 'example.jp\\nnot a domain\\n' | lua5.1 bin/spfkit audit - 'x y' --zone " .. ZONE)
        assert.matches("wrong arguments", err, 1, true)       -- 'x y' stayed one argument
        assert.matches("exit=2\n$", out)
        out, err = sh("printf 'example.jp\\nnot a domain\\n' | lua5.1 bin/spfkit audit - --zone " .. ZONE)
        assert.are.equal("", err)
        assert.matches("^domain,status", out)
        assert.matches("\nnot a domain,invalid,", out)
        assert.matches("exit=1\n$", out)
      end)

      it("run by PUC lua5.1 without luajit, says so in one line (#14)", function()
        local out, err = sh("PATH=/nonexistent /usr/bin/lua5.1 bin/spfkit --version")
        assert.are.equal("exit=2\n", out)
        assert.matches("^spfkit: [^\n]+ LuaJIT[^\n]+luajit [^\n]+\n$", err)
      end)
    end

    if jit and has("luarocks") then
      it("the LuaJIT rock's command runs (luarocks --lua-version=5.1) #slow (#14)", function()
        local src = assert(io.popen("mktemp -d")):read("*l")
        os.execute(("cp -r csrc lua bin spfkit-scm-1.rockspec %s/"):format(src))
        local build = ("cd %s && luarocks --lua-version=5.1 --tree=%s/tree make --deps-mode=none "
          .. "spfkit-scm-1.rockspec LUA_INCDIR=/usr/include/luajit-2.1 >%s/log 2>&1"):format(src, src, src)
        local ok = os.execute(build)
        local out, err = sh("cd / && " .. src .. "/tree/bin/spfkit check 164.0.1.2 example.jp --zone "
          .. root .. "/" .. ZONE)
        os.execute("rm -rf " .. src)
        assert.is_true(ok == true or ok == 0)
        assert.are.equal("", err)
        assert.matches("example.jp / 164.0.1.2: softfail", out, 1, true)
        assert.matches("exit=1\n$", out)
      end)
    end
  end)
end)
