--- RFC 3464 delivery-status fields (the machine-readable part of a DSN).
-- @module spfkit.bounce.dsn
local text = require "spfkit.bounce.text"
local mime = require "spfkit.mime"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower, match, gsub, sub = string.find, string.lower, string.match, string.gsub, string.sub

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

-- A block that holds several Final-Recipient fields (per-recipient
-- groups with no blank line between them, as AOL writes them) is cut
-- before each further one (or before an Original-Recipient just above it).
local function add_blocks(blocks, chunk)
  local starts = { 1 }
  local lc = lower(chunk)
  local first = find(lc, "final-recipient:", 1, true)
  while first do
    local nxt = find(lc, "\nfinal-recipient:", first + 1, true)
    if not nxt then break end
    local cut = nxt + 1
    local prev = match(sub(lc, 1, nxt - 1), "()\n[^\n]*$") or 0
    if find(lc, "^original%-recipient:", prev + 1) and prev + 1 > first then cut = prev + 1 end
    starts[#starts + 1] = cut
    first = nxt + 1
  end
  for i = 1, #starts do
    local part = sub(chunk, starts[i], (starts[i + 1] or #chunk + 1) - 1)
    if find(part, "%S") and #blocks < 1000 then blocks[#blocks + 1] = mime.headers(part).map end
  end
end

-- Whether a line of blanks only is in s ("\n[ \t]+\n"), from the plain
-- searches for a newline and a blank (a pattern would be tried at every byte).
local function blank_line_in(s)
  for _, lead in ipairs({ "\n ", "\n\t" }) do
    local p = find(s, lead, 1, true)
    while p do
      if find(s, "^[ \t]*\n", p + 1) then return true end
      p = find(s, lead, p + 1, true)
    end
  end
  return false
end

--- Parse delivery-status text.
-- @tparam string s the decoded message/delivery-status body
-- @treturn table per-message fields (lower-case names)
-- @treturn table list of per-recipient records
function M.parse(s)
  -- blank-line separated blocks of header-like fields
  if blank_line_in(s) then
    s = gsub(s, "\n[ \t]+\n", "\n\n")
  end
  local blocks = {}
  local pos, len = 1, #s
  while pos <= len and #blocks < 1000 do
    local e = find(s, "\n\n", pos, true)
    local chunk = sub(s, pos, e or len)
    add_blocks(blocks, chunk)
    if not e then break end
    pos = e + 2
  end
  local msg, recs = {}, {}
  for b = 1, #blocks do
    local f = blocks[b]
    if f["final-recipient"] or f["original-recipient"] then
      local r = {}
      local fr = text.address(f["final-recipient"])
      if fr and not find(fr, "^[^@]+@[^@]+$") then fr = nil end -- "@mx.example.org"
      local orcpt = text.address(f["original-recipient"])
      r.recipient = fr or orcpt
      r.alt = { orcpt, text.address(f["x-actual-recipient"]) }
      r.original_recipient = orcpt
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
      r.fields = f -- every field of the group (vendor fields: `reasons.providers.dsn_fields`)
      recs[#recs + 1] = r
    else
      for _, k in ipairs({ "reporting-mta", "x-postfix-sender", "x-original-envelope-from", "arrival-date",
                           "received-from-mta" }) do
        if msg[k] == nil then msg[k] = f[k] end
      end
    end
  end
  return msg, recs
end

--- Does a text contain DSN recipient fields?
-- @tparam string s
-- @treturn boolean
function M.looks_like(s)
  if not find(s, "inal-", 1, true) then return false end -- (a plain search first)
  return find(s, "\n[Ff]inal%-[Rr]ecipient:") ~= nil or find(s, "^[Ff]inal%-[Rr]ecipient:") ~= nil
end

return M
