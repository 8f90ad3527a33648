--- The one error shape of spfkit's `nil, err` returns.
--
-- Every error is a table `{ code =, message =, ... }` (optional fields such
-- as `position`, `line`, `message_ja`) sharing one metatable whose
-- `__tostring` gives `"code: message"`, so `assert(spfkit.parse(s))` reads
-- well. The metatable is the C core's (`core.error_mt`): errors made in C
-- and in Lua are alike.
-- @module spfkit.errors

local core = require "spfkit.core"

local M = {}

local MT = core.error_mt
M.mt = MT

local type, pairs, getmetatable, setmetatable = type, pairs, getmetatable, setmetatable

--- A new error.
-- @tparam string code a stable machine-readable code, e.g. "bad-ip"
-- @tparam string message one English sentence
-- @tparam[opt] table fields more fields copied in (position, params, ...)
-- @treturn table the error
function M.new(code, message, fields)
  local e = {}
  if fields then for k, v in pairs(fields) do e[k] = v end end
  e.code, e.message = code, message
  return setmetatable(e, MT)
end

--- Give a plain `{code, message}` table (from older code or a caller) the
-- error metatable; other values pass through.
-- @param e anything
-- @return e
function M.wrap(e)
  if type(e) == "table" and getmetatable(e) == nil and e.code then
    if e.message == nil then e.message = e.code end
    return setmetatable(e, MT)
  end
  return e
end

--- True when `e` has the error metatable.
function M.is(e) return type(e) == "table" and getmetatable(e) == MT end

return M
