-- Specs for spfkit.bounce (issue 4: bounce parsing).
local bounce = require "spfkit.bounce"
local mime = require "spfkit.mime"
local charset = require "spfkit.bounce.charset"

local FIXTURES = "spec/fixtures/bounces/"
local CORPUS = "../shared/corpus/bounces/"

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function has_core()
  return (pcall(require, "spfkit.core"))
end

-- Check that `got` has every field of `want` (recursively); `false` in
-- `want` means "must be nil".
local function like(got, want, path)
  path = path or "entry"
  for k, v in pairs(want) do
    local p = path .. "." .. tostring(k)
    if v == false then
      assert.is_nil(got[k], p)
    elseif type(v) == "table" then
      assert.is_table(got[k], p)
      like(got[k], v, p)
    else
      assert.are.equal(v, got[k], p)
    end
  end
end

describe("spfkit.bounce.parse", function()
  describe("arguments and non-mail input", function()
    it("raises for a non-string argument (programmer mistake)", function()
      assert.has_error(function() bounce.parse(nil) end)
      assert.has_error(function() bounce.parse(42) end)
      assert.has_error(function() bounce.parse({}) end)
    end)

    it("returns nil, err for empty input", function()
      local r, err = bounce.parse("")
      assert.is_nil(r)
      assert.are.equal("empty", err.code)
      assert.is_string(err.message)
    end)

    it("returns nil, err for text that is not a mail message", function()
      local r, err = bounce.parse("just some words\nwithout any header\n")
      assert.is_nil(r)
      assert.are.equal("not_mail", err.code)
    end)

    it("returns nil, err for binary garbage", function()
      local t = {}
      local seed = 12345
      for i = 1, 65536 do
        seed = (seed * 1103515245 + 12345) % 2147483648
        t[i] = string.char(seed % 256)
      end
      t[1] = "\0"
      local r, err = bounce.parse(table.concat(t))
      assert.is_nil(r)
      assert.are.equal("not_mail", err.code)
    end)

    it("returns an empty list for ordinary mail", function()
      local r = bounce.parse("From: a@example.org\nTo: b@example.org\nSubject: hi\n\nHello\n")
      assert.are.same({}, r)
    end)
  end)

  describe("notice wordings (../shared/seeds)", function()
    it("reads the Postfix wording with unindented 550-5.7.26 lines (Zenlogic notice)", function()
      local list = assert(bounce.parse(assert(slurp(FIXTURES .. "postfix-notice-5.7.26.eml"))))
      assert.are.equal(1, #list)
      like(list[1], {
        recipient = "user@gmail.com", status = "5.7.26", reply_code = 550, reason = "authfailure",
        mta = "postfix", remote_mta = "gmail-smtp-in.l.google.com", remote_ip = "142.250.157.26",
        action = "failed", reporting_mta = "mail00000.znlc.example.jp", sender = "info@example.jp",
        auth = { domain = "example.jp", ip = "203.0.113.45", spf = "fail", dkim = "fail", kind = "spf-dkim" },
        original = { subject = "お見積りのご案内", message_id = "20230531011200.ABCDEF@example.jp" },
      })
      assert.are.equal("550 5.7.26 This mail is unauthenticated, which poses a security risk to the "
        .. "sender and Gmail users, and has been blocked. The sender must authenticate with at least one "
        .. "of SPF or DKIM. For this message, DKIM checks did not pass and SPF check for [example.jp] did "
        .. "not pass with ip: [203.0.113.45]. The sender should visit "
        .. "https://support.google.com/mail/answer/81126#authentication for instructions on setting up "
        .. "authentication.", list[1].diagnostic)
    end)

    it("reads the Exim one-line wording, after end of data (Willnet notice)", function()
      local list = assert(bounce.parse(assert(slurp(FIXTURES .. "exim-notice-5.7.26.eml"))))
      assert.are.equal(1, #list)
      like(list[1], {
        recipient = "customer@gmail.com", status = "5.7.26", reply_code = 550, reason = "authfailure",
        mta = "exim", command = "DATA", remote_ip = "142.251.8.27", action = "failed",
        auth = { domain = "example.com", ip = "192.0.2.80", spf = "fail", dkim = "fail" },
        original = { from = "Sales <sales@example.com>", subject = "Quotation" },
      })
      assert.is_nil(list[1].diagnostic:find("550-", 1, true))
    end)
  end)

  describe("fixtures", function()
    local cases = {
      ["exim-pipelined-ipv6.eml"] = { {
        recipient = "kunde@googlemail.com", status = "5.7.26", reason = "authfailure", command = "DATA",
        remote_ip = "2a00:1450:400c:c0a::1b",
        auth = { domain = "shop.example.net", ip = "2001:db8:85a3::8a2e:370:7334", spf = "fail", dkim = "fail" },
      } },
      ["postfix-dmarc-crlf.eml"] = { {
        recipient = "reader@gmail.com", status = "5.7.26", reply_code = 550, reason = "authfailure",
        command = "DATA", sender = "news@example.co.jp",
        auth = { domain = "example.co.jp", dmarc = "fail", kind = "dmarc", ip = false },
        original = { subject = "March newsletter", to = "Reader@Gmail.com" },
      } },
      ["postfix-ptr-5.7.25-ipv6.eml"] = { {
        recipient = "friend@gmail.com", status = "5.7.25", reason = "requireptr",
        remote_ip = "2404:6800:4008:c15::1b", auth = { ip = "2001:db8:10::25", kind = "ptr", domain = false },
      } },
      ["postfix-delayed-4.7.28.eml"] = { {
        recipient = "member@gmail.com", status = "4.7.28", reply_code = 421, action = "delayed",
        reason = "speeding", auth = false,
      } },
      ["postfix-outlook-5.7.515.eml"] = { {
        recipient = "taro@outlook.jp", status = "5.7.515", reason = "authfailure",
        auth = { domain = "example.info", spf = "fail", dmarc = "fail", kind = "auth-level" },
      } },
      ["office365-5.7.509-qp.eml"] = { {
        recipient = "user@contoso.example", status = "5.7.509", reason = "authfailure", mta = "office365",
        auth = { domain = "example.org", dmarc = "fail", kind = "dmarc" },
      } },
      ["sendmail-multi-recipient.eml"] = {
        { recipient = "alice@example.com", status = "5.1.1", reason = "userunknown", command = "RCPT",
          remote_mta = "mx.example.com" },
        { recipient = "bob@example.com", status = "5.2.2", reply_code = 552, reason = "mailboxfull" },
        { recipient = "carol@example.com", status = "5.7.1", reason = "norelaying" },
      },
      ["exim-rcpt-userunknown.eml"] = {
        { recipient = "nobody@example.com", status = "5.1.1", reason = "userunknown", command = "RCPT" },
        { recipient = "ghost@example.net", status = "5.0.0", reply_code = 550, reason = "userunknown",
          remote_ip = "2001:db8::25" },
      },
      ["gmail-dsn-delayed-base64.eml"] = { {
        recipient = "taro@example.co.jp", action = "delayed", status = "4.4.1", reason = "expired",
        mta = "gmail",
      } },
      ["japanese-mislabelled-eucjp.eml"] = { {
        -- the DSN says 5.0.0; the diagnostic carries the specific code
        recipient = "hanako@example.ne.jp", status = "5.1.1", reason = "userunknown",
      } },
      ["qmail-cr-5.7.26.eml"] = { {
        recipient = "taro.yamada@gmail.com", status = "5.7.26", mta = "qmail", command = "DATA",
        remote_ip = "142.251.170.26", reason = "authfailure",
        auth = { domain = "form.example.jp", ip = "198.51.100.23", spf = "fail", dkim = "fail" },
      } },
      ["mbox-two-bounces.mbox"] = {
        { recipient = "taro.yamada@gmail.com", mta = "qmail", reason = "authfailure" },
        { recipient = "jiro@example.com", mta = "courier", status = "5.7.1", reason = "contenterror",
          remote_ip = "192.0.2.66" },
      },
      ["forwarded-as-attachment.eml"] = { {
        recipient = "reader@gmail.com", status = "5.7.26", reason = "authfailure",
        auth = { domain = "example.co.jp" },
      } },
      ["autoreply-vacation-ja.eml"] = { {
        recipient = "yamada@example.co.jp", reason = "vacation", action = false, status = false,
      } },
    }
    local names = {}
    for name in pairs(cases) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      it(name, function()
        local list, err = bounce.parse(assert(slurp(FIXTURES .. name)))
        assert.is_nil(err)
        assert.are.equal(#cases[name], #list)
        for i, want in ipairs(cases[name]) do like(list[i], want, name .. "[" .. i .. "]") end
      end)
    end

    it("decodes the ISO-2022-JP subject of a Japanese Office 365 NDR", function()
      if not has_core() then pending("C core not built: no iconv") return end
      local raw = slurp(CORPUS .. "lhost-office365-13.eml")
      if not raw then pending("shared corpus absent") return end
      local list = assert(bounce.parse(raw))
      assert.are.equal("にゃーん", list[1].original.subject)
    end)

    it("has at least 15 fixtures of its own", function()
      local n = 0
      for name in pairs(cases) do if slurp(FIXTURES .. name) then n = n + 1 end end
      n = n + 2 -- the two notice wordings above
      assert.is_true(n >= 15)
    end)
  end)

  describe("charsets", function()
    it("detects a body labelled ISO-2022-JP that is really EUC-JP", function()
      if not has_core() then pending("C core not built: no iconv") return end
      local raw = assert(slurp(FIXTURES .. "japanese-mislabelled-eucjp.eml"))
      local e = mime.parse(mime.normalize(raw))
      local t = mime.text(e.parts[1])
      assert.truthy(t:find("配信できませんでした", 1, true))
      assert.is_true(charset.is_utf8(t))
    end)

    it("keeps raw UTF-8 labelled ISO-2022-JP (au one net)", function()
      local raw = slurp(CORPUS .. "lhost-kddi-01.eml")
      if not raw then pending("shared corpus absent") return end
      local e = mime.parse(mime.normalize(raw))
      assert.truthy(mime.text(e.parts[1]):find("メール", 1, true))
    end)

    it("decodes genuine ISO-2022-JP and mislabelled EUC-JP (EZweb)", function()
      if not has_core() then pending("C core not built: no iconv") return end
      for _, name in ipairs({ "lhost-ezweb-07.eml", "lhost-ezweb-04.eml" }) do
        local raw = slurp(CORPUS .. name)
        if not raw then pending("shared corpus absent") return end
        local e = mime.parse(mime.normalize(raw))
        local t = mime.text(e.parts[1])
        assert.truthy(t:find("メールアドレス", 1, true), name)
      end
    end)

    it("decodes RFC 2047 words in several charsets", function()
      assert.are.equal("abc", mime.decode_words("=?us-ascii?Q?abc?="))
      assert.are.equal("a b", mime.decode_words("=?UTF-8?Q?a_b?="))
      assert.are.equal("日本語", mime.decode_words("=?UTF-8?B?5pel5pys6Kqe?="))
      if has_core() then
        assert.are.equal("日本語", mime.decode_words("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?="))
        assert.are.equal("日本語", mime.decode_words("=?SHIFT_JIS?B?k/qWe4zq?="))
      end
    end)

    it("still loads and parses without the C core (bytes left as they are)", function()
      local saved = {}
      for k, v in pairs(package.loaded) do
        if k == "spfkit.core" or k == "spfkit.mime" or k:find("^spfkit%.bounce") then saved[k] = v end
      end
      for k in pairs(saved) do package.loaded[k] = nil end
      local saved_preload = package.preload["spfkit.core"]
      package.preload["spfkit.core"] = function() error("spfkit.core is not built") end
      local ok, res = pcall(function()
        local b = require "spfkit.bounce"
        return b.parse(assert(slurp(FIXTURES .. "postfix-notice-5.7.26.eml")))
      end)
      package.preload["spfkit.core"] = saved_preload
      for k in pairs(package.loaded) do
        if k == "spfkit.core" or k == "spfkit.mime" or k:find("^spfkit%.bounce") then package.loaded[k] = nil end
      end
      for k, v in pairs(saved) do package.loaded[k] = v end
      assert.is_true(ok, tostring(res))
      assert.are.equal("authfailure", res[1].reason)
    end)
  end)

  describe("hostile input", function()
    local function timed(f)
      local t0 = os.clock()
      local a, b = f()
      return os.clock() - t0, a, b
    end

    it("survives a missing closing boundary", function()
      local raw = "Content-Type: multipart/report; boundary=XX\nFrom: mailer-daemon@x.example\n\n"
        .. "--XX\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x.example\n\n"
        .. "Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n"
      local list = assert(bounce.parse(raw))
      assert.are.equal("a@example.org", list[1].recipient)
      assert.are.equal("userunknown", list[1].reason)
    end)

    it("survives 10,000 nested multiparts in bounded time", function()
      local t = { "From: x@example.org\nContent-Type: multipart/mixed; boundary=b0\n\n" }
      for i = 1, 10000 do
        t[#t + 1] = "--b" .. (i - 1) .. "\nContent-Type: multipart/mixed; boundary=b" .. i .. "\n\n"
      end
      local raw = table.concat(t)
      local secs, list, err = timed(function() return bounce.parse(raw) end)
      assert.is_nil(err)
      assert.are.same({}, list)
      assert.is_true(secs < 5, "took " .. secs .. " s")
    end)

    it("survives a 1 MB header line", function()
      local raw = "Subject: " .. string.rep("A", 1024 * 1024) .. "\nFrom: x@example.org\n\nbody\n"
      local secs, list = timed(function() return bounce.parse(raw) end)
      assert.are.same({}, list)
      assert.is_true(secs < 5, "took " .. secs .. " s")
    end)

    it("survives a 1 MB header name without a colon and a line of spaces", function()
      local raw = "X-" .. string.rep("a", 1024 * 1024) .. "\n" .. string.rep(" ", 1024 * 1024) .. "\n\n"
      local list, err = bounce.parse(raw)
      assert.is_true(list ~= nil or err ~= nil)
    end)

    it("parses a 4 MB bounce (large returned message) #slow", function()
      local base = assert(slurp(FIXTURES .. "postfix-dmarc-crlf.eml"))
      local filler = string.rep("Lorem ipsum dolor sit amet, 550-5.7.26 <x@y.example>: host h[1.2.3.4] said:\r\n",
        60000)
      local raw = base:gsub("Date: Thu, 14 Mar 2024 08:00:59 %+0900\r\n",
        function(m) return m .. "X-Filler: " .. ("z"):rep(100000) .. "\r\n" end)
      raw = raw:gsub("\r\n%-%-4TwXy12Abc%.1710370862/smtp%.example%.co%.jp%-%-", function(m)
        return "\r\n" .. filler .. m end)
      assert.is_true(#raw > 4 * 1000 * 1000)
      local secs, list = timed(function() return bounce.parse(raw) end)
      assert.are.equal("reader@gmail.com", list[1].recipient)
      assert.is_true(secs < 10, "took " .. secs .. " s")
    end)

    it("never raises on truncated prefixes of real bounces", function()
      for _, name in ipairs({ "postfix-dmarc-crlf.eml", "sendmail-multi-recipient.eml", "qmail-cr-5.7.26.eml",
                              "office365-5.7.509-qp.eml", "gmail-dsn-delayed-base64.eml" }) do
        local raw = assert(slurp(FIXTURES .. name))
        for cut = 1, #raw, 97 do
          local ok, list, err = pcall(bounce.parse, raw:sub(1, cut))
          assert.is_true(ok, name .. " @" .. cut)
          assert.is_true(list ~= nil or err ~= nil)
        end
      end
    end)
  end)
end)

-- The shared corpus (../shared/corpus/bounces, Sisimai's samples) ------------

local function read_index()
  local f = io.open(CORPUS .. "index.tsv", "r")
  if not f then return nil end
  local rows, cols = {}, nil
  for line in f:lines() do
    local fields = {}
    for v in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = v end
    if not cols then cols = fields else
      local row = {}
      for i, c in ipairs(cols) do row[c] = fields[i] or "" end
      rows[#rows + 1] = row
    end
  end
  f:close()
  return rows
end

local function split(s)
  local t = {}
  for v in (s .. ";"):gmatch("([^;]*);") do t[#t + 1] = v end
  return t
end

-- Sisimai-internal pseudo statuses (x.0.9xx) never appear in a mail: any
-- status of the same class is counted right.
local function status_ok(want, got)
  if want == "" then return true end
  if not got then return false end
  if want:match("^%d%.0%.9%d%d$") then return got:sub(1, 1) == want:sub(1, 1) end
  return want == got
end

describe("shared corpus accuracy", function()
  local rows = read_index()
  if not rows then
    it("is skipped: ../shared/corpus/bounces is absent", function() pending("corpus absent") end)
    return
  end

  local score = { recipient = 0, status = 0, reason = 0, n = 0, auth_n = 0, auth_ok = 0 }
  local misses = {}
  for _, row in ipairs(rows) do
    local raw = slurp(CORPUS .. row.file)
    if raw then
      score.n = score.n + 1
      local list = bounce.parse(raw) or {}
      local by = {}
      for _, e in ipairs(list) do if e.recipient then by[e.recipient] = e end end
      local rcpts, sts, rsns = split(row.expected_recipient), split(row.expected_status),
        split(row.expected_reason)
      local rok, sok, zok = #list == #rcpts, true, true
      for i, r in ipairs(rcpts) do
        local e = by[r:lower()]
        if not e then rok, sok, zok = false, false, false
        else
          if not status_ok(sts[i] or "", e.status) then sok = false end
          if (rsns[i] or "") ~= e.reason then zok = false end
        end
      end
      score.recipient = score.recipient + (rok and 1 or 0)
      score.status = score.status + (sok and 1 or 0)
      score.reason = score.reason + (zok and 1 or 0)
      if not (rok and sok and zok) then misses[#misses + 1] = row.file end
      local want_d, want_ip = row.handread_auth_domain, row.handread_auth_ip
      if want_d ~= "" or want_ip ~= "" then
        score.auth_n = score.auth_n + 1
        local ok = false
        for _, e in ipairs(list) do
          local a = e.auth or {}
          if (want_d == "" or a.domain == want_d:lower()) and (want_ip == "" or a.ip == want_ip) then ok = true end
        end
        if ok then score.auth_ok = score.auth_ok + 1 else misses[#misses + 1] = row.file .. " (auth)" end
      end
    end
  end
  local function pct(k) return score[k] / math.max(score.n, 1) end
  if #misses > 0 then print("\nbounce corpus misses: " .. table.concat(misses, ", ")) end

  it("reads the corpus", function() assert.is_true(score.n >= 40) end)
  it("gets the recipient right on >= 95% of samples", function()
    assert.is_true(pct("recipient") >= 0.95, ("%.1f%%"):format(100 * pct("recipient")))
  end)
  it("gets the status right on >= 95% of samples", function()
    assert.is_true(pct("status") >= 0.95, ("%.1f%%"):format(100 * pct("status")))
  end)
  it("gets the reason right on >= 95% of samples", function()
    assert.is_true(pct("reason") >= 0.95, ("%.1f%%"):format(100 * pct("reason")))
  end)
  it("gets the auth domain and IP right on every sample that has them", function()
    assert.is_true(score.auth_n > 0)
    assert.are.equal(score.auth_n, score.auth_ok)
  end)
end)
