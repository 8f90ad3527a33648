--- Where an audit's answers come from: `query_many(questions)` over any
-- DNS source (issue 13). A source with `:query_many` (the resolver) gets
-- each round's questions in one call; any other `:query` object (a zone,
-- a cache over a resolver, a table) is asked one question after another.
-- Either way every question gets an answer table of `zone:query`'s shape;
-- a failure is `{ rcode = "TIMEOUT"|"NETWORK"|"ERROR", records = {}, error = err }`.
-- @module spfkit.audit.source

local errors = require "spfkit.errors"

local M = {}

local type, pcall, tostring = type, pcall, tostring

local ERROR_RCODES = { timeout = "TIMEOUT", network = "NETWORK" }

local function method(dns, name)
  local ok, f = pcall(function() return dns[name] end)
  return ok and type(f) == "function" and f or nil
end

-- nil, err (or a raise) from a :query turned into an answer table
local function failed(err)
  if type(err) ~= "table" then err = errors.new("error", tostring(err)) end
  return { rcode = ERROR_RCODES[err.code] or "ERROR", records = {}, error = err }
end

local function one(dns, query, name, qtype)
  local ok, ans, err = pcall(query, dns, name, qtype)
  if not ok then return failed(ans) end
  if type(ans) ~= "table" then return failed(err) end
  if ans.tc then return failed(errors.new("truncated", "truncated answer")) end
  return ans
end

--- Whether dns can serve an audit (has `:query` or `:query_many`).
function M.usable(dns)
  return (type(dns) == "table" or type(dns) == "userdata") and
    (method(dns, "query") ~= nil or method(dns, "query_many") ~= nil)
end

--- A function `questions -> answers` over dns.
-- @param dns a resolver, zone, cache or any object with `:query`
-- @treturn function `f({ {name, qtype}, ... }) -> { answer, ... }`
function M.wrap(dns)
  local many, query = method(dns, "query_many"), method(dns, "query")
  if many then
    return function(qs)
      local ok, got = pcall(many, dns, qs)
      if ok and type(got) == "table" then return got end
      local out = {}
      for i = 1, #qs do out[i] = failed(ok and "query_many returned " .. type(got) or got) end
      return out
    end
  end
  return function(qs)
    local out = {}
    for i, q in ipairs(qs) do out[i] = one(dns, query, q[1], q[2]) end
    return out
  end
end

return M
