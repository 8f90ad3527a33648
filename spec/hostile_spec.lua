-- Hostile input: every case returns one of the seven results, quickly,
-- never a crash (these also run under ASan/UBSan and valgrind).
local spfkit = require "spfkit"

local RESULTS = { pass = true, fail = true, softfail = true, neutral = true,
                  none = true, permerror = true, temperror = true }

local function run(zone, sender, ip)
  local z = assert(spfkit.zone(zone))
  local t0 = os.clock()
  local r = assert(spfkit.check{ ip = ip or "192.0.2.1", sender = sender, helo = "h.example", dns = z })
  local dt = os.clock() - t0
  assert.is_true(RESULTS[r.result] ~= nil, tostring(r.result))
  assert.is_true(dt < 1, ("took %.3f s"):format(dt))
  return r
end

describe("hostile input", function()
  it("CVE-2023-42118 shape: a: + 127 %{d} + 4000 A", function()
    local r = run({ ["e.example"] = { { TXT = "v=spf1 a:" .. ("%{d}"):rep(127) .. ("A"):rep(4000) .. " -all" } } }, "a@e.example")
    assert.are.equal("permerror", r.result)
    -- and the same macros with a valid ending: expanded, truncated, evaluated
    r = run({ ["e.example"] = { { TXT = "v=spf1 a:" .. ("%{d}"):rep(127) .. ".com -all" } } }, "a@e.example")
    assert.are.equal("fail", r.result)
    assert.is_true(#r.trace[2].name <= 253)
  end)

  it("include loops and 50-deep redirect chains stop at the lookup limit", function()
    local r = run({ ["e.example"] = { { TXT = "v=spf1 include:e.example -all" } } }, "a@e.example")
    assert.are.equal("permerror", r.result)
    local z = {}
    for i = 1, 50 do z["r" .. i .. ".example"] = { { TXT = "v=spf1 redirect=r" .. (i + 1) .. ".example" } } end
    r = run(z, "a@r1.example")
    assert.are.equal("permerror", r.result)
    assert.are.equal("too-many-lookups", r.problem_code)
    z = { ["a.example"] = { { TXT = "v=spf1 redirect=b.example" } }, ["b.example"] = { { TXT = "v=spf1 redirect=a.example" } } }
    assert.are.equal("permerror", run(z, "x@a.example").result)
  end)

  it("10 KB and 60 KB records", function()
    local r = run({ ["e.example"] = { { TXT = "v=spf1 " .. ("ip4:192.0.2.1 "):rep(750) .. "-all" } } }, "a@e.example", "192.0.2.9")
    assert.are.equal("fail", r.result)
    r = run({ ["e.example"] = { { TXT = { "v=spf1 " .. ("a:x.example "):rep(5000) } } } }, "a@e.example")
    assert.are.equal("permerror", r.result)
  end)

  it("NUL bytes in records and explanations", function()
    assert.are.equal("permerror", run({ ["e.example"] = { { TXT = "v=spf1 ip4:192.0.2.1\0 -all" } } }, "a@e.example").result)
    local r = run({ ["e.example"] = { { TXT = "v=spf1 -all exp=x.example" } }, ["x.example"] = { { TXT = "bad\0text" } } }, "a@e.example")
    assert.are.equal("fail", r.result)
    assert.is_nil(r.explanation)
  end)

  it("30 MX names", function()
    local recs = { { TXT = "v=spf1 mx -all" } }
    for i = 1, 30 do recs[#recs + 1] = { MX = { i, "mx" .. i .. ".e.example" } } end
    assert.are.equal("permerror", run({ ["e.example"] = recs }, "a@e.example").result)
  end)

  it("a 20 KB local part and absurd transformer digits", function()
    local z = { ["e.example"] = { { TXT = "v=spf1 exists:%{l}.%{s}.%{L99999999999999999999r-}.%{d9999999999999}.e.example exp=x.e.example -all" } },
                ["x.e.example"] = { { TXT = ("%{s} %{L} %{i} "):rep(1000) } } }
    local r = run(z, ("x.-"):rep(7000) .. "@e.example")
    assert.are.equal("fail", r.result)
    r = run(z, ("y"):rep(20000) .. "@e.example")
    assert.are.equal("fail", r.result)
  end)

  it("binary garbage as a record", function()
    local bytes = {}
    for i = 1, 2048 do bytes[i] = string.char((i * 37 + 11) % 256) end
    local garbage = table.concat(bytes)
    assert.are.equal("none", run({ ["e.example"] = { { TXT = garbage } } }, "a@e.example").result)
    assert.are.equal("permerror", run({ ["e.example"] = { { TXT = "v=spf1 " .. garbage } } }, "a@e.example").result)
    local rec, err = spfkit.parse("v=spf1 " .. garbage)
    assert.is_nil(rec)
    assert.is_number(err.position)
  end)

  it("hostile senders and HELO names", function()
    local z = { ["e.example"] = { { TXT = "v=spf1 -all" } } }
    for _, sender in ipairs{ "@", "a@b@c", ("@"):rep(1000), "a@" .. ("x."):rep(200) .. "example", "a@\0.example", "a@.", "a@e.example." } do
      local r, err = spfkit.check{ ip = "192.0.2.1", sender = sender, helo = "h.example", dns = assert(spfkit.zone(z)) }
      assert(r or err)
      if r then assert.is_true(RESULTS[r.result]) end
    end
  end)
end)
