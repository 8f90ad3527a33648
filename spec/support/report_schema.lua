-- The JSON schema of a diagnosis report ("spfkit.diagnosis/2", README
-- "Diagnosis"), as a checker over the decoded JSON (lua-cjson).
local cjson = require "cjson"

local M = {}

local S, N, B = "string", "number", "boolean"

local FINDING = { code = S, severity = S, params = "table", message = S, evidence = "table", text = "table" }
local STEP = { number = N, code = S, params = "table", text = S, words = "table" }
local FIX = { action = S, type = S, name = S, fqdn = S, value = S, presentation = S, ttl = N, before = S,
              zone_line = S, strings = "array", owner = S, reason = S, reason_message = S, host = S, zone = S }
local WHATIF = { result = S, before = S, changed = B, record = S, code = S, message = S, text = "table" }
local SPF = { domain = S, result = S, record = S, records = "array", other_txt = "array", ttl = N, lookups = N,
              void_lookups = N, problem = S, problem_code = S, problem_position = N, mechanism = S,
              received_spf = S }
local DMARC = { domain = S, org_domain = S, name = S, record = S, records = "array", inherited = B, p = S,
                sp = S, adkim = S, aspf = S, pct = N, rua = "array", ruf = "array", policy = S, spf_domain = S,
                dkim_domain = S, spf_aligned = B, dkim_aligned = B }
local PTR = { ip = S, reverse_name = S, names = "array", confirmed = B, suggested = S }
local RELAY = { kind = S, via = S, list = S, evidence = "table" }
local BOUNCE = { recipient = S, original_recipient = S, action = S, status = S, reply_code = N, reason = S,
                 diagnostic = S, remote_mta = S, remote_ip = S, reporting_mta = S, command = S, mta = S,
                 sender = S, auth = "table", original = "table", reason_from = S, receiver = S,
                 mail_system_host = S }
local TOP = {
  schema = S, lang = S, status = S, case = S, reason = S, domain = S, ip = S, ip_from = S, sender = S,
  summary = S, summary_code = S, summary_params = "table",
  findings = "array", steps = "array", fix = FIX, whatif = WHATIF, spf = SPF, dmarc = DMARC, ptr = PTR,
  relay = RELAY, bounce = BOUNCE, error = { code = S, params = "table", message = S },
  provider = { id = S, from = S, host = S, term = S, name = S, clue = S }, receiver = S, dkim = "table",
}
local REQUIRED = { "schema", "lang", "status", "case", "summary", "summary_code", "summary_params", "findings",
                   "steps", "fix" }

M.STATUS = { ok = true, problem = true, error = true }
M.SEVERITY = { error = true, warning = true, info = true }
M.ACTION = { add = true, merge = true, replace = true, none = true }

local function is_array(v) return type(v) == "table" and (next(v) == nil or v[1] ~= nil) end

local function check_object(v, shape, path)
  if type(v) ~= "table" then return nil, path .. ": object expected" end
  for k, x in pairs(v) do
    local want = shape[k]
    if want == nil then return nil, path .. "." .. tostring(k) .. ": not in the schema" end
    if x ~= cjson.null then
      if type(want) == "table" then
        local ok, err = check_object(x, want, path .. "." .. k)
        if not ok then return nil, err end
      elseif want == "array" then
        if not is_array(x) then return nil, path .. "." .. k .. ": array expected" end
      elseif type(x) ~= want then
        return nil, path .. "." .. k .. ": " .. want .. " expected, got " .. type(x)
      end
    end
  end
  return true
end

--- Check a JSON text against the schema; returns the decoded value or nil, why.
function M.check(json)
  local ok, v = pcall(cjson.decode, json)
  if not ok then return nil, "not JSON: " .. tostring(v) end
  local good, err = check_object(v, TOP, "$")
  if not good then return nil, err end
  for _, k in ipairs(REQUIRED) do
    if v[k] == nil then return nil, "$." .. k .. ": required" end
  end
  if v.schema ~= "spfkit.diagnosis/2" then return nil, "$.schema" end
  if v.summary == "" then return nil, "$.summary: empty" end
  if not M.STATUS[v.status] then return nil, "$.status: " .. tostring(v.status) end
  if not M.ACTION[v.fix.action] then return nil, "$.fix.action" end
  if v.fix.action ~= "none" then
    for _, k in ipairs({ "type", "name", "fqdn", "value", "presentation", "ttl" }) do
      if v.fix[k] == nil then return nil, "$.fix." .. k .. ": required for " .. v.fix.action end
    end
    if not v.whatif or v.whatif.result ~= "pass" then return nil, "$.whatif: a proposed fix must pass" end
  elseif type(v.fix.reason) ~= "string" or type(v.fix.reason_message) ~= "string" then
    return nil, "$.fix.reason: a report without a fix says why"
  end
  for i, f in ipairs(v.findings) do
    good, err = check_object(f, FINDING, "$.findings[" .. i .. "]")
    if not good then return nil, err end
    if not M.SEVERITY[f.severity] then return nil, "$.findings[" .. i .. "].severity" end
    for _, k in ipairs({ "code", "severity", "params", "message", "evidence" }) do
      if f[k] == nil then return nil, "$.findings[" .. i .. "]." .. k .. ": required" end
    end
  end
  for i, s in ipairs(v.steps) do
    good, err = check_object(s, STEP, "$.steps[" .. i .. "]")
    if not good then return nil, err end
    if s.number ~= i then return nil, "$.steps[" .. i .. "].number" end
    if s.code == nil or s.params == nil then return nil, "$.steps[" .. i .. "]: code and params required" end
  end
  if v.status == "error" and not v.error then return nil, "$.error: required when status is error" end
  return v
end

return M
