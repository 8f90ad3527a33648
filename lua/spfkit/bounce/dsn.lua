--- RFC 3464 delivery-status fields (the machine-readable part of a DSN).
-- @module spfkit.bounce.dsn
local text = require "spfkit.bounce.text"

local M = {}

local find, lower, match, gsub = string.find, string.lower, string.match, string.gsub

--- Split `dns; host [ip]` style values into a host and an IP.
-- @tparam ?string v field value
-- @treturn ?string host (lower case, no trailing dot)
-- @treturn ?string ip
function M.host_ip(v)
  if not v then return nil end
  v = gsub(v, "^%s*[%w%-]+%s*;%s*", "", 1)
  local host = match(v, "^%[?([%w%-%.:_]+)%]?")
  local ip = match(v, "%[([%x:%.]+)%]") or match(v, "%(([%x:%.]+)[,%)%s]")
  if host then
    host = lower(gsub(host, "%.$", ""))
    if text.ip(host) then ip = ip or host end
  end
  return host ~= "" and host or nil, text.ip(ip)
end

local ACTIONS = { failed = "failed", delayed = "delayed", delivered = "delivered", relayed = "relayed",
  expanded = "expanded", deliverable = "delivered", deferred = "delayed", expired = "failed",
  failure = "failed", ["delivery-failed"] = "failed" }

--- Normalise an Action: value.
-- @tparam ?string a
-- @treturn ?string
function M.action(a)
  if not a then return nil end
  a = lower(match(a, "^%s*([%a%-]+)") or "")
  return ACTIONS[a]
end

--- Parse delivery-status text.
-- @tparam string s the decoded message/delivery-status body
-- @treturn table per-message fields (lower-case names)
-- @treturn table list of per-recipient records
function M.parse(s)
  local blocks, fields, last = {}, nil, nil
  local lines = text.lines(s, 5000)
  for i = 1, #lines do
    local l = lines[i]
    if not find(l, "%S") then
      fields, last = nil, nil
    elseif find(l, "^[ \t]") then
      if fields and last then local t = fields[last]; t[#t + 1] = text.trim(l) end
    else
      local name, value = match(l, "^([%w%-]+)%s*:%s*(.*)$")
      if name then
        if not fields then fields = {}; blocks[#blocks + 1] = fields end
        name = lower(name)
        if fields[name] == nil then fields[name] = { value }; last = name else last = nil end
      end
    end
  end
  for b = 1, #blocks do
    for k, v in pairs(blocks[b]) do blocks[b][k] = table.concat(v, " ") end
  end
  local msg, recs = {}, {}
  for b = 1, #blocks do
    local f = blocks[b]
    if f["final-recipient"] or f["original-recipient"] then
      local r = {}
      r.recipient = text.address(f["final-recipient"]) or text.address(f["original-recipient"])
      r.alt = { text.address(f["original-recipient"]), text.address(f["x-actual-recipient"]) }
      r.action = M.action(f.action)
      local st = f.status and match(f.status, "(%d%.%d+%.%d+)")
      if st and text.valid_status(st) then r.status = st end
      r.remote_mta, r.remote_ip = M.host_ip(f["remote-mta"])
      local dc = f["diagnostic-code"]
      if dc then
        local dtype, dtext = match(dc, "^%s*([%w%-]+)%s*;%s*(.*)$")
        if dtype then r.diagnostic_type, r.diagnostic = lower(dtype), dtext
        else r.diagnostic = dc end
        if r.diagnostic == "" then r.diagnostic = nil end
      end
      r.from_dsn = true
      recs[#recs + 1] = r
    else
      for k, v in pairs(f) do if msg[k] == nil then msg[k] = v end end
    end
  end
  return msg, recs
end

--- Does a text contain DSN recipient fields?
-- @tparam string s
-- @treturn boolean
function M.looks_like(s)
  return find(s, "\n[Ff]inal%-[Rr]ecipient:") ~= nil or find(s, "^[Ff]inal%-[Rr]ecipient:") ~= nil
end

return M
