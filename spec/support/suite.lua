-- Loads the RFC 7208 / RFC 4408 test suites that Debian's python3-spf
-- ships, at test time, and turns each scenario's zonedata into an
-- spfkit.zone with the suite's driver rules (those of pyspf's testspf.py):
-- a name's SPF records are copied to TXT when it has no TXT entry, and a
-- value "NONE" means no record of that type.
local lyaml = require "lyaml"
local spfkit = require "spfkit"

local suite = {}

local NUL = "<<spfkit-NUL>>"

suite.DIR = "/usr/share/doc/python3-spf/"

function suite.available(file)
  local f = io.open(suite.DIR .. file, "rb")
  if f then f:close() return true end
  return false
end

function suite.load(file)
  local p = assert(io.popen("zcat " .. suite.DIR .. file))
  local text = p:read("*a")
  p:close()
  -- lyaml stops a string at a NUL byte (a-null, mx-null): carry "\0"
  -- escapes through a placeholder and restore them in suite.zone
  text = text:gsub("\\0", NUL)
  return lyaml.load(text, { all = true })
end

local function unnul(s) return (tostring(s):gsub(NUL, "\0")) end

local function strings(v)
  if type(v) == "table" then
    local out = {}
    for i, s in ipairs(v) do out[i] = unnul(s) end
    return out
  end
  return { unnul(v) }
end

function suite.zone(zonedata)
  local data = {}
  for name, records in pairs(zonedata or {}) do
    local out, has_txt, spf = {}, false, {}
    for _, rec in ipairs(records) do
      if type(rec) == "string" then
        out[#out + 1] = rec                       -- "TIMEOUT"
      else
        local t, v = next(rec)
        if t == "TXT" then has_txt = true end
        local is_none = v == "NONE"
        if not is_none then
          if t == "TXT" or t == "SPF" then v = strings(v) end
          if t == "MX" then v = { v[1], v[2] } end
          out[#out + 1] = { [t] = v }
          if t == "SPF" then spf[#spf + 1] = v end
        end
      end
    end
    if not has_txt then
      for _, v in ipairs(spf) do out[#out + 1] = { TXT = v } end
    end
    data[name] = out
  end
  return assert(spfkit.zone(data))
end

-- runs one test; returns ok, got_result, got_explanation
function suite.run(test, zone)
  local r, err = spfkit.check{
    ip = test.host, sender = test.mailfrom or "", helo = test.helo or "",
    dns = zone, default_explanation = "DEFAULT",
  }
  if not r then return false, "nil: " .. tostring(err and err.message) end
  local want = test.result
  local ok = false
  if type(want) == "table" then
    for _, w in ipairs(want) do if w == r.result then ok = true end end
  else
    ok = want == r.result
  end
  if ok and test.explanation ~= nil and test.explanation ~= r.explanation then ok = false end
  return ok, r.result, r.explanation, r
end

return suite
