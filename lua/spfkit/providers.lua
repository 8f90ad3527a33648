--- Provider templates: the SPF terms hosting providers and mail senders
-- publish, with the public page each value comes from.
--
--    local providers = require "spfkit.providers"
--    providers.get("willnet").terms   --> {"a", "mx", "include:spf01.willnet.ad.jp"}
--    providers.terms("zenlogic", { ip = "164.0.1.2" })  --> {"ip4:164.0.1.2"}
--
-- Functions that take user input return `nil, err` with
-- `err = { code = ..., message = ..., message_ja = ..., param = ... }`;
-- they raise only on programmer mistakes (wrong argument types).
--
-- Pure Lua (5.1/LuaJIT and 5.4); no dependency on `spfkit.core`.
-- @module spfkit.providers

local data = require "spfkit.providers.data"
local errors = require "spfkit.errors"

local M = {}

local type, pairs, ipairs, tostring, tonumber = type, pairs, ipairs, tostring, tonumber
local sort = table.sort

-- Index by id; a duplicate id is a bug in the data file.
local by_id = {}
for i, entry in ipairs(data) do
  if type(entry.id) ~= "string" then
    error("spfkit.providers.data: entry " .. i .. " has no string id")
  end
  if by_id[entry.id] then
    error("spfkit.providers.data: duplicate id '" .. entry.id .. "'")
  end
  by_id[entry.id] = entry
end

local function deepcopy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deepcopy(x) end
  return t
end

local function fail(code, message, message_ja, param)
  return nil, errors.new(code, message, { message_ja = message_ja, param = param })
end

local function unknown(id)
  return fail("unknown-provider",
    "unknown provider '" .. id .. "'; see spfkit.providers.list() for the known ids",
    "プロバイダー「" .. id .. "」は登録されていません。spfkit.providers.list() で一覧を確認してください。")
end

