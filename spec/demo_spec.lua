-- `make demo` is the main job: `spfkit diagnose` on the bundled Zenlogic
-- notice bounce against the bundled master file, offline, in Japanese and
-- English, with the merged record proven by what-if.
describe("make demo", function()
  local lua = jit and "luajit" or "lua5.4"

  it("diagnoses the bundled bounce against the bundled zone with bin/spfkit", function()
    local p = assert(io.popen("LUA=" .. lua .. " sh tools/demo.sh 2>&1; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    assert.matches("exit=0\n$", out)
    assert.matches("$ spfkit diagnose examples/bounces/zenlogic-gmail-5.7.26.eml --zone "
                   .. "examples/zones/example.jp.zone --lang ja", out, 1, true)
    -- Japanese: what is wrong, the one record, the proof, the steps
    assert.matches("example.jp の SPF レコードに送信元 164.0.1.2 が含まれていません(判定結果は「softfail」)", out, 1, true)
    assert.matches('"v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"', out, 1, true)
    assert.matches('example.jp. 3600 IN TXT "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"', out, 1, true)
    assert.matches("SPF「pass」となります(現在は「softfail」)", out, 1, true)
    assert.matches("2件目は追加しないでください", out, 1, true)
    -- English
    assert.matches("The SPF record of example.jp does not include 164.0.1.2", out, 1, true)
    assert.matches("With the proposed record, mail from 164.0.1.2 would get SPF pass (now: softfail).", out, 1, true)
    assert.is_nil(out:find("traceback", 1, true))
  end)

  it("runs the folder example over examples/bounces", function()
    local p = assert(io.popen("LUA=" .. lua .. " sh tools/lua.sh examples/diagnose-folder.lua examples/bounces "
                              .. "examples/zones/example.jp.zone 2>&1; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    assert.matches("exit=1\n$", out)                      -- problems found
    assert.matches("zenlogic%-gmail%-5%.7%.26%.eml%s+problem%s+spf%-fail%s+example%.jp", out)
    assert.matches("gmail%-5%.7%.25%-ptr%.eml%s+problem%s+ptr", out)
    assert.matches("gmail%-4%.7%.28%-rate%.eml%s+problem%s+reputation", out)
    assert.matches('example.jp. 3600 IN TXT "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"', out, 1, true)
    assert.matches("3 bounce(s), 3 need attention", out, 1, true)
  end)

  it("fails loudly when the bundled input is missing", function()
    local p = assert(io.popen("LUA=" .. lua .. " sh tools/demo.sh no-such-file.eml 2>&1; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    assert.matches("exit=2\n$", out)
  end)
end)
