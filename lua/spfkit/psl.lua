--- Organizational domains (RFC 7489 section 3.2), for DMARC alignment.
--
-- Reads the Public Suffix List from Debian's `publicsuffix` package
-- (`/usr/share/publicsuffix/public_suffix_list.dat`) on first use; without
-- it, a small built-in list of common suffixes (the Japanese second-level
-- ones included) is used and `psl.source` says so.
--
--    psl.org_domain("mail.example.co.jp")  --> "example.co.jp"
--    psl.org_domain("a.b.example.com")     --> "example.com"
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.psl

local M = {}

M.PATH = "/usr/share/publicsuffix/public_suffix_list.dat"

local FALLBACK = {
  "com", "net", "org", "info", "biz", "jp", "co.jp", "ne.jp", "or.jp", "ac.jp", "ad.jp", "ed.jp",
  "go.jp", "gr.jp", "lg.jp", "uk", "co.uk", "org.uk", "ac.uk", "au", "com.au", "net.au",
  "de", "fr", "io", "us", "tw", "com.tw", "cn", "com.cn", "kr", "co.kr", "sg", "com.sg",
}

local rules          -- set of "suffix" = "normal" | "wildcard" | "exception"

local function load()
  rules = {}
  local f = io.open(M.PATH, "rb")
  if f then
    for line in f:lines() do
      local r = line:match("^(%S+)")
      if r and r:sub(1, 2) ~= "//" then
        r = r:lower()
        if r:sub(1, 1) == "!" then rules[r:sub(2)] = "exception"
        elseif r:sub(1, 2) == "*." then
          rules[r:sub(3)] = rules[r:sub(3)] or "normal"
          rules[r] = "wildcard"
        else rules[r] = rules[r] or "normal" end
      end
    end
    f:close()
    M.source = M.PATH
  else
    for _, s in ipairs(FALLBACK) do rules[s] = "normal" end
    M.source = "built-in"
  end
end

--- The public suffix of a domain name (lower case, no trailing dot).
-- @tparam string name
-- @treturn string e.g. "co.jp"; the last label when no rule matches
function M.suffix(name)
  if not rules then load() end
  name = name:lower():gsub("%.$", "")
  local labels = {}
  for l in name:gmatch("[^.]+") do labels[#labels + 1] = l end
  local n = #labels
  local best = labels[n]
  for i = n, 1, -1 do
    local s = table.concat(labels, ".", i, n)
    local rest = i < n and table.concat(labels, ".", i + 1, n) or nil
    if rules[s] == "exception" then return rest or s end
    if rules[s] == "normal" then best = s end
    if rest and rules["*." .. rest] == "wildcard" then best = s end
  end
  return best
end

--- The organizational domain: the public suffix plus one label.
-- @tparam string name
-- @treturn ?string nil when the name is itself a public suffix
function M.org_domain(name)
  if type(name) ~= "string" or name == "" then return nil end
  name = name:lower():gsub("%.$", "")
  local suffix = M.suffix(name)
  if name == suffix then return nil end
  local head = name:sub(1, #name - #suffix - 1)
  return (head:match("([^.]+)$") or head) .. "." .. suffix
end

return M