-- IPv4 in dotted-quad form: exactly four decimal octets 0-255, no leading zeros.
local function is_ipv4(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return false end
  for _, part in ipairs({ a, b, c, d }) do
    if #part > 3 or (#part > 1 and part:sub(1, 1) == "0") or tonumber(part) > 255 then
      return false
    end
  end
  return true
end

-- Count the 16-bit groups of a colon-separated run ("" counts as zero);
-- nil if a group is malformed. An IPv4 tail is allowed only when `last`.
local function count_groups(run, last)
  if run == "" then return 0 end
  local n = 0
  local parts = {}
  for part in (run .. ":"):gmatch("([^:]*):") do parts[#parts + 1] = part end
  for i, part in ipairs(parts) do
    if last and i == #parts and part:find(".", 1, true) then
      if not is_ipv4(part) then return nil end
      n = n + 2
    elseif part:match("^%x%x?%x?%x?$") then
      n = n + 1
    else
      return nil
    end
  end
  return n
end

-- IPv6 text form (RFC 4291 section 2.2), without zone index or prefix length.
local function is_ipv6(s)
  if not s:find(":", 1, true) or s:find("[^%x:%.]") then return false end
  local head, tail = s:match("^(.-)::(.*)$")
  if head then
    if tail:find("::", 1, true) then return false end       -- two "::"
    local h = count_groups(head, false)   -- an IPv4 tail only ends the address
    local t = count_groups(tail, true)
    return h ~= nil and t ~= nil and h + t <= 7
  end
  local n = count_groups(s, true)
  return n == 8
end

-- Host name as a DNS name: LDH labels of 1-63 bytes, 253 bytes at most,
-- two labels or more, top label not all-numeric. One trailing dot allowed.
local function normalize_host(s)
  local h = s:gsub("%.$", "", 1)
  if #h == 0 or #h > 253 then return nil end
  local labels = 0
  local last
  for label in (h .. "."):gmatch("([^.]*)%.") do
    if #label == 0 or #label > 63 then return nil end
    if label:find("[^%w%-]") or label:sub(1, 1) == "-" or label:sub(-1) == "-" then return nil end
    labels = labels + 1
    last = label
  end
  if labels < 2 or last:match("^%d+$") then return nil end
  return h:lower()
end

local function check_ip(value)
  if is_ipv4(value) then return "ip4:" .. value end
  if is_ipv6(value) then return "ip6:" .. value end
  return nil
end

--- All providers, sorted by id.
-- @treturn table array of entries (copies; changing them changes nothing here).
-- Each entry: `{ id=, name={en=,ja=}, terms={...}, params={...},
-- source="https://...", notes={en=,ja=}, panel=?, refs=? }`.
function M.list()
  local out = {}
  for _, entry in ipairs(data) do out[#out + 1] = deepcopy(entry) end
  sort(out, function(x, y) return x.id < y.id end)
  return out
end

--- One provider by id.
-- @tparam string id provider id, e.g. `"willnet"`
-- @treturn[1] table the entry (a copy)
-- @treturn[2] nil
-- @treturn[2] table `{ code = "unknown-provider", message = ..., message_ja = ... }`
-- @raise if `id` is not a string
function M.get(id)
  if type(id) ~= "string" then
    error("bad argument #1 to 'get' (string expected, got " .. type(id) .. ")", 2)
  end
  local entry = by_id[id]
  if not entry then return unknown(id) end
  return deepcopy(entry)
end

--- The provider's SPF terms with parameters substituted.
-- `{ip}` becomes `ip4:<ip>` or `ip6:<ip>` by address family; `{host}` is
-- replaced by the host name (lower-cased, trailing dot removed). Every
-- parameter the entry declares is required; unknown keys in `params` are
-- ignored.
-- @tparam string id provider id
-- @tparam[opt] table params `{ ip = "192.0.2.1", host = "www1234.sakura.ne.jp" }`
-- @treturn[1] table array of term strings, e.g. `{"a:www1234.sakura.ne.jp", "mx"}`
-- @treturn[2] nil
-- @treturn[2] table `{ code = "unknown-provider"|"missing-param"|"bad-param"|"panel-only",
--   message = ..., message_ja = ..., param = <name> }`
-- @raise if `id` is not a string or `params` is neither nil nor a table
function M.terms(id, params)
  if type(id) ~= "string" then
    error("bad argument #1 to 'terms' (string expected, got " .. type(id) .. ")", 2)
  end
  if params ~= nil and type(params) ~= "table" then
    error("bad argument #2 to 'terms' (table expected, got " .. type(params) .. ")", 2)
  end
  params = params or {}
  local entry = by_id[id]
  if not entry then return unknown(id) end
  if entry.panel_only then
    -- the provider publishes no fixed value: its panel shows the record
    return fail("panel-only",
      "provider '" .. id .. "' publishes no fixed SPF value: copy the record shown in "
        .. entry.panel.en .. " (" .. entry.source .. ")",
      "「" .. entry.name.ja .. "」は固定の SPF の値を公開していません。" .. entry.panel.ja
        .. " に表示される値をそのまま設定してください(" .. entry.source .. ")。")
  end

  local names = {}
  for name in pairs(entry.params or {}) do names[#names + 1] = name end
  sort(names)                                   -- deterministic error order

  local values = {}
  for _, name in ipairs(names) do
    local v = params[name]
    if v == nil or v == "" then
      return fail("missing-param",
        "provider '" .. id .. "' needs the '" .. name .. "' parameter: "
          .. entry.params[name].description.en,
        "プロバイダー「" .. id .. "」には「" .. name .. "」の指定が必要です。"
          .. entry.params[name].description.ja,
        name)
    end
    local shown = type(v) == "string" and v or tostring(v)
    local ok
    if type(v) == "string" then
      if name == "ip" then ok = check_ip(v)
      elseif name == "host" then ok = normalize_host(v)
      end
    end
    if not ok then
      local what_en = name == "ip" and "an IPv4 or IPv6 address" or "a host name"
      local what_ja = name == "ip" and "IPv4 または IPv6 のアドレス" or "ホスト名"
      return fail("bad-param",
        "'" .. shown .. "' is not " .. what_en .. " (parameter '" .. name .. "', e.g. "
          .. entry.params[name].example .. ")",
        "「" .. shown .. "」は" .. what_ja .. "ではありません(" .. name .. "。例: "
          .. entry.params[name].example .. ")",
        name)
    end
    values[name] = ok
  end

  local out = {}
  for i, term in ipairs(entry.terms) do
    local q, body = term:match("^([%+%-~%?]?)(.*)$")
    if body == "{ip}" then
      out[i] = q .. values.ip
    else
      out[i] = (term:gsub("{(%a+)}", function(name)
        return values[name] or error("spfkit.providers.data: '" .. id .. "' uses undeclared {" .. name .. "}")
      end))
    end
  end
  return out
end

--- Parameter names a provider needs (sorted), e.g. `{"ip"}`.
-- @tparam string id provider id
-- @treturn[1] table array of names (empty when none)
-- @treturn[2] nil
-- @treturn[2] table `{ code = "unknown-provider", ... }`
-- @raise if `id` is not a string
function M.required(id)
  if type(id) ~= "string" then
    error("bad argument #1 to 'required' (string expected, got " .. type(id) .. ")", 2)
  end
  local entry = by_id[id]
  if not entry then return unknown(id) end
  local names = {}
  for name in pairs(entry.params or {}) do names[#names + 1] = name end
  sort(names)
  return names
end

return M
