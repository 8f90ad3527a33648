--- Messages in English and Japanese, from one catalog.
--
-- Every finding, note and error code that spfkit shows to a hosting
-- customer has a message here in both languages (`spfkit.i18n.en` and
-- `spfkit.i18n.ja`). A message is a template with `{name}` placeholders,
-- filled from a params table, or a function of the params.
--
--    local i18n = require "spfkit.i18n"
--    i18n.message("plus-all", { term = "+all" })
--    --> { en = "\"+all\" lets every server on the Internet ...", ja = "「+all」は..." }
--    i18n.text("no-all", "ja")
--
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.i18n

local catalogs = {
  en = require "spfkit.i18n.en",
  ja = require "spfkit.i18n.ja",
}

-- Catalog parts by concern, each `{ en = {...}, ja = {...} }`, merged in.
local PARTS = { "spfkit.i18n.diagnose", "spfkit.i18n.cli", "spfkit.i18n.dkim", "spfkit.i18n.html",
                "spfkit.i18n.audit" }
for _, name in ipairs(PARTS) do
  local part = require(name)
  for lang, catalog in pairs(catalogs) do
    for code, msg in pairs(part[lang]) do
      if catalog[code] ~= nil then error("spfkit.i18n: " .. name .. " redefines '" .. code .. "'") end
      catalog[code] = msg
    end
  end
end

local M = {}

--- The languages in the catalog.
M.languages = { "en", "ja" }

local type, tostring, pairs, error = type, tostring, pairs, error

local function fill(template, params)
  if type(template) == "function" then return template(params) end
  return (template:gsub("{([%a_][%w_]*)}", function(name)
    local v = params[name]
    if v == nil then return nil end        -- keep the placeholder: a visible bug
    return tostring(v)
  end))
end

--- The message for a code in one language.
-- @tparam string code e.g. `"plus-all"`
-- @tparam string lang `"en"` or `"ja"`
-- @tparam[opt] table params values for the `{name}` placeholders
-- @treturn string the text; for an unknown code, the code itself
-- @raise if `lang` is not in the catalog or the arguments have wrong types
function M.text(code, lang, params)
  if type(code) ~= "string" then
    error("bad argument #1 to 'text' (string expected, got " .. type(code) .. ")", 2)
  end
  local catalog = catalogs[lang]
  if not catalog then
    error("bad argument #2 to 'text' (language 'en' or 'ja' expected, got " .. tostring(lang) .. ")", 2)
  end
  if params ~= nil and type(params) ~= "table" then
    error("bad argument #3 to 'text' (table expected, got " .. type(params) .. ")", 2)
  end
  local template = catalog[code]
  if template == nil then return code end
  return fill(template, params or {})
end

--- The message for a code in every language.
-- @tparam string code
-- @tparam[opt] table params
-- @treturn table `{ en = "...", ja = "..." }`
function M.message(code, params)
  if type(code) ~= "string" then
    error("bad argument #1 to 'message' (string expected, got " .. type(code) .. ")", 2)
  end
  if params ~= nil and type(params) ~= "table" then
    error("bad argument #2 to 'message' (table expected, got " .. type(params) .. ")", 2)
  end
  return { en = M.text(code, "en", params), ja = M.text(code, "ja", params) }
end

--- Whether a code has a message in every language.
-- @tparam string code
-- @treturn boolean
function M.has(code)
  for _, lang in pairs(M.languages) do
    if catalogs[lang][code] == nil then return false end
  end
  return true
end

--- Every code of a language's catalog, sorted.
-- @tparam[opt] string lang default `"en"`
-- @treturn table array of codes
function M.codes(lang)
  local catalog = catalogs[lang or "en"]
  if not catalog then error("bad argument #1 to 'codes' (unknown language)", 2) end
  local out = {}
  for code in pairs(catalog) do out[#out + 1] = code end
  table.sort(out)
  return out
end

--- An error table `{ code, message, message_ja, ... }` (the shape of
-- spfkit's `nil, err` returns) for a code of the catalog.
-- @tparam string code
-- @tparam[opt] table params placeholder values; also copied into the error
-- @treturn table
function M.err(code, params)
  local e = {}
  for k, v in pairs(params or {}) do e[k] = v end
  local msg = M.message(code, params)
  e.message_ja = msg.ja
  return require("spfkit.errors").new(code, msg.en, e)
end

return M
