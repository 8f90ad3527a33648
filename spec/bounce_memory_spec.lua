-- Bounded memory and work for hostile bounces (issue 15, item 5): MIME is
-- read by offsets into the one message, so nesting does not copy bodies.
local bounce = require "spfkit.bounce"
local mime = require "spfkit.mime"
local deep = require "spec.support.deep_bounce"

-- Peak of collectgarbage("count") (KB) above the level before `fn` runs,
-- sampled every 1000 VM instructions.
local function peak_kb(fn)
  collectgarbage(); collectgarbage()
  local base = collectgarbage("count")
  local peak = base
  debug.sethook(function()
    local c = collectgarbage("count")
    if c > peak then peak = c end
  end, "", 1000)
  local ok, a, b = pcall(fn)
  debug.sethook()
  local c = collectgarbage("count")
  if c > peak then peak = c end
  assert(ok, a)
  return peak - base, a, b
end

describe("bounce memory bound #slow", function()
  local raw = deep.nested(24, 3 * 1024 * 1024)
  local kb = #raw / 1024

  it("reads the recipient of a bounce whose returned message nests 24 levels", function()
    local list = assert(bounce.parse(raw))
    assert.are.equal(1, #list)
    assert.are.equal("b@example.net", list[1].recipient)
    assert.are.equal("5.1.1", list[1].status)
  end)

  it("peaks below twice the input while parsing it", function()
    local used = peak_kb(function() return bounce.parse(raw) end)
    assert.is_true(used < 2 * kb, ("peak %.0f KB for %.0f KB of input"):format(used, kb))
  end)

  it("keeps MIME entities as offsets into the one message", function()
    local top = mime.parse(raw)
    local e, levels = top, 0
    while e do
      assert.are.equal(raw, e.src) -- the same string, not a copy
      local nxt = e.message
      for _, p in ipairs(e.parts or {}) do nxt = nxt or p.message end
      e, levels = nxt, levels + 1
    end
    assert.is_true(levels >= 12)
    assert.is_true(top.state.work <= (mime.LIMITS.depth + 2) * #raw)
  end)
end)

describe("bounce work cap #slow", function()
  it("stops splitting once the boundary searches have scanned a few times the input", function()
    local raw = deep.unclosed(400, 2 * 1024 * 1024)
    local top = mime.parse(raw)
    local cap = mime.LIMITS.work_factor * #raw + mime.LIMITS.work_base
    -- one search may overshoot the cap by at most the input's length
    assert.is_true(top.state.work <= cap + #raw, ("%d bytes scanned"):format(top.state.work))
    local list, err = bounce.parse(raw)
    assert.is_nil(err)
    assert.are.equal("table", type(list))
  end)

  it("caps the bytes decoded over all parts", function()
    local saved = mime.LIMITS.decode_total
    mime.LIMITS.decode_total = 256 * 1024 -- the cap, scaled down to keep the spec fast
    local part = "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
      .. string.rep("QUJD", 16 * 1024) .. "\n"
    local raw = "From: x@example.org\nContent-Type: multipart/mixed; boundary=b\n\n"
      .. string.rep(part, 8) .. "--b--\n"
    local top = mime.parse(raw)
    local ok, e = pcall(function()
      for _, p in ipairs(top.parts) do mime.decoded(p) end
    end)
    mime.LIMITS.decode_total = saved
    assert(ok, e)
    assert.are.equal(8, #top.parts)
    assert.are.equal("ABC", mime.decoded(top.parts[1]):sub(1, 3))
    assert.is_true(top.state.decoded <= 256 * 1024)
    assert.is_true(top.parts[8].truncated)
  end)
end)
