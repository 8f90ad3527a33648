-- Issue 10 item 6: no internal error, no empty report. Every bounce we
-- can find (spec fixtures, examples, and the shared corpora when present)
-- is diagnosed against DNS where the domain is missing, empty, broken,
-- doubly published and healthy — whatever domain the bounce names.
local spfkit = require "spfkit"
local schema = require "spec.support.report_schema"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function list(dir, pattern)
  local out = {}
  local p = io.popen('ls "' .. dir .. '" 2>/dev/null')
  for name in p:lines() do
    if name:match(pattern) then out[#out + 1] = dir .. "/" .. name end
  end
  p:close()
  return out
end

-- A DNS source that answers every name the same way (per mode).
local A = { { name = "x", type = "A", ttl = 300, data = "192.0.2.1" } }
local function txt(...)
  local out = {}
  for i, s in ipairs({ ... }) do out[i] = { name = "x", type = "TXT", ttl = 300, data = { s } } end
  return out
end
local MODES = {
  missing = function() return { rcode = "NXDOMAIN", records = {} } end,
  empty = function() return { rcode = "NOERROR", records = {} } end,
  broken = function(_, qtype)
    if qtype == "TXT" then return { rcode = "NOERROR", records = txt("v=spf1 ip4:192.0.2.0/33 mx -all") } end
    return { rcode = "NOERROR", records = {} }
  end,
  double = function(_, qtype)
    if qtype == "TXT" then
      return { rcode = "NOERROR", records = txt("v=spf1 a -all", "v=spf1 ip4:192.0.2.0/33 ~all") }
    end
    if qtype == "A" then return { rcode = "NOERROR", records = A } end
    return { rcode = "NOERROR", records = {} }
  end,
  healthy = function(name, qtype)
    if qtype == "TXT" and name:find("^_dmarc%.") then
      return { rcode = "NOERROR", records = txt("v=DMARC1; p=none") }
    end
    if qtype == "TXT" then return { rcode = "NOERROR", records = txt("v=spf1 a mx ~all") } end
    if qtype == "A" then return { rcode = "NOERROR", records = A } end
    return { rcode = "NOERROR", records = {} }
  end,
}

local function source(mode)
  local answer = MODES[mode]
  return { query = function(_, name, qtype) return answer(name:lower(), qtype) end }
end

local files = {}
for _, dir in ipairs({ "spec/fixtures/bounces", "spec/fixtures/diagnose", "examples/bounces" }) do
  for _, f in ipairs(list(dir, "%.eml$")) do files[#files + 1] = f end
end
local shared = {}
for _, dir in ipairs({ "../shared/corpus/bounces", "../shared/corpus/bounces-dev" }) do
  for _, f in ipairs(list(dir, "%.eml$")) do shared[#shared + 1] = f end
end

local function check_one(path, raw, mode, bad)
  local r = spfkit.diagnose{ bounce = raw, dns = source(mode) }
  local where = path .. " [" .. mode .. "]: "
  local parsable = not (r.error and (r.error.code == "input-not-mail" or r.error.code == "input-not-bounce"))
  if parsable and r.status == "error" then bad[#bad + 1] = where .. tostring(r.summary) end
  if not r.summary or r.summary == "" then bad[#bad + 1] = where .. "empty summary" end
  local v, why = schema.check(r:json())
  if not v then bad[#bad + 1] = where .. tostring(why) end
  return parsable
end

local function check_all(paths)
  local seen, bad = 0, {}
  for _, path in ipairs(paths) do
    local raw = read(path)
    for mode in pairs(MODES) do
      if check_one(path, raw, mode, bad) then seen = seen + 1 end
    end
  end
  assert(#bad == 0, #bad .. " bad reports:\n" .. table.concat(bad, "\n", 1, math.min(#bad, 30)))
  return seen
end

describe("every bounce, every DNS state (#10)", function()
  it("diagnoses the bundled bounces without an internal error or an empty report", function()
    assert.is_true(#files >= 15)
    assert.is_true(check_all(files) >= 15 * 4)
  end)

  it("diagnoses the shared corpora without an internal error or an empty report #slow", function()
    if #shared == 0 then
      pending("../shared/corpus is absent")
      return
    end
    assert.is_true(check_all(shared) > #shared)
  end)
end)
