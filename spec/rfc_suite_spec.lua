-- The full RFC 7208 (203 tests) and RFC 4408 (191 tests) suites, from
-- Debian's python3-spf, one `it` per test.
local suite = require "spec.support.suite"

for _, file in ipairs{ "rfc7208-tests.yml.gz", "rfc4408-tests.yml.gz" } do
  describe(file, function()
    if not suite.available(file) then
      pending("python3-spf is not installed (make deps installs it)")
      return
    end
    local scenarios = suite.load(file)
    local count = 0
    for _, sc in ipairs(scenarios) do
      describe(sc.description, function()
        local zone = suite.zone(sc.zonedata)
        local names = {}
        for name in pairs(sc.tests) do names[#names + 1] = name end
        table.sort(names)
        for _, name in ipairs(names) do
          local test = sc.tests[name]
          count = count + 1
          it(name, function()
            local ok, got, exp = suite.run(test, zone)
            local want = type(test.result) == "table" and table.concat(test.result, "|") or test.result
            assert(ok, ("%s: expected %s%s, got %s%s"):format(name, want,
              test.explanation and (" (" .. test.explanation .. ")") or "",
              tostring(got), exp and (" (" .. exp .. ")") or ""))
          end)
        end
      end)
    end
    it("has the whole suite", function()
      assert.are.equal(file:find("7208") and 203 or 191, count)
    end)
  end)
end
