-- spfkit.bounce.parse scored per field on the two shared corpora, read at
-- test time from ../shared/corpus (never copied here; skipped when absent):
--   ../shared/corpus/bounces/      the 44 samples the parser was built on: 100 % on every field
--   ../shared/corpus/bounces-dev/  311 public bounces of 77 formats (Sisimai's set-of-emails,
--                                  expectations from Sisimai 5's tests): thresholds just below
--                                  the level measured, so that a regression fails
-- A sample counts once per field and is right when every expected recipient
-- is found and right on that field (spec/support/bounce_corpus.lua, shared
-- with bench/bounce). The reason is also scored on the entries whose
-- recipient and status are right, to measure the classifier apart from the
-- readers.
local bounce = require "spfkit.bounce"
local bc = require "spec.support.bounce_corpus"

local SHARED = "../shared/corpus/"

-- Lowest share of samples right per field on bounces-dev (measured, then
-- rounded down by about one sample).
local DEV_THRESHOLDS = {
  recipient = 0.980, status = 0.974, reply_code = 0.964, reason = 0.950, entry_reason = 0.955,
}

local FROM = { hint = true, status = true, action = true, diagnostic_type = true, reply_code = true,
  command = true, default = true }

local function parse(raw)
  local ok, list = pcall(bounce.parse, raw)
  assert(ok, list)
  return list or {}
end

local function misses(s, field)
  local t = {}
  for _, m in ipairs(s.misses) do
    if m.field == field and #t < 15 then
      t[#t + 1] = ("%s want=%s got=%s %s"):format(m.file, m.want, m.got, m.from or "")
    end
  end
  return table.concat(t, "\n")
end

local function share(s, field)
  if field == "entry_reason" then return s.entry_reason / math.max(s.entry_n, 1) end
  return s[field] / math.max(s.n, 1)
end

-- Entries whose reader set the reason without the classifier (ARF
-- `feedback`, RFC 3834 `vacation`) may not say so yet.
local READER_SET = { feedback = true, vacation = true }

local function check_from(results)
  for _, list in ipairs(results) do
    for _, e in ipairs(list) do
      local from = e.reason_from
      if from == nil and READER_SET[e.reason] then from = "hint" end
      assert.is_string(from, "reason_from missing for " .. tostring(e.recipient))
      assert.is_true(FROM[from] or from:match("^phrase:.+") ~= nil or from:match("^code:%a+ %w+$") ~= nil
        or from:match("^header:[%w%-]+$") ~= nil or from:match("^dsn:[%w%-]+$") ~= nil,
        "unknown reason_from " .. from)
    end
  end
end

describe("bounce corpus ../shared/corpus/bounces", function()
  local rows, results = bc.run(SHARED .. "bounces/", parse)
  if not rows then
    it("is skipped: ../shared/corpus/bounces is absent", function() pending("corpus absent") end)
    return
  end
  local s = bc.score(rows, results)
  it("reads the 44 samples", function() assert.are.equal(44, s.n) end)
  for _, field in ipairs(bc.FIELDS) do
    it("gets the " .. field .. " right on every sample", function()
      assert.are.equal(s.n, s[field], misses(s, field))
    end)
  end
  it("finds the hand-read auth domain and IP on every sample that has them", function()
    assert.is_true(s.auth_n > 0)
    assert.are.equal(s.auth_n, s.auth, misses(s, "auth"))
  end)
  it("says what decided each reason", function() check_from(results) end)
end)

describe("bounce corpus ../shared/corpus/bounces-dev", function()
  local rows, results = bc.run(SHARED .. "bounces-dev/", parse)
  if not rows then
    it("is skipped: ../shared/corpus/bounces-dev is absent", function() pending("corpus absent") end)
    return
  end
  local s = bc.score(rows, results)
  it("reads the 311 samples", function() assert.are.equal(311, s.n) end)
  for _, field in ipairs({ "recipient", "status", "reply_code", "reason", "entry_reason" }) do
    local want = DEV_THRESHOLDS[field]
    it(("keeps %s at %.0f %% or more"):format(field, 100 * want), function()
      local got = share(s, field)
      assert.is_true(got >= want, ("%s %.1f %% < %.0f %%\n%s"):format(field, 100 * got, 100 * want,
        misses(s, field == "entry_reason" and "reason" or field)))
    end)
  end
  it("finds a bounce in every sample (no empty result)", function()
    local empty = {}
    for i, list in ipairs(results) do
      if #list == 0 then empty[#empty + 1] = rows[i].file end
    end
    assert.are.equal(0, #empty, table.concat(empty, " "))
  end)
  it("says what decided each reason", function() check_from(results) end)
end)
