--- The answer cache of an audit: one for every domain in flight, bounded
-- so that memory stays flat however long the list (issue 13).
--
-- Two generations: lookups read the young one, then the old one (and move
-- a hit back into the young one); when the young one holds `max` entries
-- it becomes the old one and the oldest generation is dropped. Answers
-- that every domain asks (`_spf.google.com`) stay; one-off answers go.
-- TTLs are not honoured: an audit is a snapshot of a few minutes.
--
-- `nodes` is the generation's table of resolved include subtrees
-- (`spfkit.tree.reuse`): a new generation starts a new one, so that a kept
-- subtree is always made of answers the cache still holds. `checks` is the
-- generation's memo of check_host() results for context-free records
-- (`record .. "\0" .. ip`), by the same rule.
-- @module spfkit.audit.cache

local M = {}
M.__index = M

local byte, sub = string.byte, string.sub

--- A cache of at most about 2 × max answers.
-- @tparam number max entries per generation
function M.new(max)
  return setmetatable({ young = {}, old = {}, n = 0, max = max, hits = 0, misses = 0, nodes = {},
                        checks = {} }, M)
end

--- The key of a question: lower-case name without the trailing dot, type.
function M.key(name, qtype)
  local k = name:lower()
  if byte(k, -1) == 46 then k = sub(k, 1, -2) end   -- "."
  return k .. "\0" .. qtype
end

--- The cached answer for key, or nil.
function M:get(key)
  local a = self.young[key]
  if a then self.hits = self.hits + 1 return a end
  a = self.old[key]
  if a then
    self.hits = self.hits + 1
    self:put(key, a)
    return a
  end
  self.misses = self.misses + 1
  return nil
end

--- Store an answer.
function M:put(key, answer)
  if self.young[key] == nil then
    if self.n >= self.max then
      self.old, self.young, self.n, self.nodes, self.checks = self.young, {}, 0, {}, {}
    end
    self.n = self.n + 1
  end
  self.young[key] = answer
end

return M
