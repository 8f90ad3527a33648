#!/usr/bin/env lua5.4
-- bench/tree.lua: the cost of one spfkit.tree walk, as a ratio to one
-- core.check of the same domain measured in the same run (the anchor).
--
-- The tree is _spf.google.com-like: example.jp -> _spf.google.com ->
-- _netspf / _netblocks{,2,3} (4 levels with the customer's own record,
-- 6 nodes, a/mx resolved too).
--
-- usage: lua5.4 bench/tree.lua | luajit bench/tree.lua   (from the repository root)
local script = arg and arg[0] or "bench/tree.lua"
local root = script:match("^(.*)/bench/[^/]*$") or "."
local vm = jit and "luajit" or "lua5.4"
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/" .. vm .. "/?.so;" .. package.cpath

local spfkit = require "spfkit"
local tree = require "spfkit.tree"
local clock = os.clock

local zone = assert(spfkit.zone{
  ["example.jp"] = { { TXT = "v=spf1 a mx include:_spf.google.com include:spf.protection.outlook.com ~all" },
                     { A = "192.0.2.1" }, { MX = { 10, "mail.example.jp" } } },
  ["mail.example.jp"] = { { A = "192.0.2.2" } },
  ["_spf.google.com"] = { { TXT = "v=spf1 include:_netspf.google.com ~all" } },
  ["_netspf.google.com"] = { { TXT = "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
                                     .. "include:_netblocks3.google.com ~all" } },
  ["_netblocks.google.com"] = { { TXT = "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 "
                                        .. "ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ~all" } },
  ["_netblocks2.google.com"] = { { TXT = "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all" } },
  ["_netblocks3.google.com"] = { { TXT = "v=spf1 ip4:172.217.0.0/19 ip4:108.177.96.0/19 ~all" } },
  ["spf.protection.outlook.com"] = { { TXT = "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 -all" } },
})

local function time(n, fn)
  local t0 = clock()
  for _ = 1, n do fn() end
  return (clock() - t0) / n
end

local N = 2000
local check = time(N, function()
  return spfkit.check{ ip = "203.0.113.9", sender = "x@example.jp", dns = zone }   -- fails: walks everything
end)
local walk = time(N, function() return tree.tree{ domain = "example.jp", dns = zone } end)
local t = tree.tree{ domain = "example.jp", dns = zone }
print(("%s: tree %d lookups, %d questions; check %.1f us, tree %.1f us, ratio tree/check %.2f"):format(
  vm, t.total_lookups, t.questions, check * 1e6, walk * 1e6, walk / check))
