-- spfkit.providers: provider SPF templates (issue 5, "Providers").
local providers = require "spfkit.providers"

-- A simple SPF term check (RFC 7208 shapes, not a full parser):
-- optional qualifier, then a, mx, a:/mx:<domain>, include:/exists:<domain>,
-- ip4:/ip6:<address>[/cidr], or the {ip} placeholder. No all, ptr, modifiers.
local function valid_domain(d)
  if d == "" or d:find("%.%.") or d:sub(1, 1) == "." then return false end
  -- letters, digits, '-', '_', '.', SPF macros (%{i}) and the {host} placeholder
  local stripped = d:gsub("%%{%a%d*r?[%.%-%+,/_=]*}", "m"):gsub("%%[%%_%-]", "m"):gsub("{host}", "h")
  if stripped:find("[^%w%-%._]") then return false end
  return stripped:find("%.") ~= nil or d == "{host}"
end

local function valid_term(t)
  if type(t) ~= "string" then return false end
  local body = t:match("^[%+%-~%?]?(.+)$")
  if not body then return false end
  if body == "{ip}" then return true end
  local mech, rest = body:match("^(%a[%w]*)(.*)$")
  if not mech then return false end
  mech = mech:lower()
  if mech == "a" or mech == "mx" then
    if rest == "" or rest:match("^/%d+$") or rest:match("^//%d+$") or rest:match("^/%d+//%d+$") then
      return true
    end
    local dom, cidr = rest:match("^:([^/]+)(.*)$")
    return dom ~= nil and valid_domain(dom) and (cidr == "" or cidr:match("^/%d+$") ~= nil)
  elseif mech == "include" or mech == "exists" then
    local dom = rest:match("^:(.+)$")
    return dom ~= nil and valid_domain(dom)
  elseif mech == "ip4" then
    local a, b, c, d, cidr = rest:match("^:(%d+)%.(%d+)%.(%d+)%.(%d+)(.*)$")
    if not a then return false end
    for _, n in ipairs({ a, b, c, d }) do
      if tonumber(n) > 255 then return false end
    end
    return cidr == "" or (cidr:match("^/%d+$") ~= nil and tonumber(cidr:sub(2)) <= 32)
  elseif mech == "ip6" then
    local addr, cidr = rest:match("^:([%x:%.]+)(.*)$")
    return addr ~= nil and addr:find(":", 1, true) ~= nil
      and (cidr == "" or (cidr:match("^/%d+$") ~= nil and tonumber(cidr:sub(2)) <= 128))
  end
  return false
end

local function placeholders(terms)
  local found = {}
  for _, t in ipairs(terms) do
    for name in t:gmatch("{(%a+)}") do found[name] = true end
  end
  return found
end

local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function has_non_ascii(s)
  return s:find("[\128-\255]") ~= nil
end

local function is_https_url(s)
  return type(s) == "string" and s:match("^https://[%w%-]+%.[%w%-%.]+/[%S]*$") ~= nil
    and not s:find("%s")
end

describe("the spec's own term checker", function()
  it("accepts the mechanisms providers publish", function()
    for _, t in ipairs({ "a", "mx", "+a", "~mx", "a:www1234.sakura.ne.jp", "mx:example.jp/24",
                         "include:_spf.google.com", "exists:%{i}.spf.example.jp", "ip4:192.0.2.0/24",
                         "ip6:2001:db8::/32", "-ip4:203.0.113.5", "{ip}", "+{ip}", "a:{host}" }) do
      assert.is_true(valid_term(t), t)
    end
  end)

  it("rejects all, ptr, modifiers and malformed terms", function()
    for _, t in ipairs({ "all", "~all", "-all", "ptr", "ptr:example.jp", "redirect=_spf.example.jp",
                         "exp=explain.example.jp", "v=spf1", "include:", "include:nodot",
                         "ip4:1.2.3", "ip4:256.1.1.1", "ip4:1.2.3.4/33", "ip6:192.0.2.1",
                         "a:bad..name.jp", "!a", "", "a mx" }) do
      assert.is_false(valid_term(t), t)
    end
  end)
end)

