-- Issue 13 item 4: the check's fast path keeps its arena and parse cache
-- honest — an error raised while the cached arena is lent leaves it free,
-- checks from __gc (re-entrant) work, and the parse cache gives the same
-- results when it is cleared and refilled (1500 records, twice).
local spfkit = require "spfkit"
local core = require "spfkit.core"

-- An object whose collection runs fn (tables have no __gc in LuaJIT).
local function on_gc(fn)
  local newproxy = rawget(_G, "newproxy")
  if newproxy then
    local u = newproxy(true)
    getmetatable(u).__gc = fn
    return u
  end
  return setmetatable({}, { __gc = fn })
end

describe("spfkit.check's cached arena and parse cache", function()
  it("frees the arena after an error and serves re-entrant checks", function()
    local z = spfkit.zone{ ["example.com"] = { { TXT = "v=spf1 ip4:1.2.3.4 -all" } } }
    for _ = 1, 3 do assert.is_false((pcall(core.check, { ip = "1.2.3.4", sender = 5, dns = z }))) end
    local r = spfkit.check{ ip = "1.2.3.4", sender = "a@example.com", dns = z }
    assert.are.equal("pass", r.result)
    assert.are.equal(1, #r.trace)
    local fails = 0
    for _ = 1, 200 do
      on_gc(function()
        local x = spfkit.check{ ip = "1.2.3.5", sender = "a@example.com", dns = z }
        if x.result == "fail" then fails = fails + 1 end
      end)
      local y = spfkit.check{ ip = "1.2.3.4", sender = "a@example.com", dns = z }
      assert.are.equal("pass", y.result)
      assert.are.equal(1, #y.trace)
    end
    collectgarbage()
    collectgarbage()
    assert.is_true(fails > 0)
  end)

  it("gives the same results when the parse cache is cleared and refilled", function()
    local data = {}
    for i = 1, 1500 do
      local rec = "v=spf1 ip4:10." .. (i % 256) .. ".0.0/16 " .. string.rep("a:x" .. i .. ".example ", i % 7)
        .. (i % 3 == 0 and "bad:mech " or "") .. "-all"
      data["d" .. i .. ".example"] = { { TXT = rec } }
    end
    local z = spfkit.zone(data)
    local counts = { pass = 0, permerror = 0 }
    for _ = 1, 2 do
      for i = 1, 1500 do
        local r = spfkit.check{ ip = "10." .. (i % 256) .. ".1.1", sender = "a@d" .. i .. ".example", dns = z }
        assert.are.equal((i % 3 == 0) and "permerror" or "pass", r.result)
        counts[r.result] = counts[r.result] + 1
      end
    end
    assert.are.same({ pass = 2000, permerror = 1000 }, counts)
  end)
end)
