-- core.phrase_index / core.phrase_find (csrc/phrases.c): the reason tables'
-- one-pass phrase search gives exactly what searching each phrase in turn
-- with string.find gives, on generated texts and on the bounces of the
-- shared corpora (when ../shared is there), and refuses what is not an index.
local core = require "spfkit.core"
local reason = require "spfkit.bounce.reason"

local function plain_phrases()
  local out = {}
  for _, name in ipairs(reason.ORDER) do
    for _, g in ipairs(reason.PHRASES[name] or {}) do
      for _, p in ipairs(g) do if type(p) == "string" then out[#out + 1] = p end end
    end
  end
  return out
end

local function by_find(phrases, text)
  local out = {}
  for i, p in ipairs(phrases) do
    if text:find(p, 1, true) then out[#out + 1] = i end
  end
  return out
end

local PHRASES = plain_phrases()
-- fewer generated cases under the memory checkers (SPFKIT_GC=aggressive:
-- ASan and valgrind); the plain runs try them all
local ROUNDS = os.getenv("SPFKIT_GC") == "aggressive" and 10 or 1
local INDEX = core.phrase_index(PHRASES)

describe("core.phrase_find", function()
  it("finds what string.find finds in generated texts", function()
    local rng = 12345
    local function rand(n) rng = (rng * 1103515245 + 12345) % 2147483648; return rng % n + 1 end
    for _ = 1, math.floor(300 / ROUNDS) do
      local parts = {}
      for _ = 1, rand(8) do
        local k = rand(3)
        if k == 1 then parts[#parts + 1] = PHRASES[rand(#PHRASES)]
        elseif k == 2 then parts[#parts + 1] = PHRASES[rand(#PHRASES)]:sub(1, -2) -- a near miss
        else parts[#parts + 1] = ("x"):rep(rand(5)) end
      end
      local text = table.concat(parts, rand(2) == 1 and " " or "")
      assert.are.same(by_find(PHRASES, text), core.phrase_find(INDEX, text), text)
    end
  end)

  it("finds phrases at the very start and end, overlapping and repeated", function()
    local idx = core.phrase_index({ "abc", "bcd", "abcd", "cde" })
    assert.are.same({ 1, 2, 3, 4 }, core.phrase_find(idx, "abcde"))
    assert.are.same({ 1 }, core.phrase_find(idx, "abcabcabc"))
    assert.are.same({}, core.phrase_find(idx, "ab"))
    assert.are.same({}, core.phrase_find(idx, ""))
  end)

  -- #slow: the plain and ASan runs read the corpus; valgrind's skips it
  it("agrees with string.find on the shared corpora's bounces #slow", function()
    local dir = "../shared/corpus/bounces-dev/"
    local f = io.open(dir .. "index.tsv")
    if not f then pending("../shared absent") return end
    local n = 0
    for line in f:lines() do
      local file = line:match("^([^\t]+%.eml)\t")
      local h = file and io.open(dir .. file, "rb")
      if h then
        local text = h:read("*a"):lower():sub(1, 20000)
        h:close()
        assert.are.same(by_find(PHRASES, text), core.phrase_find(INDEX, text), file)
        n = n + 1
      end
    end
    f:close()
    assert.is_true(n > 100)
  end)

  it("reason: the same match and command with the core's searches as without the core", function()
    local saved, saved_reason = package.loaded["spfkit.core"], package.loaded["spfkit.bounce.reason"]
    local saved_preload = package.preload["spfkit.core"]
    package.loaded["spfkit.core"], package.loaded["spfkit.bounce.reason"] = nil, nil
    package.preload["spfkit.core"] = function() error("spfkit.core is not built") end
    local ok, lreason = pcall(require, "spfkit.bounce.reason")
    package.preload["spfkit.core"] = saved_preload
    package.loaded["spfkit.core"], package.loaded["spfkit.bounce.reason"] = saved, saved_reason
    assert(ok, lreason)
    -- words of the phrase tables (whole, cut, with an "s"), command words, glue
    local pieces = { " ", ".", "-", "s", "x", "rcpt to", ">>> data", "mail from:", "greeting", "smtp:rcpt",
                     "after rcpt", "5.1.1", "550" }
    for _, name in ipairs(reason.ORDER) do
      for _, g in ipairs(reason.PHRASES[name] or {}) do
        for _, p in ipairs(g) do
          for _, w in ipairs(type(p) == "table" and p or { p }) do
            pieces[#pieces + 1] = w
            pieces[#pieces + 1] = w:sub(1, -2)
            pieces[#pieces + 1] = w:sub(2)
          end
        end
      end
    end
    -- each phrase given as words in order, as written and with its words
    -- changed at either end ("records" finds "record", "xrecord" does not)
    for _, name in ipairs(reason.ORDER) do
      for _, g in ipairs(reason.PHRASES[name] or {}) do
        for _, p in ipairs(g) do
          if type(p) == "table" then
            for _, f in ipairs({ function(w) return w end, function(w) return w .. "s" end,
                                 function(w) return "x" .. w end, function(w) return w .. "x" end,
                                 function(w) return w .. "ss" end }) do
              local t = {}
              for k, w in ipairs(p) do t[k] = f(w) end
              local text = "a " .. table.concat(t, " ") .. "."
              assert.are.same({ lreason.match(text) }, { reason.match(text) }, ("%q"):format(text))
            end
          end
        end
      end
    end
    math.randomseed(23)
    for _ = 1, math.floor(4000 / ROUNDS) do
      local t = {}
      for k = 1, math.random(1, 12) do t[k] = pieces[math.random(#pieces)] end
      local text = table.concat(t, math.random(2) == 1 and " " or "")
      assert.are.same({ lreason.match(text) }, { reason.match(text) }, ("%q"):format(text))
      assert.are.equal(lreason.command_in({ text:lower() }), reason.command_in({ text:lower() }), ("%q"):format(text))
    end
  end)

  it("refuses what is not an index and phrases it cannot hold", function()
    assert.has_error(function() core.phrase_find("not an index", "text") end)
    assert.has_error(function() core.phrase_find(("\0"):rep(64), "text") end)
    -- a forged index with a bad bucket count or chain is refused or stays in bounds
    local forged = INDEX:sub(1, 4) .. string.rep("\255", 8) .. INDEX:sub(13)
    assert.has_error(function() core.phrase_find(forged, "text") end)
    assert.has_error(function() core.phrase_index({ "ab" }) end)
    assert.has_error(function() core.phrase_index({ 1 }) end)
    assert.are.same({}, core.phrase_find(core.phrase_index({}), "anything"))
    -- corrupted records: a result or an error, never a read outside the string
    local rng = 99
    for _ = 1, 200 do
      rng = (rng * 1103515245 + 12345) % 2147483648
      local at = 13 + rng % (#INDEX - 13)
      local bad = INDEX:sub(1, at - 1) .. string.char(rng % 256) .. INDEX:sub(at + 1)
      local ok, res = pcall(core.phrase_find, bad, "the user unknown mailbox full relay access denied")
      assert.is_true(ok and type(res) == "table" or not ok)
    end
  end)
end)
