-- The Lua sources stay luacheck-clean (.luacheckrc), so `make lint` means
-- something; skipped when luacheck is not installed.
describe("luacheck", function()
  local found = os.execute("command -v luacheck >/dev/null 2>&1")
  if not (found == true or found == 0) then
    pending("luacheck is not installed")
    return
  end
  it("finds nothing in lua/, spec/, examples/, bench/bounce and bin/spfkit", function()
    local p = assert(io.popen("luacheck --no-color -q lua spec examples bench/bounce bin/spfkit 2>&1; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    assert(out:find("exit=0\n$"), out)
  end)
end)
