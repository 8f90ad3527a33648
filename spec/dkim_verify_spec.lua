-- spfkit.dkim.verify (issue 12, item 4) against dkimpy and Mail::DKIM:
-- messages signed at test time by dkimpy over relaxed/simple x rsa/ed25519,
-- folded and repeated headers, l=; every verdict must agree, also after a
-- header or the body is altered.
local dkim = require "spfkit.dkim"
local dk = require "spec.support.dkim"
local nsd = require "spec.support.nsd"

local BASE = table.concat({
  "Received: from mx2.example.net by mx1.example.net; Wed, 2 Dec 2026 03:00:02 +0900",
  "Received: from pc.example.jp by mx2.example.net; Wed, 2 Dec 2026 03:00:01 +0900",
  "X-Note: first comment",
  "From: Taro <taro@example.jp>",
  "X-Note: second comment",
  "To:   hanako@example.net",
  "Subject: quarterly   report",
  "\tfolded  over two lines",
  "Date: Wed, 2 Dec 2026 03:00:00 +0900",
  "Message-ID: <20261202.1@example.jp>",
  "",
  "Hello  Hanako,   ",
  "",
  "the report is attached.\t",
  "",
  "",
}, "\n") .. "\n"

local EMPTY_BODY = "From: taro@example.jp\nTo: hanako@example.net\nSubject: empty\n\n"
local NO_FINAL_EOL = "From: taro@example.jp\nTo: hanako@example.net\nSubject: no eol\n\nlast line"

