-- The rockspec lists every module explicitly (STYLE.md); keep it complete,
-- and check that `luarocks make` builds it offline.
local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function lines(cmd)
  local p = assert(io.popen(cmd))
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

describe("spfkit-scm-1.rockspec", function()
  local text = read("spfkit-scm-1.rockspec")
  local env = {}
  local chunk = assert((loadstring or load)(text, "rockspec", "t", env))
  if setfenv then setfenv(chunk, env) end
  chunk()

  it("builds every C source into spfkit.core", function()
    local listed = {}
    for _, s in ipairs(env.build.modules["spfkit.core"].sources) do listed[s] = true end
    for _, f in ipairs(lines("ls csrc/*.c")) do
      assert.is_true(listed[f], f .. " is missing from the rockspec")
    end
  end)

  it("installs every Lua module", function()
    local listed = {}
    for _, path in pairs(env.build.modules) do
      if type(path) == "string" then listed[path] = true end
    end
    for _, f in ipairs(lines("find lua -name '*.lua' | sort")) do
      assert.is_true(listed[f], f .. " is missing from the rockspec")
    end
  end)

  it("keeps dependencies to lua only (luarocks make works offline)", function()
    assert.are.same({ "lua >= 5.1" }, env.dependencies)
  end)

  local has_luarocks = os.execute("command -v luarocks >/dev/null 2>&1")
  if has_luarocks == true or has_luarocks == 0 then
    it("builds and installs with luarocks make, offline #slow", function()
      local tree = os.tmpname()
      os.remove(tree)
      local cmd = ("luarocks --lua-version=5.4 --tree=%s make --deps-mode=none spfkit-scm-1.rockspec >%s.log 2>&1"):format(tree, tree)
      local ok = os.execute(cmd)
      local log = read(tree .. ".log")
      assert(ok == true or ok == 0, log)
      local test = ("LUA_PATH='%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua' LUA_CPATH='%s/lib/lua/5.4/?.so' "
        .. "lua5.4 -e 'local s=require\"spfkit\"; print(s.check{ip=\"192.0.2.1\",sender=\"a@e.example\","
        .. "dns=s.zone{[\"e.example\"]={{TXT=\"v=spf1 ip4:192.0.2.1 -all\"}}}}.result)'"):format(tree, tree, tree)
      local out = lines(test)
      -- the CLI is installed as a command that finds the tree's modules
      local cli = lines(("%s/bin/spfkit check 192.0.2.1 e.example --zone spec/fixtures/diagnose/cases.zone "
        .. ">/dev/null 2>&1; echo $?; %s/bin/spfkit --help 2>&1 | head -1"):format(tree, tree))
      -- the builtin backend compiles in place: leave no objects behind
      os.execute("rm -rf " .. tree .. " " .. tree .. ".log; rm -f csrc/*.o")
      assert.are.same({ "pass" }, out)
      assert.are.equal("1", cli[1])           -- e.example is not in the zone: none, a problem
      assert.matches("spfkit", cli[2] or "", 1, true)
    end)
  end
end)
