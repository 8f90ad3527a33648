--- Option tables of the public functions: one check for all of them.
-- Pure Lua (5.1/LuaJIT and 5.4).
-- @module spfkit.options

local M = {}

local type, pairs, tostring, error = type, pairs, tostring, error

--- Raise (at the caller of the public function) unless `opts` is a table
-- whose keys are all in `allowed` with values of the type named there
-- (`true`: any type).
-- @tparam string fname e.g. "spfkit.check", for the messages
-- @param opts what the caller passed
-- @tparam table allowed `{ name = "string"|"number"|...|true }`
-- @treturn table opts
function M.check(fname, opts, allowed)
  if type(opts) ~= "table" then
    error(fname .. ": expected a table of options, got " .. type(opts), 3)
  end
  for k, v in pairs(opts) do
    local want = allowed[k]
    if not want then error(fname .. ": unknown option '" .. tostring(k) .. "'", 3) end
    if want ~= true and type(v) ~= want then
      error(fname .. ": option '" .. k .. "' must be a " .. want .. ", got " .. type(v), 3)
    end
  end
  return opts
end

return M