local ALTER = {
  original = function(m) return m end,
  ["body word"] = function(m) return (m:gsub("attached", "attachd")) end,
  ["body appended"] = function(m) return m .. "P.S. one more line\n" end,
  ["body trailing space"] = function(m) return (m:gsub("\n\n([^\n]+)\n", "\n\n%1   \n", 1)) end,
  ["subject word"] = function(m) return (m:gsub("Subject: (%w+)", "Subject: X%1", 1)) end,
  ["subject spacing"] = function(m) return (m:gsub("Subject: ", "Subject:    ", 1)) end,
  ["To added on top"] = function(m) return "To: mallory@example.org\n" .. m end,
  ["Received added on top"] = function(m) return "Received: from evil.example.org; now\n" .. m end,
  ["X-Note added on top"] = function(m) return "X-Note: injected\n" .. m end,
  ["X-Note added at the bottom"] = function(m) return (m:gsub("\n\n", "\nX-Note: injected\n\n", 1)) end,
}
local ALTER_NAMES = {}
for k in pairs(ALTER) do ALTER_NAMES[#ALTER_NAMES + 1] = k end
table.sort(ALTER_NAMES)

local function ours(messages, opts)
  local out = {}
  for i, m in ipairs(messages) do
    local o = { message = m }
    for k, v in pairs(opts) do o[k] = v end
    local v = {}
    for j, r in ipairs(dkim.verify(o)) do v[j] = r.result == "pass" and "pass" or "fail" end
    out[i] = v
  end
  return out
end

describe("spfkit.dkim.verify, differential", function()
  if not dk.available() then
    pending("needs openssl and Debian's python3-dkim (dkimpy) with python3-nacl")
    return
  end
  local ctx, keys, jobs, signed, labels, messages
  setup(function()
    ctx = dk.new()
    local rsa, ed, other = ctx:genkey("rsa", 2048), ctx:genkey("ed25519"), ctx:genkey("rsa", 1024)
    keys = { ["rsa._domainkey.example.jp"] = rsa.record, ["ed._domainkey.example.jp"] = ed.record,
             ["other._domainkey.example.jp"] = other.record }
    jobs = {}
    local function job(msg, key, sel, canon, headers, length, label)
      jobs[#jobs + 1] = { message = msg, key = key, selector = sel, domain = "example.jp", canon = canon,
                          headers = headers, length = length, label = label }
    end
    for _, canon in ipairs({ "relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple" }) do
      for _, k in ipairs({ { rsa, "rsa" }, { ed, "ed" } }) do
        job(BASE, k[1], k[2], canon, nil, false, canon .. " " .. k[2])
        job(BASE, k[1], k[2], canon, "from:to:subject:x-note:x-note:x-note:to", false,
            canon .. " " .. k[2] .. " repeated h=")
        job(BASE, k[1], k[2], canon, nil, true, canon .. " " .. k[2] .. " l=")
      end
      job(EMPTY_BODY, rsa, "rsa", canon, nil, false, canon .. " empty body")
      job(NO_FINAL_EOL, ed, "ed", canon, nil, false, canon .. " no final line end")
    end
    signed = ctx:sign(jobs)
    messages, labels = {}, {}
    for i, s in ipairs(signed) do
      for _, a in ipairs(ALTER_NAMES) do
        messages[#messages + 1] = ALTER[a](s)
        labels[#labels + 1] = jobs[i].label .. ", " .. a
      end
    end
  end)
  teardown(function() if ctx then ctx:cleanup() end end)

  it("passes every message as signed", function()
    for i, s in ipairs(signed) do
      local r = dkim.verify{ message = s, keys = keys }
      assert.are.equal(1, #r, jobs[i].label)
      assert.are.equal("pass", r[1].result, jobs[i].label .. ": " .. tostring(r[1].reason))
      assert.is_true(r[1].body_checked)
    end
  end)

  it("agrees with dkimpy on every message, altered or not", function()
    local theirs = ctx:dkimpy(messages, keys)
    local mine = ours(messages, { keys = keys })
    local fails = 0
    for i = 1, #messages do
      assert.are.same(theirs[i], mine[i], labels[i])
      if mine[i][1] == "fail" then fails = fails + 1 end
    end
    -- the alterations do break signatures (the comparison is not all "pass")
    assert.is_true(fails > #messages / 3)
    assert.is_true(fails < #messages)
  end)

  it("agrees with dkimpy when the published key is another one", function()
    local wrong = { ["rsa._domainkey.example.jp"] = keys["other._domainkey.example.jp"],
                    ["ed._domainkey.example.jp"] = keys["ed._domainkey.example.jp"] }
    local sample = { signed[1], signed[4] }
    local theirs = ctx:dkimpy(sample, wrong)
    assert.are.same(theirs, ours(sample, { keys = wrong }))
    local r = dkim.verify{ message = signed[1], keys = wrong }
    assert.are.equal("fail", r[1].result)
    assert.are.equal("key-mismatch", r[1].reason)
  end)

  it("agrees with dkimpy that a key under 1024 bits does not pass", function()
    local weak = ctx:genkey("rsa", 512)
    local m = ctx:sign{ { message = BASE, key = weak, selector = "weak", domain = "example.jp" } }
    local k = { ["weak._domainkey.example.jp"] = weak.record }
    assert.are.same(ctx:dkimpy(m, k), ours(m, { keys = k }))
    local r = dkim.verify{ message = m[1], keys = k }[1]
    assert.are.equal("key-unusable", r.reason)
    assert.are.equal("dkim-key-weak", r.key_findings[1].code)
  end)

  it("says why: body-changed, key-mismatch, no-key", function()
    local base = signed[1]
    assert.are.equal("body-changed", dkim.verify{ message = ALTER["body word"](base), keys = keys }[1].reason)
    assert.are.equal("key-mismatch", dkim.verify{ message = ALTER["subject word"](base), keys = keys }[1].reason)
    local r = dkim.verify{ message = base, keys = {} }[1]
    assert.are.equal("permerror", r.result)
    assert.are.equal("no-key", r.reason)
    assert.are.equal("rsa._domainkey.example.jp", r.key_name)
  end)

  it("checks the header signature of headers only, and says the body was not checked", function()
    for i, s in ipairs(signed) do
      local headers = s:match("^(.-\n)\n")
      local r = dkim.verify{ message = headers, keys = keys }[1]
      assert.are.equal("pass", r.result, jobs[i].label)
      assert.are.equal("headers-only", r.reason)
      assert.is_false(r.body_checked)
      local bad = dkim.verify{ message = ALTER["subject word"](headers), keys = keys }[1]
      assert.are.equal("fail", bad.result)
      -- a full message can be declared headers-only too (the bounce's copy may be cut)
      local decl = dkim.verify{ message = ALTER["body word"](s), keys = keys, headers_only = true }[1]
      assert.are.equal("pass", decl.result, jobs[i].label)
    end
  end)

  it("honours l=: text appended after the signed length still passes", function()
    for i, s in ipairs(signed) do
      if jobs[i].length then
        local r = dkim.verify{ message = ALTER["body appended"](s), keys = keys }[1]
        assert.are.equal("pass", r.result, jobs[i].label)
        assert.is_number(r.l)
      end
    end
  end)

  describe("over DNS, against Mail::DKIM", function()
    if not (nsd.available() and dk.perl_available()) then
      pending("needs nsd and Mail::DKIM (libmail-dkim-perl)")
      return
    end
    local srv
    setup(function()
      local lines = {}
      for name, txt in pairs(keys) do
        local _, presentation = dkim.split(txt)          -- 2048-bit keys need several strings
        lines[#lines + 1] = name:gsub("%.example%.jp$", "") .. " TXT " .. presentation
      end
      srv = assert(nsd.start{ zones = { ["example.jp"] = lines } })
    end)
    teardown(function() if srv then srv:stop() end end)

    it("agrees on the RSA-signed messages", function()
      local rsa_msgs, rsa_labels = {}, {}
      for i, m in ipairs(messages) do
        if not labels[i]:find(" ed", 1, true) and not labels[i]:find("no final", 1, true) then
          rsa_msgs[#rsa_msgs + 1], rsa_labels[#rsa_labels + 1] = m, labels[i]
        end
      end
      local r = assert(require("spfkit").resolver{ nameservers = { srv.addr } })
      local mine = ours(rsa_msgs, { dns = r })
      local theirs = ctx:mail_dkim(rsa_msgs, srv.port)
      for i = 1, #rsa_msgs do assert.are.same(theirs[i], mine[i], rsa_labels[i]) end
    end)
  end)
end)
