-- Loaded by busted before every spec file (see .busted).
-- Picks the C core built for the running VM when --cpath was not given,
-- so `lua5.4 /usr/bin/busted` and `luajit /usr/bin/busted` both work.
local dir = jit and "build/luajit/" or "build/lua5.4/"
if not package.cpath:find("build/", 1, true) then
  package.cpath = dir .. "?.so;" .. package.cpath
end

-- SPFKIT_GC=aggressive (sanitizer and valgrind runs): collect at every step
-- so that __gc paths and use-after-free bugs show up.
if os.getenv("SPFKIT_GC") == "aggressive" then
  collectgarbage("setpause", 0)
  collectgarbage("setstepmul", 1000)
end
