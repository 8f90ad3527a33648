-- Scoring of a bounce parser against a corpus folder with an `index.tsv`
-- (../shared/corpus/bounces and ../shared/corpus/bounces-dev; their README
-- explains the columns). Shared by spec/bounce_corpus_spec.lua and
-- bench/bounce so that both count the same way.
--
--   local bc = require "spec.support.bounce_corpus"
--   local rows = bc.read_index(dir)            -- nil when the folder is absent
--   local s = bc.score(rows, results)          -- results[i]: list of entries for rows[i]
--   s.recipient, s.status, s.reply_code, s.reason, s.n    (samples right per field)
--   s.entry_n, s.entry_reason                   (entries whose recipient and status
--                                                are right, and of those the ones
--                                                whose reason is right too)
--   s.empty                                     (samples with no entry at all)
--   s.auth_n, s.auth                            (samples with a hand-read auth domain/IP,
--                                                and of those the ones found)
--   s.misses                                    { {file=, field=, want=, got=, from=} }
--
-- A sample counts once per field and is right only when every expected
-- recipient is found and right on that field.
local M = {}

local function split(s, sep)
  local t = {}
  for v in ((s or "") .. sep):gmatch("([^" .. sep .. "]*)" .. sep) do t[#t + 1] = v end
  return t
end
M.split = split

--- Read `dir/index.tsv` into a list of rows keyed by column name.
function M.read_index(dir)
  local f = io.open(dir .. "index.tsv", "r")
  if not f then return nil end
  local rows, cols = {}, nil
  for line in f:lines() do
    local fields = split(line, "\t")
    if not cols then cols = fields else
      local row = {}
      for i, c in ipairs(cols) do row[c] = fields[i] or "" end
      if row.file ~= "" then rows[#rows + 1] = row end
    end
  end
  f:close()
  return rows
end

--- The raw text of a file, or nil.
function M.slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- Sisimai-internal pseudo statuses (x.0.9xx, x.9.xxx) never appear in a
-- mail: any status is accepted for them (bounces-dev/README).
local function status_ok(want, got)
  if want == "" then return true end
  if want:match("^%d%.0%.9%d%d$") or want:match("^%d%.9%.%d+$") then return true end
  return want == (got or "")
end
M.status_ok = status_ok

local function find_entry(by, want)
  for alt in (want .. "|"):gmatch("([^|]*)|") do
    local e = by[alt:lower()]
    if e then return e end
  end
  return nil
end

local FIELDS = { "recipient", "status", "reply_code", "reason" }
M.FIELDS = FIELDS

local function check_entry(s, row, k, e, want, ok)
  local got = {
    status = e and e.status, reply_code = e and e.reply_code and tostring(e.reply_code), reason = e and e.reason,
  }
  local good = {
    status = e ~= nil and status_ok(want.status[k] or "", got.status),
    reply_code = e ~= nil and (want.reply_code[k] or "") == (got.reply_code or ""),
    reason = e ~= nil and (want.reason[k] or "") == (got.reason or ""),
  }
  for f, v in pairs(good) do
    if not v then
      ok[f] = false
      s.misses[#s.misses + 1] = { file = row.file, field = f, recipient = want.recipient[k],
        want = want[f][k] or "", got = got[f] or "", from = e and e.reason_from }
    end
  end
  if e and good.status then
    s.entry_n = s.entry_n + 1
    if good.reason then s.entry_reason = s.entry_reason + 1 end
  end
end

-- The hand-read authentication domain and IP (Gmail 5.7.26 and friends).
local function score_auth(s, row, list)
  local want_d, want_ip = row.handread_auth_domain or "", row.handread_auth_ip or ""
  if want_d == "" and want_ip == "" then return end
  s.auth_n = s.auth_n + 1
  for _, e in ipairs(list) do
    local a = e.auth or {}
    if (want_d == "" or (a.domain or "") == want_d:lower()) and (want_ip == "" or a.ip == want_ip) then
      s.auth = s.auth + 1
      return
    end
  end
  s.misses[#s.misses + 1] = { file = row.file, field = "auth", want = want_d .. " " .. want_ip, got = "" }
end

local function score_row(s, row, list)
  local by = {}
  for _, e in ipairs(list) do if e.recipient then by[e.recipient:lower()] = e end end
  local want = {
    recipient = split(row.expected_recipient, ";"), status = split(row.expected_status, ";"),
    reply_code = split(row.expected_replycode, ";"), reason = split(row.expected_reason, ";"),
  }
  local ok = { recipient = true, status = true, reply_code = true, reason = true }
  if #list == 0 then s.empty = s.empty + 1; s.empty_files[#s.empty_files + 1] = row.file end
  local scored = row.expected_recipient ~= ""
  if scored and #list ~= #want.recipient then ok.recipient = false end
  for k = 1, #want.recipient do
    local e
    if scored then
      e = find_entry(by, want.recipient[k])
      if not e then ok.recipient = false end
    else
      e = list[k] -- recipient withheld (feedback reports): score the rest in order
    end
    check_entry(s, row, k, e, want, ok)
  end
  if not ok.recipient then
    s.misses[#s.misses + 1] = { file = row.file, field = "recipient", want = row.expected_recipient,
      got = (function() local t = {} for _, e in ipairs(list) do t[#t + 1] = e.recipient or "?" end
        return table.concat(t, ";") end)() }
  end
  for _, f in ipairs(FIELDS) do if ok[f] then s[f] = s[f] + 1 end end
  score_auth(s, row, list)
end

--- Score results (results[i] = list of entries for rows[i]) per field.
function M.score(rows, results)
  local s = { n = #rows, entry_n = 0, entry_reason = 0, empty = 0, empty_files = {}, misses = {}, auth = 0,
    auth_n = 0 }
  for _, f in ipairs(FIELDS) do s[f] = 0 end
  for i, row in ipairs(rows) do score_row(s, row, results[i] or {}) end
  return s
end

--- Parse every sample of a folder with `parse` (a function raw -> list).
-- @return rows, results, raws (nil when the folder is absent)
function M.run(dir, parse)
  local rows = M.read_index(dir)
  if not rows then return nil end
  local kept, results, raws = {}, {}, {}
  for _, row in ipairs(rows) do
    local raw = M.slurp(dir .. row.file)
    if raw then
      kept[#kept + 1] = row
      raws[#raws + 1] = raw
      results[#results + 1] = parse(raw) or {}
    end
  end
  return kept, results, raws
end

return M