describe("spfkit.providers.list", function()
  local list = providers.list()

  it("has at least 20 entries, sorted by unique id", function()
    assert.is_true(#list >= 20, "only " .. #list .. " entries")
    for i = 2, #list do
      assert.is_true(list[i - 1].id < list[i].id, list[i - 1].id .. " before " .. list[i].id)
    end
  end)

  it("has well-formed entries", function()
    for _, e in ipairs(list) do
      local where = "entry " .. tostring(e.id)
      assert.is_string(e.id, where)
      assert.is_truthy(e.id:match("^[a-z0-9][a-z0-9%-]*$"), where .. ": id")
      for _, field in ipairs({ "name", "notes" }) do
        assert.is_table(e[field], where .. ": " .. field)
        assert.is_string(e[field].en, where .. ": " .. field .. ".en")
        assert.is_string(e[field].ja, where .. ": " .. field .. ".ja")
        assert.is_true(#e[field].en > 0 and #e[field].ja > 0, where .. ": empty " .. field)
      end
      assert.is_true(has_non_ascii(e.notes.ja), where .. ": notes.ja is not Japanese")
      assert.is_false(has_non_ascii(e.notes.en), where .. ": notes.en is not plain English")
      assert.is_false(has_non_ascii(e.name.en), where .. ": name.en is not plain English")
      assert.is_true(is_https_url(e.source), where .. ": source " .. tostring(e.source))
      for _, ref in ipairs(e.refs or {}) do
        assert.is_true(is_https_url(ref), where .. ": ref " .. tostring(ref))
      end
      if e.panel ~= nil then
        assert.is_string(e.panel.en, where .. ": panel.en")
        assert.is_string(e.panel.ja, where .. ": panel.ja")
      end
      if e.panel_only then
        -- no fixed value: the panel is the only source, and it must be named
        assert.is_nil(e.terms, where .. ": panel_only with terms")
        assert.is_table(e.panel, where .. ": panel_only without panel")
        goto continue
      end
      assert.is_table(e.terms, where .. ": terms")
      assert.is_true(#e.terms > 0, where .. ": no terms")
      for _, t in ipairs(e.terms) do
        assert.is_true(valid_term(t), where .. ": bad term '" .. tostring(t) .. "'")
      end
      assert.is_table(e.params, where .. ": params")
      for name, p in pairs(e.params) do
        assert.is_truthy(name == "ip" or name == "host", where .. ": unknown param " .. tostring(name))
        assert.is_string(p.description.en, where .. ": " .. name .. " description.en")
        assert.is_true(has_non_ascii(p.description.ja), where .. ": " .. name .. " description.ja")
        assert.is_string(p.example, where .. ": " .. name .. " example")
      end
      -- placeholders used and params declared are the same set
      assert.same(keys(placeholders(e.terms)), keys(e.params), where .. ": placeholders vs params")
      ::continue::
    end
  end)

  it("models xserver as panel-only (seed 004 cites only its manual)", function()
    local e = assert(providers.get("xserver"))
    assert.is_true(e.panel_only)
    assert.equal("https://www.xserver.ne.jp/manual/man_domain_dns_setting.php", e.source)
    local terms, err = providers.terms("xserver", { ip = "192.0.2.1" })
    assert.is_nil(terms)
    assert.equal("panel-only", err.code)
    assert.matches("サーバーパネル", err.message_ja, 1, true)
    assert.matches("xserver.ne.jp/manual", err.message, 1, true)
  end)

  it("substitutes every entry's examples into valid, placeholder-free terms", function()
    for _, e in ipairs(list) do
      if e.panel_only then goto continue end
      local params = {}
      for name, p in pairs(e.params) do params[name] = p.example end
      local terms, err = providers.terms(e.id, params)
      assert.is_table(terms, e.id .. ": " .. (err and err.message or ""))
      assert.equal(#e.terms, #terms, e.id)
      for _, t in ipairs(terms) do
        assert.is_true(valid_term(t), e.id .. ": " .. t)
        assert.is_nil(t:find("[{}]"), e.id .. ": placeholder left in " .. t)
      end
      ::continue::
    end
  end)

  it("returns copies", function()
    local a = providers.list()
    a[1].terms[1] = "include:evil.example"
    a[1].id = "zzz"
    local b = providers.list()
    assert.are_not.equal("include:evil.example", b[1].terms[1])
    assert.are_not.equal("zzz", b[1].id)
  end)
end)

describe("the notices' values (shared/seeds)", function()
  it("willnet: a mx include:spf01.willnet.ad.jp (001)", function()
    assert.same({ "a", "mx", "include:spf01.willnet.ad.jp" }, providers.get("willnet").terms)
    assert.equal("a mx include:spf01.willnet.ad.jp", table.concat(providers.terms("willnet"), " "))
  end)

  it("zenlogic with ip 164.0.1.2: ip4:164.0.1.2 (000)", function()
    assert.same({ "ip4:164.0.1.2" }, providers.terms("zenlogic", { ip = "164.0.1.2" }))
  end)

  it("zenlogic notes say there is no DKIM (000)", function()
    local e = providers.get("zenlogic")
    assert.truthy(e.notes.en:find("no DKIM", 1, true))
    assert.truthy(e.notes.ja:find("DKIM", 1, true))
  end)

  it("sakura with host www1234.sakura.ne.jp: a:www1234.sakura.ne.jp mx (002)", function()
    assert.equal("a:www1234.sakura.ne.jp mx",
      table.concat(providers.terms("sakura", { host = "www1234.sakura.ne.jp" }), " "))
  end)

  it("bind: a mx and the nine ip4 addresses in order (004)", function()
    assert.same({
      "a", "mx",
      "ip4:122.219.43.142", "ip4:122.219.46.7", "ip4:122.219.46.23",
      "ip4:122.219.46.39", "ip4:122.219.46.55", "ip4:210.131.150.91",
      "ip4:210.131.150.92", "ip4:122.219.45.73", "ip4:122.219.40.14",
    }, providers.terms("bind"))
  end)

  it("mixhost points to cPanel's Email Deliverability (003)", function()
    local e = providers.get("mixhost")
    assert.is_table(e.panel)
    assert.truthy(e.panel.en:find("Email Deliverability", 1, true))
    assert.same({ "+a", "+mx", "+ip4:192.0.2.7" }, providers.terms("mixhost", { ip = "192.0.2.7" }))
  end)

  it("google-workspace and microsoft365", function()
    assert.same({ "include:_spf.google.com" }, providers.terms("google-workspace"))
    assert.same({ "include:spf.protection.outlook.com" }, providers.terms("microsoft365"))
  end)

  it("notes carry what customers must know", function()
    assert.truthy(providers.get("amazon-ses").notes.en:find("MAIL FROM", 1, true))
    assert.same({ "include:spf.mandrillapp.com" }, providers.get("mandrill").terms)
  end)
end)

describe("spfkit.providers.get", function()
  it("returns nil and an unknown-provider error for an unknown id", function()
    local e, err = providers.get("no-such-host")
    assert.is_nil(e)
    assert.equal("unknown-provider", err.code)
    assert.truthy(err.message:find("no-such-host", 1, true))
    assert.is_string(err.message_ja)
  end)

  it("is exact about ids", function()
    assert.is_nil((providers.get("Willnet")))
    assert.is_nil((providers.get(" willnet")))
    assert.is_nil((providers.get("")))
  end)

  it("raises on a non-string id", function()
    assert.has_error(function() providers.get(nil) end)
    assert.has_error(function() providers.get(42) end)
    assert.has_error(function() providers.get({ id = "willnet" }) end)
  end)

  it("returns a copy", function()
    providers.get("willnet").terms[1] = "+all"
    assert.equal("a", providers.get("willnet").terms[1])
  end)
end)

describe("spfkit.providers.terms", function()
  it("turns an IPv6 address into ip6:", function()
    assert.same({ "ip6:2001:db8::10" }, providers.terms("zenlogic", { ip = "2001:db8::10" }))
    assert.same({ "ip6:2001:db8:0:0:0:0:0:1" },
      providers.terms("zenlogic", { ip = "2001:db8:0:0:0:0:0:1" }))
    assert.same({ "ip6:::ffff:192.0.2.1" }, providers.terms("zenlogic", { ip = "::ffff:192.0.2.1" }))
    assert.same({ "a", "mx", "ip6:2001:db8::25" }, providers.terms("willnet-vps", { ip = "2001:db8::25" }))
    assert.same({ "+a", "+mx", "+ip6:2001:db8::7" }, providers.terms("mixhost", { ip = "2001:db8::7" }))
  end)

  it("accepts IPv4 edge values", function()
    assert.same({ "ip4:0.0.0.0" }, providers.terms("zenlogic", { ip = "0.0.0.0" }))
    assert.same({ "ip4:255.255.255.255" }, providers.terms("zenlogic", { ip = "255.255.255.255" }))
  end)

  it("rejects bad IP addresses with bad-param", function()
    for _, ip in ipairs({ "164.0.1", "164.0.1.2.3", "256.0.0.1", "01.2.3.4", "1.2.3.04",
                          " 164.0.1.2", "164.0.1.2 ", "164.0.1.2/24", "1.2.3.-4", "1..2.3",
                          "2001:db8::1::2", "2001:db8:::1", "12345::1", "fe80::1%eth0",
                          "g::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7",
                          "1.2.3.4::", "::1.2.3", "1:2:3:4::5:6:7:8", "1:2:3:4:5:6:7:8::",
                          "2001:db8::/32", "example.com", "localhost",
                          "１６４.0.1.2" }) do
      local t, err = providers.terms("zenlogic", { ip = ip })
      assert.is_nil(t, ip)
      assert.equal("bad-param", err.code, ip)
      assert.equal("ip", err.param, ip)
    end
  end)

  it("rejects a non-string ip as bad input, not as a programmer error", function()
    local t, err = providers.terms("zenlogic", { ip = 164 })
    assert.is_nil(t)
    assert.equal("bad-param", err.code)
  end)

  it("rejects bad host names with bad-param", function()
    for _, host in ipairs({ "www1234", "-www.sakura.ne.jp", "www-.sakura.ne.jp", "www_1.sakura.ne.jp",
                            "a..b.jp", ".sakura.ne.jp", "192.0.2.1", string.rep("x", 64) .. ".jp",
                            string.rep("abcdefghi.", 26) .. "jp", "www 1.sakura.ne.jp",
                            "www1234.sakura.ne.jp/", "ｗｗｗ.sakura.ne.jp", "さくら.jp",
                            "www1234.sakura.ne.jp..", "a:www1234.sakura.ne.jp" }) do
      local t, err = providers.terms("sakura", { host = host })
      assert.is_nil(t, host)
      assert.equal("bad-param", err.code, host)
      assert.equal("host", err.param, host)
    end
  end)

  it("normalizes the host name: lower case, no trailing dot", function()
    assert.same({ "a:www1234.sakura.ne.jp", "mx" },
      providers.terms("sakura", { host = "WWW1234.Sakura.NE.JP." }))
    assert.same({ "a:xn--eckwd4c7c.xn--zckzah", "mx" },
      providers.terms("sakura", { host = "xn--eckwd4c7c.xn--zckzah" }))
  end)

  it("reports a missing parameter with missing-param", function()
    for _, params in ipairs({ {}, { host = "www1234.sakura.ne.jp" }, { ip = "" } }) do
      local t, err = providers.terms("zenlogic", params)
      assert.is_nil(t)
      assert.equal("missing-param", err.code)
      assert.equal("ip", err.param)
      assert.is_string(err.message_ja)
    end
    local t, err = providers.terms("sakura")
    assert.is_nil(t)
    assert.equal("missing-param", err.code)
    assert.equal("host", err.param)
  end)

  it("ignores parameters the provider does not use", function()
    assert.same({ "a", "mx", "include:spf01.willnet.ad.jp" },
      providers.terms("willnet", { ip = "not an address", host = "-" }))
  end)

  it("returns nil and unknown-provider for an unknown id", function()
    local t, err = providers.terms("xserver-typo", { ip = "192.0.2.1" })
    assert.is_nil(t)
    assert.equal("unknown-provider", err.code)
  end)

  it("raises on programmer mistakes", function()
    assert.has_error(function() providers.terms(nil) end)
    assert.has_error(function() providers.terms(1, {}) end)
    assert.has_error(function() providers.terms("zenlogic", "164.0.1.2") end)
  end)

  it("returns a fresh table every call", function()
    local a = providers.terms("bind")
    a[1] = "+all"
    assert.equal("a", providers.terms("bind")[1])
  end)
end)

describe("spfkit.providers.required", function()
  it("lists the parameters a provider needs", function()
    assert.same({ "ip" }, providers.required("zenlogic"))
    assert.same({ "host" }, providers.required("sakura"))
    assert.same({}, providers.required("willnet"))
    local r, err = providers.required("nope")
    assert.is_nil(r)
    assert.equal("unknown-provider", err.code)
    assert.has_error(function() providers.required(false) end)
  end)
end)
