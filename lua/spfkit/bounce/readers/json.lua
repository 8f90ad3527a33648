--- Readers for JSON notifications: Amazon SES event notifications (Bounce,
-- Delivery, Complaint), as mailed by SES or wrapped by an SNS e-mail
-- subscription (escaped, folded lines). Field names from the SES
-- developer guide, "Contents of notifications for Amazon SES".
-- @module spfkit.bounce.readers.json
local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, sub, gsub, match, gmatch = string.find, string.sub, string.gsub, string.match, string.gmatch
local concat = table.concat

local MAXRCPT = 100

-- The JSON text of a notice: from the first brace, SNS folds joined and
-- one level of string escaping removed.
local function json_text(lines)
  local t = concat(lines, "\n")
  local s = find(t, "{", 1, true)
  if not s then return nil end
  t = sub(t, s, s + 256 * 1024)
  t = gsub(t, "\n ", "")
  if find(t, '\\"', 1, true) then t = gsub(t, '\\"', '"') end
  return t
end

local function field(t, name)
  return match(t, '"' .. name .. '"%s*:%s*"([^"]*)"')
end

local function bounced(t, kind)
  local recs = {}
  local list = match(t, '"' .. kind .. '"%s*:%s*%[(.-)%]')
  if not list then return recs end
  for obj in gmatch(list, "{[^{}]*}") do
    local a = field(obj, "emailAddress")
    if a and #recs < MAXRCPT then
      local r = { recipient = a:lower(), action = field(obj, "action"), status = field(obj, "status") }
      local dc = field(obj, "diagnosticCode")
      if dc then r.diagnostic = gsub(dc, "^%s*[%w%-]+%s*;%s*", "", 1) end
      recs[#recs + 1] = r
    end
  end
  return recs
end

--- Amazon SES: `{"notificationType": "Bounce"|"Delivery"|"Complaint", ...}`.
-- @tparam table lines notification lines
-- @treturn table records
function M.ses(lines)
  local t = json_text(lines)
  if not t then return {} end
  local kind = field(t, "notificationType") or field(t, "eventType")
  if kind == "Bounce" then
    return bounced(t, "bouncedRecipients")
  elseif kind == "Complaint" then
    local recs = bounced(t, "complainedRecipients")
    for i = 1, #recs do recs[i].reason_hint = "feedback" end
    return recs
  elseif kind == "Delivery" then
    local recs = {}
    local d = match(t, '"delivery"%s*:%s*(%b{})') or t
    local resp = field(d, "smtpResponse")
    for a in gmatch(match(d, '"recipients"%s*:%s*%[([^%]]*)%]') or "", '"([^"]+)"') do
      if #recs < MAXRCPT then recs[#recs + 1] = { recipient = a:lower(), action = "delivered", diagnostic = resp } end
    end
    return recs
  end
  return {}
end

return M
